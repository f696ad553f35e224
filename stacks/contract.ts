// What the stacks export that another part reads, each output declared once: its value's type, what it holds, and
// who reads it (the cn program through its StackReference, `npm run status` from a deployed stack). The us program's
// result is typed from the table, the cn program reads the names marked for it, status the ones marked for it.
import * as pulumi from "@pulumi/pulumi";
import { HostPair } from "china-edge-policy/kernel/hosts";
import { ReportedGroup, ReportedHost } from "../components/render/shared/report";
import { MonitoringOutputs } from "../components/monitoring/monitoring";

type Reader = "cn" | "status";

interface Output<T> {
    description: string;
    readers: Reader[];
    /** Exported as a Pulumi secret (a private key). */
    secret?: boolean;
    /** Only the cn stack's terminating edges read it; absent from a us stack deployed before it existed. */
    terminating?: boolean;
    /** Exported only when its feature is on (monitoring). */
    optional?: true;
    /** Phantom: the value's type. */
    type?: T;
}

const output = <T>(description: string, readers: Reader[], extra: Pick<Output<T>, "secret" | "terminating"> = {}): Output<T> =>
    ({ description, readers, ...extra });
const optionalOutput = <T>(description: string, readers: Reader[]): Output<T> & { optional: true } => ({ description, readers, optional: true });

/** What every stack exports for `npm run status`. */
export const STACK_OUTPUTS = {
    region: output<string>("The stack's region.", ["cn", "status"]),
    proxyHosts: output<ReportedHost[]>("Each proxy host's instance and what `npm run status` reads on it.", ["status"]),
    monitoring: optionalOutput<MonitoringOutputs>("CloudMonitor's contacts, probes and alarms, when monitoring is on.", ["status"]),
    proxyGroups: optionalOutput<ReportedGroup[]>("Each scaling group of proxies and what `npm run status` reads on each host in service.", ["status"]),
};

/** What the us stack exports for the cn stack, which reads it through its StackReference. */
export const US_OUTPUTS = {
    region: STACK_OUTPUTS.region,
    vpcId: output<string>("The us VPC.", ["cn"]),
    vpcCidr: output<string>("The us VPC's range; the cn VPC must not overlap it.", ["cn"]),
    vpcRouteTableId: output<string>("The us VPC's route table, which learns the cn range.", ["cn"]),
    vswitchIds: output<string[]>("The us vSwitches, in zone order.", []),
    securityGroupId: output<string>("The origin proxies' security group.", []),
    cenId: output<string>("The CEN instance both stacks attach to.", ["cn"]),
    transitRouterId: output<string>("The us transit router, the peer attachment's far end.", ["cn"]),
    transitRouterRouteTableId: output<string>("The us transit router's route table.", ["cn"]),
    vpcAttachmentId: output<string>("The us VPC's attachment to its transit router.", ["cn"]),
    publicHosts: output<string[]>("Served public names, primary first: the edges' SNI allow-list.", ["cn"]),
    hostPairs: output<HostPair[]>("Served names as pairs, old and public: the redirector's list.", ["cn"]),
    mirrors: output<string[]>("The hosts visitors' browsers use in place of blocked third parties: what the edges, in China, must reach.", ["cn"]),
    originProxies: output<{ name: string; address: string }[]>("The origin proxies' names and fixed private addresses (a scaling group's: its internal NLB's, one per zone).", ["cn"]),
    originCertificateVerifiable: output<boolean>("Whether the origin proxies serve a configured certificate rather than a self-signed one.", ["cn"]),
    edgeVpcCidr: output<string>("The range the origin proxies accept the edge from; the cn VPC must lie inside it.", ["cn"]),
    egressIps: output<string[]>("Addresses the existing service sees the proxies' requests come from.", []),
    linkCaCertificate: output<string>("The link's CA.", ["cn"], { terminating: true }),
    edgeLinkCertificate: output<string>("The terminating edges' client certificate for the link.", ["cn"], { terminating: true }),
    edgeLinkPrivateKey: output<string>("Its private key.", ["cn"], { terminating: true, secret: true }),
    proxyHosts: STACK_OUTPUTS.proxyHosts,
    monitoring: STACK_OUTPUTS.monitoring,
    proxyGroups: STACK_OUTPUTS.proxyGroups,
};

export type UsOutputName = keyof typeof US_OUTPUTS;

type ValueOf<O> = O extends Output<infer T> ? T : never;

/** A value a program may hand the engine for an output of type T: plain, or made of Outputs at any depth. */
export type Produced<T> = T extends string | number | boolean ? pulumi.Input<T>
    : T extends (infer E)[] ? pulumi.Input<Produced<E>[]>
    : pulumi.Input<{ [K in keyof T]: Produced<T[K]> }>;

type Optional<Table> = { [K in keyof Table]: Table[K] extends { optional: true } ? K : never }[keyof Table];

/** What a program returns for the outputs of a table: each required one, and the optional ones when it has them. */
export type OutputsOf<Table> = { [K in Exclude<keyof Table, Optional<Table>>]: Produced<ValueOf<Table[K]>> }
    & { [K in Optional<Table>]?: Produced<ValueOf<Table[K]>> };

export type UsContractOutputs = OutputsOf<typeof US_OUTPUTS>;
export type StackContractOutputs = OutputsOf<typeof STACK_OUTPUTS>;

/** The outputs the cn program reads, as it reads them (known values). */
export type UsValues = { [K in UsOutputName as "cn" extends (typeof US_OUTPUTS)[K]["readers"][number] ? K : never]: ValueOf<(typeof US_OUTPUTS)[K]> };

/** The names the cn program reads of the us stack: always, and only with terminating edges. */
export function cnReads(terminating: boolean): UsOutputName[] {
    return (Object.keys(US_OUTPUTS) as UsOutputName[]).filter((name) => {
        const o: Output<unknown> = US_OUTPUTS[name];
        return o.readers.includes("cn") && (o.terminating ?? false) === terminating;
    });
}

/** Whether an output is exported as a secret. */
export function isSecretOutput(name: UsOutputName): boolean {
    const o: Output<unknown> = US_OUTPUTS[name];
    return o.secret === true;
}

/** What `npm run status` reads of a deployed stack's outputs, as values. */
export type StatusValues = { [K in Exclude<keyof typeof STACK_OUTPUTS, Optional<typeof STACK_OUTPUTS>>]: ValueOf<(typeof STACK_OUTPUTS)[K]> }
    & { [K in Optional<typeof STACK_OUTPUTS>]?: ValueOf<(typeof STACK_OUTPUTS)[K]> };

/** The outputs status needs on every stack, by name. */
export function requiredStatusOutputs(): (keyof typeof STACK_OUTPUTS)[] {
    return (Object.keys(STACK_OUTPUTS) as (keyof typeof STACK_OUTPUTS)[]).filter((k) => {
        const o: Output<unknown> = STACK_OUTPUTS[k];
        return !o.optional;
    });
}

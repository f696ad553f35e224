// Every policy of the pack, free of side effects so that tests can import them; index.ts serves them.
import { Policies } from "@pulumi/policy";
import { noBurstableInstances } from "./rules/noBurstableInstances";
import { noPublicSsh } from "./rules/noPublicSsh";
import { minimumDiskSize } from "./rules/minimumDiskSize";
import { essdSystemDisk } from "./rules/essdSystemDisk";
import { cenBandwidthPackageRenewal } from "./rules/cenBandwidthPackageRenewal";
import { userDataSize } from "./rules/userDataSize";
import { publicIpBehindNat } from "./rules/publicIpBehindNat";
import { cenVpcsDoNotOverlap } from "./rules/cenVpcsDoNotOverlap";

export const PACK_NAME = "china-edge";

export const policies: Policies = [
    noBurstableInstances,
    noPublicSsh,
    minimumDiskSize,
    essdSystemDisk,
    cenBandwidthPackageRenewal,
    userDataSize,
    publicIpBehindNat,
    cenVpcsDoNotOverlap,
];

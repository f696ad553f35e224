// The scaling groups' lives in the lab (harness/lab/scaling.ts) with more clients than the test, on one lab: three
// edges behind a stand-in of their NLB, then the us stack's group of origin proxies (two at first) behind a stand-in
// of its internal NLB; no added delay.
import { startLab } from "../lab/lab";
import { renderedProxies } from "../lab/rendered";
import { LAB_ORIGIN_GROUP, ScalingFigures, runOriginScalingScenario, runScalingScenario } from "../lab/scaling";

export const SCALING_CLIENTS = 1_000;
const SCALING_LOOPS = 8;

/** Each role's figures, the edges' at the top (as before the origin proxies could scale). */
export type BenchScaling = ScalingFigures & { clients: number; originProxies: ScalingFigures };

export async function benchScaling(root: string, log: (line: string) => void): Promise<BenchScaling> {
    const rendered = await renderedProxies(root, { us: LAB_ORIGIN_GROUP, cn: { maxReplicas: 4, minReplicas: 3, onDemandBase: 1, spotPercent: 50 } });
    if (!rendered.edgeGroup || !rendered.originGroup) {
        throw new Error("the stacks rendered no scaling group");
    }
    const lab = await startLab({ root, delayMs: 0, overrides: { cn: { replicas: 3 }, us: LAB_ORIGIN_GROUP } });
    try {
        const options = { clients: SCALING_CLIENTS, loops: SCALING_LOOPS };
        log(`Scaling: a scale-out, a scale-in and a spot reclamation of edges behind a stand-in NLB under ${SCALING_LOOPS} request loops and ${SCALING_CLIENTS} WebSockets`);
        const edges = await runScalingScenario(lab, { ...options, group: rendered.edgeGroup });
        log("Scaling: the same of origin proxies behind a stand-in of their internal NLB, through the edges");
        const originProxies = await runOriginScalingScenario(lab, { ...options, group: rendered.originGroup.host });
        return { ...edges, clients: SCALING_CLIENTS, originProxies };
    } finally {
        await lab.close();
    }
}

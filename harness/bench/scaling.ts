// The scaling group's life in the lab (harness/lab/scaling.ts) with more clients than the test: three edges behind a
// stand-in of the NLB, two origin proxies, no added delay.
import { startLab } from "../lab/lab";
import { renderedProxies } from "../lab/rendered";
import { ScalingFigures, runScalingScenario } from "../lab/scaling";

export const SCALING_CLIENTS = 1_000;
const SCALING_LOOPS = 8;

export async function benchScaling(root: string, log: (line: string) => void): Promise<ScalingFigures & { clients: number }> {
    const us = { replicas: 2 };
    const rendered = await renderedProxies(root, { us, cn: { maxReplicas: 4, minReplicas: 3, onDemandBase: 1, spotPercent: 50 } });
    if (!rendered.edgeGroup) {
        throw new Error("the cn stack rendered no scaling group");
    }
    const lab = await startLab({ root, delayMs: 0, overrides: { cn: { replicas: 3 }, us } });
    try {
        log(`Scaling: a scale-out, a scale-in and a spot reclamation behind a stand-in NLB under ${SCALING_LOOPS} request loops and ${SCALING_CLIENTS} WebSockets`);
        const figures = await runScalingScenario(lab, { group: rendered.edgeGroup, clients: SCALING_CLIENTS, loops: SCALING_LOOPS });
        return { ...figures, clients: SCALING_CLIENTS };
    } finally {
        await lab.close();
    }
}

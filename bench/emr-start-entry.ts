// Bundled by bench/emr-start.mjs: `labs start --target emr` against the stateful fake EMR, counting API calls.
import { startLab } from '../src/app/start.js';
import { emrConfig, fastEngine, joinsLab, storeIn, tempProject } from '../test/flows/emr-project.js';
import { FakeAws } from '../test/helpers/fake-aws.js';

export interface StartCalls {
  total: number;
  byOp: Record<string, number>;
}

/** Four steps, so one AddJobFlowSteps per start is told apart from one per step. */
const STEPS = ['prepare', 'joins', 'aggregate', 'report'];
/** Describe calls a step spends PENDING, then as many RUNNING: what a waiter must see, at least, to see it end. */
const STEP_POLLS = 3;

const fourStepLab = () =>
  joinsLab({ steps: STEPS.map((name) => ({ name, job: 'spark-jobs/python/day2_joins.py', args: ['--out', '{out}', '--data', '{data}/orders'] })), checks: [] });

/** A cold `labs start` (no bucket, no cluster) and then a warm one (live cluster, unchanged artifacts), in one fake. */
export async function coldThenWarm(): Promise<{ cold: StartCalls; warm: StartCalls; steps: number; statesPerStep: number }> {
  const fake = new FakeAws({ stepPolls: STEP_POLLS });
  const project = tempProject();
  const config = emrConfig();
  const lab = fourStepLab();
  const once = async (): Promise<StartCalls> => {
    const from = fake.mock.calls().length;
    const engine = fastEngine(fake, project.root, project.home, config);
    const run = await startLab({ lab, config, engine, store: storeIn(project.home), onEvent: () => {}, signal: new AbortController().signal });
    if (run.state !== 'COMPLETED') throw new Error(`bench run ended ${run.state}`);
    const ops = fake.mock.calls().slice(from).map((c) => c.operation);
    const byOp: Record<string, number> = {};
    for (const op of ops) byOp[op] = (byOp[op] ?? 0) + 1;
    return { total: ops.length, byOp };
  };
  const cold = await once();
  const warm = await once();
  fake.mock.restore();
  // PENDING -> RUNNING -> ended: each transition is seen by one Describe in the fake
  return { cold, warm, steps: STEPS.length, statesPerStep: STEP_POLLS * 2 };
}

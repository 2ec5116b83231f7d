import { LabSchema, type Lab } from '../../src/core/lab/lab-schema.js';

/** A valid one-step lab (step `run`) with these checks, for tests of evaluation and reporting. */
export function labWithChecks(checks: unknown[], id = 'day1-x'): Lab {
  return LabSchema.parse({ id, day: Number(id.slice(3, 4)), title: id, topics: ['t'], steps: [{ name: 'run', job: 'spark-jobs/python/x.py' }], checks });
}

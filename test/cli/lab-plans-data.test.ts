import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLabs, tempHome } from '../helpers/cli.js';

/**
 * day1-instance-fleets compares the RunJobFlow `Instances` of its two cluster shapes, kept as data files so its job
 * (on any target) can read them. They are what `labs plan` prints, not written by hand: this fails as soon as the
 * planner or the lab's cluster changes without `node scripts/lab-plans.mjs` being run again.
 */
describe('day1-instance-fleets plans data', () => {
  const home = tempHome('labs-plans-data-');
  const dir = path.join(process.cwd(), 'labs', 'day1-instance-fleets', 'data', 'plans');
  for (const [file, fleets] of [['groups.json', false], ['fleets.json', true]] as const) {
    it(`${file} is what labs plan${fleets ? ' --fleets' : ''} prints`, () => {
      const r = runLabs(['plan', 'day1-instance-fleets', '--target', 'emr', '--json', ...(fleets ? ['--fleets'] : [])], { LABS_HOME: home });
      expect(r.code, r.stderr).toBe(0);
      const planned = JSON.parse(r.stdout).runJobFlow.Instances;
      expect(JSON.parse(readFileSync(path.join(dir, file), 'utf8'))).toEqual(planned);
      expect(planned[fleets ? 'InstanceFleets' : 'InstanceGroups']).toBeDefined();
    });
  }
});

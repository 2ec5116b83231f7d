import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/cli.js';
import { projectPython } from '../../helpers/project-venv.js';

/**
 * sandbox/server/labs_sandbox/scaling.py: a step's Spark sizes follow the memoryScale/vcoreScale the YARN launcher
 * applied to yarn-site (docs/sandbox.md "Spark's sizes are scaled too"), so a lab sized for m5.xlarge fits the nodes.
 */
function py(code: string): unknown {
  const out = execFileSync(projectPython(), ['-c', `import json\nfrom labs_sandbox import scaling\n${code}`], {
    cwd: path.join(repoRoot, 'sandbox', 'server'),
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

describe('the sandbox scales Spark sizes like yarn-site', () => {
  it('scales --conf memory and cores up to the application file, never its arguments', () => {
    const args = ['--deploy-mode', 'cluster', '--name', 'x', '--conf', 'spark.executor.memory=5g', '--conf', 'spark.executor.memoryOverhead=512m',
      '--conf', 'spark.driver.memory=2g', '--conf', 'spark.executor.cores=2', '--conf', 'spark.driver.cores=1', '--conf', 'spark.executor.instances=4',
      '--executor-memory', '4g', '--py-files', 'a.py,b.py', 'job.py', '--conf', 'spark.executor.memory=5g'];
    const [out, changes] = py(`c=[]\nprint(json.dumps([scaling.scale_submit_args(${JSON.stringify(args)}, 0.25, 0.5, c), c]))`) as [string[], string[]];
    expect(out).toEqual(['--deploy-mode', 'cluster', '--name', 'x', '--conf', 'spark.executor.memory=1280m', '--conf', 'spark.executor.memoryOverhead=128m',
      // a heap never below 512 MB (Spark refuses under 450 MB); cores at least 1; counts unchanged
      '--conf', 'spark.driver.memory=512m', '--conf', 'spark.executor.cores=1', '--conf', 'spark.driver.cores=1', '--conf', 'spark.executor.instances=4',
      '--executor-memory', '1024m', '--py-files', 'a.py,b.py', 'job.py', '--conf', 'spark.executor.memory=5g']);
    expect(changes).toContain('spark.executor.memory 5g -> 1280m');
    expect(changes).not.toContain('spark.driver.cores 1 -> 1');
  });

  it('leaves everything as sent at scale 1, and scales only the spark-defaults classification', () => {
    expect(py(`print(json.dumps(scaling.scale_submit_args(['--conf', 'spark.executor.memory=5g', 'j.py'], 1.0, 1.0, [])))`)).toEqual(['--conf', 'spark.executor.memory=5g', 'j.py']);
    const confs = [{ Classification: 'spark-defaults', Properties: { 'spark.executor.memory': '4096m', 'spark.sql.shuffle.partitions': '8' } },
      { Classification: 'yarn-site', Properties: { 'yarn.nodemanager.resource.memory-mb': '12288' } }];
    expect(py(`print(json.dumps(scaling.scale_configurations(${JSON.stringify(confs)}, 0.25, 0.5, [])))`)).toEqual([
      { Classification: 'spark-defaults', Properties: { 'spark.executor.memory': '1024m', 'spark.sql.shuffle.partitions': '8' } }, confs[1]]);
  });

  it('reads the scale from the launcher\'s applied-configuration.json, (1, 1) without one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sandbox-scale-'));
    expect(py(`from pathlib import Path\nprint(json.dumps(scaling.read_scale(Path(${JSON.stringify(dir)}))))`)).toEqual([1, 1]);
    writeFileSync(path.join(dir, 'applied-configuration.json'), JSON.stringify({ memoryScale: 0.25, vcoreScale: 0.5 }));
    expect(py(`from pathlib import Path\nprint(json.dumps(scaling.read_scale(Path(${JSON.stringify(dir)}))))`)).toEqual([0.25, 0.5]);
  });
});

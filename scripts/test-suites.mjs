// `npm test` after typecheck, build and `labs setup local`: the three vitest projects in the order that fits the
// 2-core CI budget. The sandbox suite mostly waits on YARN (container allocation, heartbeats, an idle timeout, the
// CloudWatch publisher), so it runs in the background from the start, beside the unit project and then the labs on
// local Spark, which run one after the other in the foreground. The labs' speed-up checks compare medians measured
// inside one job, so a neighbour's load slows both sides; the labs project retries a failed lab once.
// The sandbox suite's report is kept in a file and printed once it ends, so reports do not interleave.
// Exit 1 when any project fails; the labs project is skipped when the unit project fails.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const vitest = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'node_modules', 'vitest', 'vitest.mjs');

function run(project, output) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, 'run', '--project', project], { stdio: ['ignore', output ?? 'inherit', output ?? 'inherit'] });
    child.on('exit', (code, signal) => resolve(signal ? 1 : (code ?? 1)));
  });
}

const logFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'labs-test-')), 'sandbox.log');
const log = createWriteStream(logFile);
await new Promise((r) => log.on('open', r));
console.log(`test: the sandbox suite runs in the background; its report follows the others (live: ${logFile})`);
const sandbox = run('sandbox', log);
const codes = { unit: await run('unit') };
if (codes.unit === 0) codes.labs = await run('labs');
else console.error('test: the unit project failed; the labs project is not run');
codes.sandbox = await sandbox;
log.end();
process.stdout.write(`\n---- the sandbox suite (vitest --project sandbox) ----\n${readFileSync(logFile, 'utf8')}\n`);
const failed = Object.entries(codes).filter(([, c]) => c !== 0).map(([p]) => p);
if (failed.length) {
  console.error(`test: failed: ${failed.join(', ')}`);
  process.exit(1);
}

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseJavaVersion } from '../../../src/engines/local/java.js';
import { freePort, isPortFree } from '../../../src/engines/local/ports.js';
import { summarize } from '../../../src/engines/local/spark-rest.js';

describe('parseJavaVersion', () => {
  it('reads modern and legacy version strings', () => {
    expect(parseJavaVersion('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment')).toEqual({ version: '17.0.15', major: 17 });
    expect(parseJavaVersion('java version "1.8.0_392"')).toEqual({ version: '1.8.0_392', major: 8 });
    expect(parseJavaVersion('openjdk version "21" 2023-09-19')).toEqual({ version: '21', major: 21 });
    expect(parseJavaVersion('garbage')).toBeUndefined();
  });
});

describe('ports', () => {
  it('sees a port in use and a free one', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    expect(await isPortFree(port)).toBe(false);
    await new Promise<void>((r) => server.close(() => r()));
    expect(await isPortFree(port)).toBe(true);
    expect(await freePort()).toBeGreaterThan(0);
  });
});

describe('Spark REST progress', () => {
  it('summarises jobs and picks the active stage with the most work left', () => {
    const p = summarize(
      [{ status: 'SUCCEEDED' }, { status: 'SUCCEEDED' }, { status: 'RUNNING' }],
      [
        { stageId: 1, name: 'a', status: 'COMPLETE', numTasks: 8, numCompleteTasks: 8 },
        { stageId: 2, name: 'count at x.py:1', status: 'ACTIVE', numTasks: 8, numCompleteTasks: 6 },
        { stageId: 3, name: 'save at x.py:2', status: 'ACTIVE', numTasks: 200, numCompleteTasks: 10 },
      ],
    );
    expect(p).toEqual({ jobsRunning: 1, jobsCompleted: 2, stagesCompleted: 1, stage: { id: 3, name: 'save at x.py:2', tasksDone: 10, tasksTotal: 200 } });
  });
});

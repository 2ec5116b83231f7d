import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/core/config.js';
import { checkMemory, sandboxMemoryMb } from '../../src/engines/sandbox/sandbox-launch.js';
import { runLabsAsync, tempHome } from '../helpers/cli.js';

/**
 * What goes wrong before or after a sandbox runs, through the built CLI: one line with the fix, exit 3 (2 for a
 * config that cannot fit), and nothing started. None of these starts Java or the sandbox server.
 */
function expectOneLine(r: { code: number | null; stderr: string }, code: number, message: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('setup: '));
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(message);
  expect(lines.slice(1).every((l) => l.startsWith('hint: '))).toBe(true);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** A state file that says the sandbox runs, with a pid no process has. */
function deadSandbox(home: string): void {
  mkdirSync(path.join(home, 'sandbox'), { recursive: true });
  writeFileSync(path.join(home, 'sandbox', 'server.json'), JSON.stringify({ endpoint: 'http://127.0.0.1:9', port: 9, pid: 2 ** 22 + 12345 }));
}

describe('the sandbox when something is missing or gone', () => {
  it('no Java: one line naming Java 17, exit 3, before anything starts', async () => {
    const r = await runLabsAsync(['sandbox', 'up'], { LABS_HOME: tempHome(), LABS_SANDBOX_PORT: '0', JAVA_HOME: '/nonexistent-java', PATH: '/usr/bin/nonexistent' });
    expectOneLine(r, 3, /Java/);
  });

  it('its port taken: one line with the fix (sandbox.port 0), exit 3', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await runLabsAsync(['sandbox', 'up'], { LABS_HOME: tempHome(), LABS_SANDBOX_PORT: String(port) });
      expectOneLine(r, 3, new RegExp(`port ${port} .*already in use`));
      expect(r.stderr).toContain('sandbox.port 0');
    } finally {
      server.close();
    }
  });

  it('a sandbox that died: status says so with its log (exit 3); commands that need it name `labs sandbox up`', async () => {
    const home = tempHome();
    deadSandbox(home);
    const status = await runLabsAsync(['sandbox', 'status', '--json'], { LABS_HOME: home });
    expect(status.code).toBe(3);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'dead', endpoint: null });
    expect(status.stderr).toMatch(/no longer running or answering \(its log: .*server\.log\)/);
    const ui = await runLabsAsync(['ui'], { LABS_HOME: home, LABS_TARGET: 'sandbox' });
    expectOneLine(ui, 3, /the sandbox \(pid \d+\) is no longer running/);
    expect(ui.stderr).toContain('labs sandbox up');
  });

  it('not running: status says down (exit 0); down has nothing to stop; ui names `labs sandbox up`', async () => {
    const home = tempHome();
    const status = await runLabsAsync(['sandbox', 'status', '--json'], { LABS_HOME: home });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'down', clusterId: null });
    const down = await runLabsAsync(['sandbox', 'down', '--yes'], { LABS_HOME: home });
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('the sandbox is not running');
    expectOneLine(await runLabsAsync(['ui'], { LABS_HOME: home, LABS_TARGET: 'sandbox' }), 3, /the sandbox is not running/);
  });

  it('down without --yes and no terminal to ask on: refused (exit 2), nothing stopped', async () => {
    const home = tempHome();
    deadSandbox(home);
    const r = await runLabsAsync(['sandbox', 'down'], { LABS_HOME: home });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--yes');
  });
});

describe('the sandbox memory budget', () => {
  it('a config that cannot fit in 8 GiB is refused as input (exit 2); a machine without the free memory, as environment (exit 3)', () => {
    const config = { ...DEFAULT_CONFIG, sandbox: { ...DEFAULT_CONFIG.sandbox, nodes: 4, nodeMemoryMb: 3072 } };
    expect(sandboxMemoryMb(config)).toBeGreaterThan(8192);
    expect(() => checkMemory(config, 64_000)).toThrowError(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/must fit in 8192 MB/) }));
    expect(() => checkMemory(DEFAULT_CONFIG, 2000)).toThrowError(expect.objectContaining({ exitCode: 3, message: expect.stringMatching(/needs about \d+ MB of free memory/) }));
    expect(() => checkMemory(DEFAULT_CONFIG, 64_000)).not.toThrow();
  });
});

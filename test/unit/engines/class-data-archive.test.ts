import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { archiveFile, ensureClassDataArchive } from '../../../src/engines/local/class-data-archive.js';
import type { PythonEnv } from '../../../src/engines/local/python-env.js';

/** A stand-in spark-submit: logs each call; writes the archive -XX:ArchiveClassesAtExit names unless told to fail. */
function fakeVenv(dir: string, behaviour: 'writes' | 'fails'): PythonEnv {
  const submit = path.join(dir, 'spark-submit');
  writeFileSync(
    submit,
    [
      '#!/bin/sh',
      `echo "$@" >> ${dir}/calls`,
      behaviour === 'fails' ? 'exit 1' : 'for a in "$@"; do case "$a" in *ArchiveClassesAtExit=*) echo archive > "${a#*ArchiveClassesAtExit=}";; esac; done',
      '',
    ].join('\n'),
  );
  chmodSync(submit, 0o755);
  return { dir, python: '/usr/bin/python3', sparkSubmit: submit, key: 'abc python 3.11.2' };
}

const java = { java: '/nonexistent/java', version: '17.0.15', major: 17 };
const calls = (dir: string) => (existsSync(path.join(dir, 'calls')) ? readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') : []);

describe('the drivers\' class-data archive', () => {
  it('is built once by a warm-up job, renamed into place, then reused without running anything', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'labs-cds-'));
    const pyenv = fakeVenv(dir, 'writes');
    const said: string[] = [];
    const o = { cacheDir: dir, pyenv, java, env: process.env, onProgress: (m: string) => said.push(m), signal: new AbortController().signal };
    const file = await ensureClassDataArchive(o);
    expect(file).toBe(archiveFile(dir, pyenv, java));
    expect(readFileSync(file!, 'utf8')).toBe('archive\n');
    expect(calls(dir)).toHaveLength(1);
    expect(calls(dir)[0]).toMatch(/--master local\[2\] --conf spark\.driver\.defaultJavaOptions=-XX:ArchiveClassesAtExit=\S+ .*warm_up\.py$/);
    expect(said).toEqual([expect.stringContaining('class-data archive')]);
    expect(await ensureClassDataArchive(o)).toBe(file);
    expect(calls(dir)).toHaveLength(1);
  });

  it('is keyed by the venv and the JDK: another Java version means another archive', () => {
    const pyenv = fakeVenv(mkdtempSync(path.join(os.tmpdir(), 'labs-cds-')), 'writes');
    expect(archiveFile('/c', pyenv, java)).not.toBe(archiveFile('/c', pyenv, { ...java, version: '17.0.16' }));
    expect(archiveFile('/c', pyenv, java)).not.toBe(archiveFile('/c', { ...pyenv, key: 'def python 3.11.2' }, java));
  });

  it('is skipped, not an error, when the warm-up job fails: steps start without it and nothing half-written is left', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'labs-cds-'));
    const pyenv = fakeVenv(dir, 'fails');
    const said: string[] = [];
    expect(await ensureClassDataArchive({ cacheDir: dir, pyenv, java, env: process.env, onProgress: (m) => said.push(m), signal: new AbortController().signal })).toBeUndefined();
    expect(said.at(-1)).toBe('could not build the class-data archive; Spark starts without it');
    expect(existsSync(archiveFile(dir, pyenv, java))).toBe(false);
  });
});

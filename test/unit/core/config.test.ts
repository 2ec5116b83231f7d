import { describe, expect, it } from 'vitest';
import { configKeys, DEFAULT_CONFIG, envLayer, mergeConfig } from '../../../src/core/config.js';
import { InputError } from '../../../src/core/errors.js';

describe('mergeConfig', () => {
  it('layers defaults < user < project < env < flags', () => {
    const config = mergeConfig([
      { source: 'user', values: { target: 'emr', student: 'ana', local: { uiPort: 4050 } } },
      { source: 'project', values: { student: 'course-default', emr: { idleTimeoutSeconds: 1800 } } },
      envLayer({ LABS_STUDENT: 'from-env', LABS_UI_PORT: '0' }),
      { source: 'flags', values: { target: 'local' } },
    ]);
    expect(config.target).toBe('local');
    expect(config.student).toBe('from-env');
    expect(config.local.uiPort).toBe(0);
    expect(config.local.master).toBe(DEFAULT_CONFIG.local.master);
    expect(config.emr.idleTimeoutSeconds).toBe(1800);
    expect(config.emr.releaseLabel).toBe('emr-7.13.0');
  });

  it('ignores undefined flags', () => {
    expect(mergeConfig([{ source: 'flags', values: { target: undefined } }]).target).toBe('local');
  });

  it('names the layer and key of a bad value', () => {
    expect(() => mergeConfig([{ source: '/home/u/.config/emr-spark-labs/config.yaml', values: { emr: { idleTimeoutSeconds: 10 } } }])).toThrowError(
      /config\.yaml: emr\.idleTimeoutSeconds: /,
    );
    expect(() => mergeConfig([envLayer({ LABS_TARGET: 'mars' })])).toThrowError(InputError);
    expect(() => mergeConfig([{ source: 'project', values: { colour: 'x' } }])).toThrowError(/project: unknown setting colour/);
  });

  it('rejects a non-numeric port from the environment', () => {
    expect(() => envLayer({ LABS_UI_PORT: 'abc' })).toThrowError(/local\.uiPort: "abc" is not a number/);
  });
});

describe('configKeys', () => {
  it('lists every settable key', () => {
    expect(configKeys()).toEqual(expect.arrayContaining(['target', 'student', 'local.uiPort', 'emr.releaseLabel', 'emr.bucket', 'emr.region']));
  });
});

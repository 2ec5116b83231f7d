import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { cacheDir, projectRoot } from '../../../src/app/paths.js';
import { requirementsFile } from '../../../src/engines/local/local-engine.js';
import { isReady, venvFor } from '../../../src/engines/local/python-env.js';
import { isPortFree } from '../../../src/engines/local/ports.js';
import { EMULATOR_CREDENTIALS, LOCAL_BUCKET, startS3Emulator } from '../../../src/engines/local/s3-emulator.js';

const venv = venvFor(cacheDir(), requirementsFile(projectRoot), process.env.LABS_PYTHON ?? 'python3');

// Needs the project venv (moto is in it): `npm test` builds it with `labs setup local` before vitest runs.
describe.runIf(isReady(venv))('local S3 emulator', () => {
  it('serves S3 on 127.0.0.1 with the lab bucket, and frees its port when stopped', async () => {
    const s3 = await startS3Emulator(path.join(venv.dir, 'bin', 'moto_server'));
    const port = Number(new URL(s3.endpoint).port);
    expect(new URL(s3.endpoint).hostname).toBe('127.0.0.1');
    try {
      const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: EMULATOR_CREDENTIALS });
      await client.send(new PutObjectCommand({ Bucket: LOCAL_BUCKET, Key: 'a/b.txt', Body: 'hello' }));
      const got = await client.send(new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: 'a/b.txt' }));
      expect(await got.Body!.transformToString()).toBe('hello');
      client.destroy();
      expect(await isPortFree(port)).toBe(false);
    } finally {
      await s3.stop();
    }
    expect(await isPortFree(port)).toBe(true);
  });
});

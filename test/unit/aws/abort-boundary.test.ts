import { EMRClient, ListClustersCommand } from '@aws-sdk/client-emr';
import { HttpResponse } from '@smithy/protocol-http';
import { describe, expect, it } from 'vitest';
import { stopAtNextCall } from '../../../src/aws/abort-boundary.js';
import { waitForClusterReady } from '../../../src/aws/emr.js';
import { toLabsError } from '../../../src/aws/errors.js';
import { InterruptedError } from '../../../src/core/errors.js';

/** A real client (its middleware stack runs) whose requests never leave the process: they are counted. */
function countingEmr(state = 'STARTING'): { emr: EMRClient; sent: () => number } {
  let n = 0;
  const body = (text: string) => new HttpResponse({ statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Buffer.from(text) });
  const emr = new EMRClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    requestHandler: {
      handle: async () => {
        n++;
        return { response: body(JSON.stringify({ Clusters: [], Cluster: { Id: 'j-1234567890ABC', Status: { State: state } } })) };
      },
    },
  });
  return { emr, sent: () => n };
}

describe('stopAtNextCall', () => {
  it('lets calls through until the signal is aborted, then sends nothing more: AbortError, exit 130', async () => {
    const { emr, sent } = countingEmr();
    const ac = new AbortController();
    stopAtNextCall({ emr }, ac.signal);
    await emr.send(new ListClustersCommand({}));
    expect(sent()).toBe(1);
    ac.abort();
    const e = await emr.send(new ListClustersCommand({})).catch((x: unknown) => x);
    expect(sent()).toBe(1);
    expect((e as Error).name).toBe('AbortError');
    expect(toLabsError(e, 'list clusters')).toBeInstanceOf(InterruptedError);
  });

  it('a waiter between polls stops at once, not after its 30-60 s interval', async () => {
    const { emr, sent } = countingEmr('STARTING');
    const ac = new AbortController();
    stopAtNextCall({ emr }, ac.signal);
    const t0 = Date.now();
    const waiting = waitForClusterReady(emr, 'j-1234567890ABC', { maxWaitTime: 600, minDelay: 30, maxDelay: 60, abortSignal: ac.signal }).catch((x: unknown) => x);
    await new Promise((r) => setTimeout(r, 200));
    ac.abort();
    const e = await waiting;
    expect(e).toBeInstanceOf(InterruptedError);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(sent()).toBe(1); // the first poll only
  });

  it('aborted before the wait began: no poll at all', async () => {
    const { emr, sent } = countingEmr('WAITING');
    const ac = new AbortController();
    ac.abort();
    expect(await waitForClusterReady(emr, 'j-1234567890ABC', { maxWaitTime: 600, abortSignal: ac.signal }).catch((x: unknown) => x)).toBeInstanceOf(InterruptedError);
    expect(sent()).toBe(0);
  });
});

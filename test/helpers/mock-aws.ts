import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EMRClient } from '@aws-sdk/client-emr';
import { GlueClient } from '@aws-sdk/client-glue';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import type { AwsClients } from '../../src/aws/clients.js';
import { exemptFromPacing } from '../../src/aws/emr-pacing.js';

/** botocore's name for each client's service: what the conformance check and the IAM policy test key on. */
export const SERVICE_OF = {
  emr: 'emr',
  s3: 's3',
  cloudwatch: 'cloudwatch',
  glue: 'glue',
  sts: 'sts',
  tagging: 'resourcegroupstaggingapi',
} as const satisfies Record<keyof AwsClients, string>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStub = AwsStub<any, any, any>;

export interface RecordedCall {
  service: string;
  operation: string;
  input: Record<string, unknown>;
}

export interface MockAws {
  clients: AwsClients;
  stubs: Record<keyof AwsClients, AnyStub>;
  /** every request sent so far, in order, across all clients */
  calls(): RecordedCall[];
  restore(): void;
}

/**
 * One mock for every client the tool uses (as aws-cdk's mock-sdk does): real client objects whose send() is stubbed,
 * so code under test gets what aws/clients.ts would give it. Unstubbed commands answer undefined.
 */
export function mockAws(region = 'eu-west-1'): MockAws {
  // A dead local endpoint: a command no stub answers can never reach real AWS.
  const config = { region, endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } };
  const clients: AwsClients = {
    emr: new EMRClient(config),
    s3: new S3Client(config),
    cloudwatch: new CloudWatchClient(config),
    glue: new GlueClient(config),
    sts: new STSClient(config),
    tagging: new ResourceGroupsTaggingAPIClient(config),
  };
  // A mock has no rate limits: the tool's pacing would only slow tests down. FakeAws turns it back on with its buckets.
  exemptFromPacing(clients.emr);
  const stubs = Object.fromEntries(Object.entries(clients).map(([k, c]) => [k, mockClient(c as never)])) as Record<keyof AwsClients, AnyStub>;
  return {
    clients,
    stubs,
    calls: () =>
      (Object.keys(stubs) as (keyof AwsClients)[]).flatMap((k) =>
        stubs[k].calls().map((call) => {
          const cmd = call.args[0] as { constructor: { name: string }; input: Record<string, unknown> };
          return { service: SERVICE_OF[k], operation: cmd.constructor.name.replace(/Command$/, ''), input: cmd.input, order: (call as unknown as { callId: number }).callId };
        }),
      )
        .sort((a, b) => a.order - b.order)
        .map(({ order: _order, ...rest }) => rest),
    restore: () => Object.values(stubs).forEach((s) => s.restore()),
  };
}

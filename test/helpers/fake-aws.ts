import { gzipSync } from 'node:zlib';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  AddJobFlowStepsCommand,
  CancelStepsCommand,
  CreatePersistentAppUICommand,
  DescribeClusterCommand,
  DescribePersistentAppUICommand,
  DescribeStepCommand,
  GetAutoTerminationPolicyCommand,
  GetOnClusterAppUIPresignedURLCommand,
  ListInstanceFleetsCommand,
  ListInstanceGroupsCommand,
  GetPersistentAppUIPresignedURLCommand,
  ListClustersCommand,
  ListStepsCommand,
  RunJobFlowCommand,
  TerminateJobFlowsCommand,
  type Cluster,
  type ClusterState,
  type ClusterStateChangeReason,
  type RunJobFlowInput,
  type Step,
  type StepConfig,
  type StepState,
} from '@aws-sdk/client-emr';
import { CreateDatabaseCommand, GetDatabaseCommand } from '@aws-sdk/client-glue';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  GetBucketLocationCommand,
  GetBucketEncryptionCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { stepLogKey } from '../../src/core/emr/layout.js';
import { mockAws, type MockAws } from './mock-aws.js';
import { exemptFromPacing } from '../../src/aws/emr-pacing.js';
import { ACCOUNT_BUCKET, emrQuotas, type Bucket } from '../../src/core/emr-quotas.js';

export const ACCOUNT = '123456789012';

/** What a step does when it runs on the fake cluster. */
export type StepOutcome = { state: 'COMPLETED'; result?: unknown } | { state: 'FAILED'; stderr: string; failureDetails?: { Reason?: string; Message?: string } };

export interface FakeOptions {
  region?: string;
  /** Describe calls a cluster spends in STARTING, then BOOTSTRAPPING */
  startingPolls?: number;
  /** the cluster fails to come up: TERMINATED_WITH_ERRORS with this reason */
  bootstrapFailure?: ClusterStateChangeReason;
  /** Describe calls a step spends PENDING, then RUNNING */
  stepPolls?: number;
  /** decides each step's fate from its config; default: completes with { ok: true } */
  stepOutcome?: (step: StepConfig) => StepOutcome;
  /** the bucket already exists (a warm account) */
  bucketExists?: boolean;
  /**
   * EMR's token buckets (per operation and account-wide; true: the Service Quotas defaults): a call beyond them is
   * answered ThrottlingException, as EMR does. The tool's pacing is on for these clients only then.
   */
  rateLimits?: boolean | Record<string, Bucket>;
  /** the buckets' clock (ms); default Date.now, which a test's fake timers control */
  now?: () => number;
}

/** One of EMR's token buckets as the service keeps it: refilled continuously, up to the burst. */
class ServerBucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly b: Bucket,
    now: number,
  ) {
    this.tokens = b.burst;
    this.at = now;
  }
  available(now: number): boolean {
    this.tokens = Math.min(this.b.burst, this.tokens + ((now - this.at) * this.b.perSecond) / 1000);
    this.at = now;
    // a token refilled at exactly this ms counts: float sums of 2000 ms * 0.5/s may land a hair below 1
    return this.tokens >= 1 - 1e-9;
  }
  take(): void {
    this.tokens -= 1;
  }
}

class AwsError extends Error {
  $metadata: { httpStatusCode: number };
  constructor(name: string, message: string, status: number) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

interface FakeCluster {
  cluster: Cluster;
  input: RunJobFlowInput;
  polls: number;
  steps: { step: Step; config: StepConfig; polls: number }[];
}

interface StoredObject {
  body: Buffer;
  metadata: Record<string, string>;
}

async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string' || body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/**
 * A stateful fake of EMR, S3, STS, Glue and the tagging API on aws-sdk-client-mock. Clusters go STARTING ->
 * BOOTSTRAPPING -> WAITING (RUNNING while a step runs) -> TERMINATED[_WITH_ERRORS]; steps PENDING -> RUNNING ->
 * COMPLETED/FAILED/CANCELLED, one Describe call per transition, as a queue: at most StepConcurrencyLevel run at once,
 * in submission order, and a failed CANCEL_AND_WAIT step cancels the pending ones (EMR's rules, as documented). Faults can be injected: throttling, a RunJobFlow whose
 * response is lost after the cluster was made, a tagging index that lags.
 */
export class FakeAws {
  readonly mock: MockAws;
  readonly clusters = new Map<string, FakeCluster>();
  readonly objects = new Map<string, StoredObject>();
  readonly buckets = new Set<string>();
  /** buckets whose Block Public Access was set (by ensureBucket): they also count as encrypted */
  readonly hardened = new Set<string>();
  readonly databases = new Set<string>();
  /** persistent app UIs EMR knows (a test may delete one) */
  readonly persistentUis = new Set<string>();
  /** commands (by name) to throttle, with how many times */
  readonly throttle = new Map<string, number>();
  /** RunJobFlow creates the cluster, then the response is lost this many times */
  loseRunJobFlowResponses = 0;
  /** the tagging index does not see clusters yet (it is eventually consistent) */
  taggingLags = false;
  private seq = 0;

  constructor(private readonly o: FakeOptions = {}) {
    this.mock = mockAws(o.region ?? 'eu-west-1');
    if (o.rateLimits) exemptFromPacing(this.mock.clients.emr, false);
    if (o.bucketExists) this.buckets.add(`emr-spark-labs-${ACCOUNT}-${o.region ?? 'eu-west-1'}`);
    this.wire();
  }

  get clients() {
    return this.mock.clients;
  }

  /** EMR calls answered ThrottlingException by the buckets, by operation */
  readonly throttled = new Map<string, number>();
  private readonly tokenBuckets = new Map<string, ServerBucket>();

  /** the rate limit: the operation's bucket and the account's must both have a token */
  private takeToken(name: string): void {
    if (!this.o.rateLimits) return;
    const quotas = emrQuotas(this.o.rateLimits === true ? undefined : this.o.rateLimits);
    const now = (this.o.now ?? Date.now)();
    const bucket = (key: string) => {
      let b = this.tokenBuckets.get(key);
      if (!b && quotas[key]) this.tokenBuckets.set(key, (b = new ServerBucket(quotas[key]!, now)));
      return b;
    };
    const own = bucket(name);
    const account = bucket(ACCOUNT_BUCKET)!;
    const okOwn = own ? own.available(now) : true;
    const okAccount = account.available(now);
    if (!okOwn || !okAccount) {
      this.throttled.set(name, (this.throttled.get(name) ?? 0) + 1);
      throw new AwsError('ThrottlingException', 'Rate exceeded', 400);
    }
    own?.take();
    account.take();
  }

  /** `service`: EMR's calls draw from its buckets; the other services' are only throttled on request */
  private guard(name: string, service: 'emr' | 'other' = 'emr'): void {
    if (service === 'emr') this.takeToken(name);
    const n = this.throttle.get(name) ?? 0;
    if (n > 0) {
      this.throttle.set(name, n - 1);
      throw new AwsError('ThrottlingException', 'Rate exceeded', 400);
    }
  }

  putObject(bucket: string, key: string, body: string | Buffer, metadata: Record<string, string> = {}): void {
    this.objects.set(`${bucket}/${key}`, { body: Buffer.from(body), metadata });
  }

  objectText(bucket: string, key: string): string | undefined {
    return this.objects.get(`${bucket}/${key}`)?.body.toString('utf8');
  }

  activeClusters(): FakeCluster[] {
    return [...this.clusters.values()].filter((c) => ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING'].includes(c.cluster.Status!.State!));
  }

  /** Time passes for clusters nobody is describing (a run queued with --no-wait): each active one moves a state on. */
  tick(): void {
    for (const fc of this.activeClusters()) this.advanceCluster(fc);
  }

  /** Time passes until every queued step has ended: the clusters come up and run them, with nobody describing. */
  finishSteps(): void {
    const live = (fc: FakeCluster) => fc.steps.some((e) => e.step.Status!.State === 'PENDING' || e.step.Status!.State === 'RUNNING');
    for (const fc of this.activeClusters()) {
      for (let i = 0; i < 1000 && live(fc); i++) {
        this.advanceCluster(fc);
        for (const e of fc.steps) this.advanceStep(fc, e);
      }
    }
  }

  terminate(id: string, state: ClusterState = 'TERMINATED'): void {
    this.clusters.get(id)!.cluster.Status = { State: state, StateChangeReason: { Code: 'USER_REQUEST', Message: 'Terminated by user request' } };
  }

  private createCluster(input: RunJobFlowInput): string {
    const id = `j-${String(++this.seq).padStart(13, '0')}`;
    this.clusters.set(id, {
      input,
      polls: 0,
      steps: [],
      cluster: {
        Id: id,
        Name: input.Name,
        ClusterArn: `arn:aws:elasticmapreduce:eu-west-1:${ACCOUNT}:cluster/${id}`,
        Status: { State: 'STARTING', Timeline: { CreationDateTime: new Date() } },
        Tags: input.Tags,
        LogUri: input.LogUri,
        ReleaseLabel: input.ReleaseLabel,
        AutoTerminate: false,
        InstanceCollectionType: input.Instances?.InstanceFleets ? 'INSTANCE_FLEET' : 'INSTANCE_GROUP',
      },
    });
    return id;
  }

  /** One Describe moves a cluster one state along. */
  private advanceCluster(fc: FakeCluster): void {
    const s = fc.cluster.Status!;
    const starting = this.o.startingPolls ?? 1;
    if (s.State === 'STARTING' || s.State === 'BOOTSTRAPPING') {
      fc.polls += 1;
      if (fc.polls >= starting && s.State === 'STARTING') s.State = 'BOOTSTRAPPING';
      else if (fc.polls >= starting * 2) {
        if (this.o.bootstrapFailure) fc.cluster.Status = { State: 'TERMINATED_WITH_ERRORS', StateChangeReason: this.o.bootstrapFailure };
        else s.State = 'WAITING';
      }
    }
  }

  private advanceStep(fc: FakeCluster, entry: FakeCluster['steps'][number]): void {
    const st = entry.step.Status!;
    if (st.State !== 'PENDING' && st.State !== 'RUNNING') return;
    if (fc.cluster.Status!.State !== 'WAITING' && fc.cluster.Status!.State !== 'RUNNING') return;
    const live = fc.steps.filter((s) => s.step.Status!.State === 'PENDING' || s.step.Status!.State === 'RUNNING');
    if (live.indexOf(entry) >= (fc.input.StepConcurrencyLevel ?? 1)) return; // queued behind earlier steps
    entry.polls += 1;
    const polls = this.o.stepPolls ?? 1;
    if (st.State === 'PENDING' && entry.polls >= polls) {
      st.State = 'RUNNING';
      st.Timeline = { ...st.Timeline, StartDateTime: new Date() };
      fc.cluster.Status!.State = 'RUNNING';
    } else if (st.State === 'RUNNING' && entry.polls >= polls * 2) {
      const outcome = (this.o.stepOutcome ?? (() => ({ state: 'COMPLETED', result: { ok: true } }) as StepOutcome))(entry.config);
      st.State = outcome.state as StepState;
      st.Timeline = { ...st.Timeline, EndDateTime: new Date() };
      if (!fc.steps.some((x) => x.step.Status!.State === 'RUNNING')) fc.cluster.Status!.State = 'WAITING';
      const args = entry.config.HadoopJarStep?.Args ?? [];
      const out = args[args.indexOf('--out') + 1];
      if (outcome.state === 'COMPLETED' && out && outcome.result !== undefined) {
        const m = /^s3a?:\/\/([^/]+)\/(.*)$/.exec(out)!;
        this.putObject(m[1]!, `${m[2]}/result.json`, JSON.stringify(outcome.result));
      }
      if (outcome.state === 'FAILED') {
        if (entry.config.ActionOnFailure === 'CANCEL_AND_WAIT') {
          for (const s of fc.steps) if (s.step.Status!.State === 'PENDING') s.step.Status!.State = 'CANCELLED';
        }
        if (outcome.failureDetails) st.FailureDetails = outcome.failureDetails;
        const { bucket, key } = stepLogKey(fc.cluster.LogUri!, fc.cluster.Id!, entry.step.Id!, 'stderr');
        this.putObject(bucket, key, gzipSync(outcome.stderr));
      }
    }
  }

  private wire(): void {
    const { emr, s3, sts, glue, tagging, cloudwatch } = this.mock.stubs;
    sts.on(GetCallerIdentityCommand).callsFake(() => ({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/student`, UserId: 'AIDTEST' }));

    emr.on(RunJobFlowCommand).callsFake((input: RunJobFlowInput) => {
      this.guard('RunJobFlow');
      const id = this.createCluster(input);
      if (this.loseRunJobFlowResponses > 0) {
        this.loseRunJobFlowResponses -= 1;
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: {} });
      }
      return { JobFlowId: id, ClusterArn: this.clusters.get(id)!.cluster.ClusterArn };
    });
    emr.on(DescribeClusterCommand).callsFake(({ ClusterId }: { ClusterId: string }) => {
      this.guard('DescribeCluster');
      const fc = this.clusters.get(ClusterId);
      if (!fc) throw new AwsError('InvalidRequestException', `Cluster id '${ClusterId}' is not valid.`, 400);
      const before = structuredClone(fc.cluster);
      this.advanceCluster(fc);
      return { Cluster: before };
    });
    emr.on(ListClustersCommand).callsFake(({ ClusterStates, CreatedAfter, Marker }: { ClusterStates?: ClusterState[]; CreatedAfter?: Date; Marker?: string }) => {
      this.guard('ListClusters');
      // newest first, 50 a page, Name and state only: as EMR answers
      const clusters = [...this.clusters.values()]
        .filter((c) => !ClusterStates || ClusterStates.includes(c.cluster.Status!.State!))
        .filter((c) => !CreatedAfter || c.cluster.Status!.Timeline!.CreationDateTime! >= CreatedAfter)
        .reverse()
        .map((c) => ({ Id: c.cluster.Id, Name: c.cluster.Name, ClusterArn: c.cluster.ClusterArn, Status: structuredClone(c.cluster.Status) }));
      const start = Marker ? Number(Marker) : 0;
      return { Clusters: clusters.slice(start, start + 50), ...(start + 50 < clusters.length ? { Marker: String(start + 50) } : {}) };
    });
    emr.on(AddJobFlowStepsCommand).callsFake(({ JobFlowId, Steps }: { JobFlowId: string; Steps: StepConfig[] }) => {
      this.guard('AddJobFlowSteps');
      const fc = this.clusters.get(JobFlowId)!;
      if ((fc.input.StepConcurrencyLevel ?? 1) > 1 && Steps.some((x) => x.ActionOnFailure === 'CANCEL_AND_WAIT' || x.ActionOnFailure === 'TERMINATE_CLUSTER')) {
        throw new AwsError('ValidationException', 'ActionOnFailure setting is not valid for a cluster with StepConcurrencyLevel greater than 1.', 400);
      }
      const ids = Steps.map((config) => {
        const id = `s-${String(++this.seq).padStart(13, '0')}`;
        fc.steps.push({ config, polls: 0, step: { Id: id, Name: config.Name, Config: { Jar: config.HadoopJarStep?.Jar, Args: config.HadoopJarStep?.Args }, ActionOnFailure: config.ActionOnFailure, Status: { State: 'PENDING', Timeline: { CreationDateTime: new Date() } } } });
        return id;
      });
      return { StepIds: ids };
    });
    emr.on(DescribeStepCommand).callsFake(({ ClusterId, StepId }: { ClusterId: string; StepId: string }) => {
      this.guard('DescribeStep');
      const fc = this.clusters.get(ClusterId)!;
      const entry = fc.steps.find((s) => s.step.Id === StepId)!;
      const before = structuredClone(entry.step);
      this.advanceStep(fc, entry);
      return { Step: before };
    });
    emr.on(ListStepsCommand).callsFake(({ ClusterId, StepStates }: { ClusterId: string; StepStates?: StepState[] }) => {
      this.guard('ListSteps');
      const fc = this.clusters.get(ClusterId)!;
      return { Steps: fc.steps.map((s) => s.step).filter((s) => !StepStates || StepStates.includes(s.Status!.State!)).reverse() };
    });
    emr.on(CancelStepsCommand).callsFake(({ ClusterId, StepIds }: { ClusterId: string; StepIds: string[] }) => {
      this.guard('CancelSteps');
      const fc = this.clusters.get(ClusterId)!;
      return {
        CancelStepsInfoList: StepIds.map((id) => {
          const s = fc.steps.find((x) => x.step.Id === id)!.step;
          if (s.Status!.State === 'PENDING' || s.Status!.State === 'RUNNING') {
            s.Status!.State = 'CANCELLED';
            return { StepId: id, Status: 'SUBMITTED' };
          }
          return { StepId: id, Status: 'FAILED', Reason: 'step already finished' };
        }),
      };
    });
    emr.on(TerminateJobFlowsCommand).callsFake(({ JobFlowIds }: { JobFlowIds: string[] }) => {
      this.guard('TerminateJobFlows');
      for (const id of JobFlowIds) this.terminate(id);
      return {};
    });
    emr.on(GetOnClusterAppUIPresignedURLCommand).callsFake(({ ClusterId }: { ClusterId: string }) => {
      this.guard('GetOnClusterAppUIPresignedURL');
      return { PresignedURLReady: true, PresignedURL: `https://p-${ClusterId}.emrappui-prod.eu-west-1.amazonaws.com/shs/?token=secret` };
    });
    // What the dashboard reads: shape and auto-termination as the cluster was asked for.
    emr.on(ListInstanceGroupsCommand).callsFake(({ ClusterId }: { ClusterId: string }) => {
      this.guard('ListInstanceGroups');
      const groups = this.clusters.get(ClusterId)!.input.Instances?.InstanceGroups;
      if (!groups) throw new AwsError('InvalidRequestException', 'Instance fleets and instance groups are mutually exclusive.', 400);
      return { InstanceGroups: groups.map((g) => ({ InstanceGroupType: g.InstanceRole, InstanceType: g.InstanceType, RequestedInstanceCount: g.InstanceCount, RunningInstanceCount: g.InstanceCount })) };
    });
    emr.on(ListInstanceFleetsCommand).callsFake(({ ClusterId }: { ClusterId: string }) => {
      this.guard('ListInstanceFleets');
      return {
      InstanceFleets: (this.clusters.get(ClusterId)!.input.Instances?.InstanceFleets ?? []).map((f) => ({
        InstanceFleetType: f.InstanceFleetType,
        InstanceTypeSpecifications: f.InstanceTypeConfigs?.map((t) => ({ InstanceType: t.InstanceType })),
        ProvisionedOnDemandCapacity: f.TargetOnDemandCapacity,
        ProvisionedSpotCapacity: f.TargetSpotCapacity,
      })),
    };
    });
    emr.on(GetAutoTerminationPolicyCommand).callsFake(({ ClusterId }: { ClusterId: string }) => {
      this.guard('GetAutoTerminationPolicy');
      return { AutoTerminationPolicy: this.clusters.get(ClusterId)!.input.AutoTerminationPolicy };
    });
    emr.on(CreatePersistentAppUICommand).callsFake(() => {
      this.guard('CreatePersistentAppUI');
      const id = `p-ui-${++this.seq}`;
      this.persistentUis.add(id);
      return { PersistentAppUIId: id };
    });
    emr.on(DescribePersistentAppUICommand).callsFake(({ PersistentAppUIId }: { PersistentAppUIId: string }) => {
      this.guard('DescribePersistentAppUI');
      if (!this.persistentUis.has(PersistentAppUIId)) throw new AwsError('InvalidRequestException', `Persistent app UI ${PersistentAppUIId} does not exist.`, 400);
      return { PersistentAppUI: { PersistentAppUIId, PersistentAppUITypeList: ['SHS'], PersistentAppUIStatus: 'ATTACHED' } };
    });
    emr.on(GetPersistentAppUIPresignedURLCommand).callsFake(() => {
      this.guard('GetPersistentAppUIPresignedURL');
      return { PresignedURLReady: true, PresignedURL: 'https://p-ui-1.emrappui-prod.eu-west-1.amazonaws.com/shs/?token=secret' };
    });

    tagging.on(GetResourcesCommand).callsFake(({ TagFilters }: { TagFilters: { Key: string; Values: string[] }[] }) => {
      this.guard('GetResources', 'other');
      if (this.taggingLags) return { ResourceTagMappingList: [] };
      const list = [...this.clusters.values()]
        .filter((c) => TagFilters.every((f) => c.cluster.Tags?.some((t) => t.Key === f.Key && f.Values.includes(t.Value!))))
        .map((c) => ({ ResourceARN: c.cluster.ClusterArn, Tags: c.cluster.Tags }));
      return { ResourceTagMappingList: list };
    });

    s3.on(GetBucketLocationCommand).callsFake(({ Bucket }: { Bucket: string }) => {
      if (!this.buckets.has(Bucket)) throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404);
      return { LocationConstraint: 'eu-west-1' };
    });
    // A bucket made outside the tool (buckets.add in a test) is neither private nor encrypted until the tool hardens it.
    s3.on(GetPublicAccessBlockCommand).callsFake(({ Bucket }: { Bucket: string }) => {
      if (!this.hardened.has(Bucket)) throw new AwsError('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', 404);
      return { PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } };
    });
    s3.on(GetBucketEncryptionCommand).callsFake(({ Bucket }: { Bucket: string }) => {
      if (!this.hardened.has(Bucket)) throw new AwsError('ServerSideEncryptionConfigurationNotFoundError', 'The server side encryption configuration was not found', 404);
      return { ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } };
    });
    s3.on(CreateBucketCommand).callsFake(({ Bucket }: { Bucket: string }) => {
      this.buckets.add(Bucket);
      return { Location: `/${Bucket}` };
    });
    s3.on(DeleteBucketCommand).callsFake(({ Bucket }: { Bucket: string }) => {
      this.buckets.delete(Bucket);
      return {};
    });
    s3.on(PutPublicAccessBlockCommand).callsFake(({ Bucket }: { Bucket: string }) => {
      this.hardened.add(Bucket);
      return {};
    });
    s3.on(PutBucketEncryptionCommand).resolves({});
    s3.on(PutBucketPolicyCommand).resolves({});
    s3.on(HeadObjectCommand).callsFake(({ Bucket, Key }: { Bucket: string; Key: string }) => {
      const o = this.objects.get(`${Bucket}/${Key}`);
      if (!o) throw new AwsError('NotFound', 'Not Found', 404);
      return { ContentLength: o.body.length, Metadata: o.metadata };
    });
    s3.on(PutObjectCommand).callsFake(async ({ Bucket, Key, Body, Metadata }: { Bucket: string; Key: string; Body: unknown; Metadata?: Record<string, string> }) => {
      this.putObject(Bucket, Key, await bodyBytes(Body), Metadata ?? {});
      return { ETag: '"etag"' };
    });
    // lib-storage's multipart path (files of 5 MiB and more); it chains .then() on send(), so these answer promises
    const parts = new Map<string, { key: string; metadata: Record<string, string>; parts: Buffer[] }>();
    s3.on(CreateMultipartUploadCommand).callsFake(async ({ Bucket, Key, Metadata }: { Bucket: string; Key: string; Metadata?: Record<string, string> }) => {
      const id = `u-${++this.seq}`;
      parts.set(id, { key: `${Bucket}/${Key}`, metadata: Metadata ?? {}, parts: [] });
      return { UploadId: id, Bucket, Key };
    });
    s3.on(UploadPartCommand).callsFake(async ({ UploadId, PartNumber, Body }: { UploadId: string; PartNumber: number; Body: unknown }) => {
      this.guard('UploadPart', 'other');
      parts.get(UploadId)!.parts[PartNumber - 1] = await bodyBytes(Body);
      return { ETag: `"p${PartNumber}"` };
    });
    s3.on(CompleteMultipartUploadCommand).callsFake(async ({ UploadId }: { UploadId: string }) => {
      const u = parts.get(UploadId)!;
      this.objects.set(u.key, { body: Buffer.concat(u.parts), metadata: u.metadata });
      parts.delete(UploadId);
      return { ETag: '"mp"' };
    });
    s3.on(AbortMultipartUploadCommand).callsFake(async ({ UploadId }: { UploadId: string }) => {
      parts.delete(UploadId);
      return {};
    });
    s3.on(ListObjectsV2Command).callsFake(({ Bucket, Prefix = '', Delimiter }: { Bucket: string; Prefix?: string; Delimiter?: string }) => {
      const keys = [...this.objects.keys()].filter((k) => k.startsWith(`${Bucket}/${Prefix}`)).map((k) => k.slice(Bucket.length + 1)).sort();
      if (!Delimiter) return { Contents: keys.map((Key) => ({ Key })), KeyCount: keys.length };
      const prefixes = [...new Set(keys.map((k) => k.slice(Prefix.length)).filter((rest) => rest.includes(Delimiter)).map((rest) => `${Prefix}${rest.slice(0, rest.indexOf(Delimiter) + 1)}`))];
      return { CommonPrefixes: prefixes.map((p) => ({ Prefix: p })), KeyCount: prefixes.length };
    });
    s3.on(GetObjectCommand).callsFake(({ Bucket, Key }: { Bucket: string; Key: string }) => {
      const o = this.objects.get(`${Bucket}/${Key}`);
      if (!o) throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404);
      return { Body: { transformToByteArray: async () => new Uint8Array(o.body) } };
    });

    glue.on(GetDatabaseCommand).callsFake(({ Name }: { Name: string }) => {
      if (!this.databases.has(Name)) throw new AwsError('EntityNotFoundException', `Database ${Name} not found.`, 400);
      return { Database: { Name } };
    });
    glue.on(CreateDatabaseCommand).callsFake(({ DatabaseInput }: { DatabaseInput: { Name: string } }) => {
      this.databases.add(DatabaseInput.Name);
      return {};
    });
    cloudwatch.on(GetMetricDataCommand).callsFake(({ MetricDataQueries }: { MetricDataQueries: { Id: string }[] }) => ({
      MetricDataResults: MetricDataQueries.map((q, i) => ({ Id: q.Id, Values: [i], Timestamps: [new Date()] })),
    }));
  }
}

import { describe, expect, it } from 'vitest';
import type { Lab } from '../../../src/core/lab/lab-schema.js';
import { LabSchema } from '../../../src/core/lab/lab-schema.js';
import { labArtifacts, SCALA_JAR, sparkSubmitArgv, type SubmitContext } from '../../../src/core/run/step-plan.js';

const lab: Lab = LabSchema.parse({
  id: 'day2-joins',
  day: 2,
  title: 'Joins',
  topics: ['Various joins in Spark and their performance impact'],
  spark: { conf: { 'spark.sql.shuffle.partitions': 8, 'spark.sql.adaptive.enabled': false } },
  steps: [{ name: 'joins', job: 'spark-jobs/python/day2_joins.py', args: ['--out', '{out}', '--data', '{data}/orders', '--who', '{student}'], conf: { 'spark.sql.shuffle.partitions': 4 } }],
});

const local: SubmitContext = {
  target: 'local',
  master: 'local[*]',
  artifact: (p) => `/repo/${p}`,
  placeholders: { data: '/repo/labs/day2-joins/data', artifacts: '/repo/spark-jobs', run: '/home/runs/r1', lab: 'day2-joins', student: 'ana', bucket: 'labs-local' },
  outFor: (s) => `/home/runs/r1/${s}`,
  engineConf: { 'spark.ui.port': '4040', 'spark.sql.shuffle.partitions': '200' },
};
const emr: SubmitContext = {
  target: 'emr',
  artifact: (p) => `s3://bucket/ana/artifacts/${p}`,
  placeholders: { data: 's3://bucket/ana/data/day2-joins', artifacts: 's3://bucket/ana/artifacts', run: 's3://bucket/ana/runs/r1', lab: 'day2-joins', student: 'ana', bucket: 'bucket' },
  outFor: (s) => `s3://bucket/ana/runs/r1/${s}`,
};

describe('sparkSubmitArgv', () => {
  it('builds the local argv: master, name, conf (step > lab > engine), labkit, job, resolved args', () => {
    expect(sparkSubmitArgv(lab, lab.steps[0]!, local)).toEqual([
      'spark-submit',
      '--master',
      'local[*]',
      '--name',
      'day2-joins:joins',
      '--conf',
      'spark.ui.port=4040',
      '--conf',
      'spark.sql.shuffle.partitions=4',
      '--conf',
      'spark.sql.adaptive.enabled=false',
      '--py-files',
      '/repo/spark-jobs/python/labkit.py,/repo/spark-jobs/python/labkit_jobs.py',
      '/repo/spark-jobs/python/day2_joins.py',
      '--out',
      '/home/runs/r1/joins',
      '--data',
      '/repo/labs/day2-joins/data/orders',
      '--who',
      'ana',
    ]);
  });

  it('builds the same argv for EMR but in cluster deploy mode with s3 paths', () => {
    const argv = sparkSubmitArgv(lab, lab.steps[0]!, emr);
    expect(argv.slice(0, 3)).toEqual(['spark-submit', '--deploy-mode', 'cluster']);
    expect(argv).not.toContain('--master');
    expect(argv).toContain('s3://bucket/ana/artifacts/spark-jobs/python/day2_joins.py');
    expect(argv.slice(-6)).toEqual(['--out', 's3://bucket/ana/runs/r1/joins', '--data', 's3://bucket/ana/data/day2-joins/orders', '--who', 'ana']);
    const confs = argv.flatMap((x, i) => (argv[i - 1] === '--conf' ? [x] : []));
    expect(confs).toEqual(['spark.sql.shuffle.partitions=4', 'spark.sql.adaptive.enabled=false']);
  });

  it('lists the artifacts a lab ships', () => {
    expect(labArtifacts(lab)).toEqual(['spark-jobs/python/day2_joins.py', 'spark-jobs/python/labkit.py', 'spark-jobs/python/labkit_jobs.py']);
  });

  const kryo: Lab = LabSchema.parse({
    id: 'day2-kryo',
    day: 2,
    title: 'Kryo',
    topics: ['Serialization strategies: Using Kyro'],
    steps: [
      { name: 'java', job: 'spark-jobs/scala', class: 'labs.KryoLab', args: ['--out', '{out}', '--mode', 'java'], conf: { 'spark.serializer': 'org.apache.spark.serializer.JavaSerializer' } },
      { name: 'kryo', job: 'spark-jobs/scala', class: 'labs.KryoLab', args: ['--out', '{out}', '--java-result', '{run}/java/result.json'] },
    ],
  });

  it('submits a Scala step as the built jar with --class and no --py-files', () => {
    const argv = sparkSubmitArgv(kryo, kryo.steps[0]!, local);
    expect(argv).toEqual([
      'spark-submit',
      '--master',
      'local[*]',
      '--name',
      'day2-kryo:java',
      '--class',
      'labs.KryoLab',
      '--conf',
      'spark.ui.port=4040',
      '--conf',
      'spark.sql.shuffle.partitions=200',
      '--conf',
      'spark.serializer=org.apache.spark.serializer.JavaSerializer',
      `/repo/${SCALA_JAR}`,
      '--out',
      '/home/runs/r1/java',
      '--mode',
      'java',
    ]);
    expect(argv).not.toContain('--py-files');
  });

  it('gives a Scala step the same argv shape on EMR, the jar as an S3 artifact', () => {
    const onEmr = sparkSubmitArgv(kryo, kryo.steps[1]!, emr);
    const onLocal = sparkSubmitArgv(kryo, kryo.steps[1]!, local);
    expect(onEmr.slice(-5)).toEqual([`s3://bucket/ana/artifacts/${SCALA_JAR}`, '--out', 's3://bucket/ana/runs/r1/kryo', '--java-result', 's3://bucket/ana/runs/r1/java/result.json']);
    expect(onEmr.slice(3, 7)).toEqual(['--name', 'day2-kryo:kryo', '--class', 'labs.KryoLab']);
    expect(onLocal.slice(3, 7)).toEqual(onEmr.slice(3, 7));
  });

  it('lists the built jar, once, as the artifact of a Scala lab', () => {
    expect(labArtifacts(kryo)).toEqual([SCALA_JAR]);
  });
});

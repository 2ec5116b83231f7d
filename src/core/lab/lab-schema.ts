import { z } from 'zod';
import { CHECK_METRICS, CHECK_OPERATORS, CHECK_TARGETS, METRIC_STATS } from './check-operators.js';

/**
 * The lab format: labs/<id>/lab.yaml. This schema is the single source of truth; schema/lab.schema.json is
 * generated from it for editors (npm run schema) and a unit test keeps the two in sync.
 */

/** Placeholders an engine resolves in step args: local paths on the local engine, s3:// URIs on EMR. */
export const PLACEHOLDERS = ['data', 'out', 'artifacts', 'run', 'lab', 'student', 'bucket'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const confValue = z.union([z.string(), z.number(), z.boolean()]);
export const SparkConfSchema = z
  .record(z.string().regex(/^spark\.[A-Za-z0-9._-]+$/, 'Spark settings start with "spark."'), confValue)
  .describe('Spark settings passed as --conf key=value on both engines');

const emrConfiguration: z.ZodType<EmrConfiguration> = z.lazy(() =>
  z
    .object({
      Classification: z.string().min(1),
      Properties: z.record(z.string(), z.string()).optional(),
      Configurations: z.array(emrConfiguration).optional(),
    })
    .strict(),
);
export interface EmrConfiguration {
  Classification: string;
  Properties?: Record<string, string> | undefined;
  Configurations?: EmrConfiguration[] | undefined;
}

const stepName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and dashes, e.g. "joins"');

export const StepSchema = z
  .object({
    name: stepName,
    job: z
      .string()
      .regex(/^spark-jobs\//, 'a job is a file under spark-jobs/, e.g. spark-jobs/python/day2_joins.py')
      .describe('the PySpark file (.py) or the jar (.jar) to spark-submit, relative to the project root'),
    class: z.string().optional().describe('main class, for a jar job'),
    args: z
      .array(z.string())
      .default([])
      .describe('job arguments; may use {data} {out} {artifacts} {run} {lab} {student} {bucket}; s3:// URIs run against a local S3 emulator on the local engine'),
    conf: SparkConfSchema.default({}).describe('Spark settings for this step only, on top of the lab\'s'),
    packages: z
      .array(z.string().regex(/^[^:\s]+:[^:\s]+:[^:\s]+$/, 'Maven coordinates group:artifact:version'))
      .default([])
      .describe('extra Maven packages (spark-submit --packages)'),
    timeoutMinutes: z.number().int().min(1).max(720).default(30),
  })
  .strict();
export type Step = z.infer<typeof StepSchema>;

const comparable = z.union([z.number(), z.string(), z.boolean()]);

const targetChoice = `${CHECK_TARGETS.slice(0, -1).join(', ')} or ${CHECK_TARGETS.at(-1)}`;
const checkTargets = z
  .array(z.enum(CHECK_TARGETS, { error: (issue) => `${JSON.stringify(issue.input)} is not a target: use ${targetChoice}` }))
  .min(1, `list at least one target (${targetChoice}), or leave targets out: the check then applies everywhere`)
  .superRefine((targets, ctx) => {
    targets.forEach((t, i) => {
      if (targets.indexOf(t) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${t} is listed twice` });
    });
  })
  .meta({ uniqueItems: true })
  .describe(
    'where the check applies, for a fact that only means something there (YARN containers, Glue, CloudWatch): ' +
      'on the other targets it is reported not applicable, neither passed nor failed. Absent: every target',
  );
export const CheckSchema = z
  .object({
    name: z.string().min(1),
    step: stepName.optional().describe('whose result.json the check reads; default: the last step'),
    path: z
      .string()
      .regex(/^[A-Za-z0-9_$-]+(\[\d+\])*(\.[A-Za-z0-9_$-]+(\[\d+\])*)*$/, 'a dotted path into result.json, e.g. joins.broadcast.plan_node')
      .optional()
      .describe('dotted path into the step\'s result.json (or metric: instead)'),
    metric: z
      .object({ name: z.enum(CHECK_METRICS), stat: z.enum(METRIC_STATS) })
      .strict()
      .optional()
      .describe(
        "instead of path: this AWS/ElasticMapReduce metric of the run's cluster (dimension JobFlowId), read from CloudWatch " +
          "with the tool's own GetMetricData over the step's window, as that statistic of the datapoints; needs targets without local",
      ),
    equals: comparable.optional(),
    notEquals: comparable.optional(),
    gte: z.number().optional(),
    gt: z.number().optional(),
    lte: z.number().optional(),
    lt: z.number().optional(),
    contains: z.string().optional().describe('substring (for a string) or element (for an array)'),
    notContains: z.string().optional(),
    matches: z.string().optional().describe('regular expression the value must match'),
    exists: z.boolean().optional(),
    answer: z
      .string()
      .regex(/^[a-z][a-z0-9_-]*$/, 'an answer name is lowercase, e.g. "stage"')
      .optional()
      .describe(
        'grade a student\'s answer instead of a measurement: the check passes when the answer given as ' +
          '`labs check <lab> --answer <name>=<value>` equals the value at `path` (compared as trimmed, case-insensitive ' +
          'text; when that value is an array, any element matches). Takes no operator. `labs start` reports it as ' +
          'pending, not failed',
      ),
    explain: z.string().optional().describe('what a failure means, shown to the student'),
    hint: z
      .string()
      .min(1)
      .optional()
      .describe('for a lab with an exercise: the TODO this check depends on, shown when it fails (a pointer, not the answer)'),
    targets: checkTargets.optional(),
  })
  .strict()
  .refine(
    (c) => (c.answer === undefined) === CHECK_OPERATORS.some((op) => c[op] !== undefined),
    { message: `a check needs at least one of: ${CHECK_OPERATORS.join(', ')}; or answer, alone` },
  )
  .refine((c) => (c.path === undefined) !== (c.metric === undefined), { message: 'a check reads one thing: path (result.json) or metric (CloudWatch)' })
  .refine((c) => !c.metric || (c.answer === undefined && c.targets !== undefined && !c.targets.includes('local')), {
    message: 'a metric check reads a cluster\'s CloudWatch metrics: give it targets without local (e.g. [sandbox, emr]) and no answer',
  });
export type Check = z.infer<typeof CheckSchema>;

export const ClusterNeedsSchema = z
  .object({
    profile: z.enum(['small', 'medium', 'large']).default('small').describe('cluster size from the course config'),
    fleets: z.boolean().default(true).describe('whether the lab may run on an instance-fleet cluster'),
    catalog: z.enum(['glue', 'none']).default('none').describe('glue: Spark SQL uses the Glue Data Catalog on EMR'),
    committer: z.enum(['magic', 'emrfs', 'none']).default('none').describe('the S3 output committer the lab teaches'),
    stepConcurrency: z.number().int().min(1).max(256).default(1),
    configurations: z
      .array(emrConfiguration)
      .default([])
      .describe('extra EMR classifications (yarn-site, capacity-scheduler, spark, ...) this lab teaches'),
  })
  .strict();

export const DataSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    path: z.string().optional().describe('a file or folder in the lab directory, uploaded once and read at {data}/<name>'),
    generated: z.boolean().default(false).describe('the job generates this data itself'),
    description: z.string().optional(),
  })
  .strict();

/** Where a lab's exercise files live, relative to the lab directory: labs/<id>/exercise/<file name>. */
export const EXERCISE_DIR = 'exercise';
/** The exercise's Spark settings file (a map of spark.* settings), in the exercise directory and the workspace. */
export const EXERCISE_CONF_FILE = 'spark-conf.yaml';

export const ExerciseSchema = z
  .object({
    asks: z.string().min(1).describe('what the student is asked to change, in a sentence or two (`labs show`, `labs exercise`)'),
    files: z
      .array(z.string().regex(/^spark-jobs\/.+\.(py|scala)$/, 'a .py or .scala file under spark-jobs/, e.g. spark-jobs/python/day2_joins.py'))
      .default([])
      .describe('the job files (reference solutions) the student rewrites; their starting versions are labs/<id>/exercise/<file name>'),
    conf: z
      .union([z.boolean(), stepName])
      .default(false)
      .describe(
        `the student also writes Spark settings, in labs/<id>/exercise/${EXERCISE_CONF_FILE}: true, they replace the lab's ` +
          'spark.conf in their runs; a step name, they replace that step\'s conf',
      ),
    steps: z
      .array(stepName)
      .min(1)
      .optional()
      .describe('the steps an exercise run runs (default: all); checks of the other steps are not graded'),
    args: z
      .record(stepName, z.array(z.string()))
      .optional()
      .describe('step name -> the args of that step in an exercise run (e.g. fewer timed runs: the student runs it often)'),
  })
  .strict();
export type Exercise = z.infer<typeof ExerciseSchema>;

export const LabSchema = z
  .object({
    $schema: z.string().optional(),
    id: z.string().regex(/^day[1-3]-[a-z0-9-]+$/, 'ids look like day2-joins: the day, then lowercase words'),
    day: z.number().int().min(1).max(3),
    title: z.string().min(1),
    summary: z.string().optional(),
    topics: z.array(z.string().min(1)).min(1).describe('course-outline topics this lab teaches'),
    minutes: z.number().int().min(1).max(240).optional().describe('rough time a student needs'),
    spark: z
      .object({ conf: SparkConfSchema.default({}) })
      .strict()
      .default({ conf: {} }),
    cluster: ClusterNeedsSchema.default({
      profile: 'small',
      fleets: true,
      catalog: 'none',
      committer: 'none',
      stepConcurrency: 1,
      configurations: [],
    }),
    data: z.array(DataSchema).default([]),
    steps: z.array(StepSchema).min(1),
    checks: z.array(CheckSchema).default([]),
    exercise: ExerciseSchema.optional().describe('the student writes the change this lab teaches; its checks grade it'),
  })
  .strict();
export type Lab = z.infer<typeof LabSchema>;

/** JSON Schema (draft 2020-12) of what a lab.yaml may contain, for editors. */
export function labJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(LabSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://github.com/emr-spark-labs/emr-spark-labs/schema/lab.schema.json',
    title: 'emr-spark-labs lab definition (labs/<id>/lab.yaml)',
  };
}

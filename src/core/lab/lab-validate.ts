import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { LabSchema, PLACEHOLDERS, type Lab, type Step } from './lab-schema.js';
import { isScalaJob, SCALA_PROJECT } from '../run/step-plan.js';

/** What validation needs to know about the world, injected so this module stays pure. */
export interface LabContext {
  /** lab.yaml's path as shown to the user, e.g. labs/day2-joins/lab.yaml */
  file: string;
  /** the lab's directory name: the id must equal it */
  dirName: string;
  /** true when a project-relative path (e.g. spark-jobs/python/x.py) exists */
  projectFileExists(relPath: string): boolean;
  /** true when a path relative to the lab directory exists */
  labFileExists(relPath: string): boolean;
}

/** `['steps', 1, 'job']` -> `steps[1].job`, the way the user would point at it in the file. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(top level)';
}

/** One thing wrong in a lab.yaml: where in the file, what, and what to do about it. */
export interface LabProblem {
  /** the path inside the file (`steps[1].job`), or a YAML position (`line 3, column 5`) */
  where: string;
  what: string;
  hint: string;
}

/** Every problem of a lab.yaml, each on its own line with the file, the path inside it and what to do. */
export class LabProblems extends InputError {
  constructor(
    readonly file: string,
    readonly problems: readonly LabProblem[],
  ) {
    const one = problems.length === 1 ? problems[0] : undefined;
    super(
      one ? `${file}: ${one.where}: ${one.what}` : [`${file} has ${problems.length} problems:`, ...problems.map((p) => `  ${file}: ${p.where}: ${p.what} (${p.hint})`)].join('\n'),
      one ? one.hint : `fix them all in ${file}, then run the command again`,
    );
  }
}

const schemaHint = (ctx: LabContext) => `fix ${ctx.file} (its editor schema is schema/lab.schema.json)`;

/** Collects problems instead of stopping at the first. */
class Problems {
  readonly list: LabProblem[] = [];
  constructor(private readonly ctx: LabContext) {}
  add(where: string, what: string, hint?: string): void {
    this.list.push({ where, what, hint: hint ?? schemaHint(this.ctx) });
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `is required (${issue.expected})`;
  return issue.message;
}

/**
 * The text of a lab.yaml -> the lab, or every problem found in it at once (YAML syntax first: nothing else can be
 * checked without it; then every schema issue; then, on a lab that fits the schema, every semantic rule).
 */
export function validateLab(text: string, ctx: LabContext): { lab: Lab; problems: [] } | { lab?: undefined; problems: LabProblem[] } {
  const problems = new Problems(ctx);
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  for (const yamlError of doc.errors) {
    const pos = yamlError.linePos?.[0];
    const at = pos ? `line ${pos.line}, column ${pos.col}` : 'YAML';
    problems.add(at, (yamlError.message.split('\n')[0] ?? 'invalid YAML').replace(/ at line \d+, column \d+:?$/, ''), 'fix the YAML syntax (indentation, quotes, colons)');
  }
  if (problems.list.length) return { problems: problems.list };
  let raw: unknown;
  try {
    // maxAliasCount: an alias bomb (aliases of aliases, "billion laughs") is refused instead of expanded.
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    problems.add('YAML', (e as Error).message.split('\n')[0] ?? 'invalid YAML', 'remove the anchors and aliases (&x / *x) that expand the file');
    return { problems: problems.list };
  }
  const parsed = LabSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.add(formatPath(issue.path), describeIssue(issue));
    return { problems: problems.list };
  }
  checkSemantics(parsed.data, ctx, problems);
  return problems.list.length ? { problems: problems.list } : { lab: parsed.data, problems: [] };
}

/** Parse and validate the text of a lab.yaml. Throws LabProblems (an InputError) naming every problem at once. */
export function parseLab(text: string, ctx: LabContext): Lab {
  const r = validateLab(text, ctx);
  if (!r.lab) throw new LabProblems(ctx.file, r.problems);
  return r.lab;
}

const PLACEHOLDER_RE = /\{([^{}]*)\}/g;

/**
 * A step's job: a PySpark file, a prebuilt jar, or the Scala Maven project. For the Scala project only its sources
 * must exist: the jar is a build output (not in git), built by the engine before the lab runs.
 */
function checkJob(step: Step, i: number, ctx: LabContext, p: Problems): void {
  const where = `steps[${i}].job`;
  if (isScalaJob(step)) {
    const pom = `${SCALA_PROJECT}/pom.xml`;
    if (!ctx.projectFileExists(pom)) p.add(where, `${pom} does not exist`, `restore the Scala project under ${SCALA_PROJECT}/`);
    if (!step.class) p.add(`steps[${i}].class`, 'is required for a Scala job', 'name the main class, e.g. class: labs.KryoLab');
    return;
  }
  if (step.job.startsWith(`${SCALA_PROJECT}/`)) {
    return p.add(where, `name the Scala project, not a file in it (${step.job})`, `use job: ${SCALA_PROJECT} with class: labs.<YourLab>; the engine builds and submits the jar`);
  }
  // one problem per job path: a file that is not there has no kind to check
  if (!ctx.projectFileExists(step.job)) return p.add(where, `${step.job} does not exist`, 'point job at a file under spark-jobs/');
  const isJar = step.job.endsWith('.jar');
  if (!isJar && !step.job.endsWith('.py')) return p.add(where, `must be a .py file, a .jar or the Scala project ${SCALA_PROJECT}`);
  if (isJar && !step.class) p.add(`steps[${i}].class`, 'is required for a jar job', 'name the main class, e.g. class: labs.KryoLab');
  if (!isJar && step.class) p.add(`steps[${i}].class`, 'is only for Scala and jar jobs', 'remove class from this PySpark step');
}

/** Rules a schema cannot express: cross references, files that must exist, known placeholders. */
function checkSemantics(lab: Lab, ctx: LabContext, p: Problems): void {
  if (lab.id !== ctx.dirName) {
    p.add('id', `"${lab.id}" does not match its directory "${ctx.dirName}"`, `rename the directory or set id: ${ctx.dirName}`);
  }
  const expectedDay = Number(lab.id.slice(3, 4));
  if (lab.day !== expectedDay) p.add('day', `is ${lab.day} but the id says day ${expectedDay}`);

  const names = new Set<string>();
  lab.steps.forEach((step, i) => {
    if (names.has(step.name)) p.add(`steps[${i}].name`, `"${step.name}" is used by an earlier step`, 'give each step a unique name');
    names.add(step.name);
    checkJob(step, i, ctx, p);
    step.args.forEach((arg, j) => {
      for (const m of arg.matchAll(PLACEHOLDER_RE)) {
        if (!(PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
          p.add(`steps[${i}].args[${j}]`, `unknown placeholder {${m[1]}}`, `use one of ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`);
        }
      }
    });
  });
  lab.checks.forEach((check, i) => {
    if (check.step && !names.has(check.step)) {
      p.add(`checks[${i}].step`, `no step named "${check.step}"`, `use one of: ${[...names].join(', ')}`);
    }
    if (check.matches !== undefined) {
      try {
        new RegExp(check.matches);
      } catch {
        p.add(`checks[${i}].matches`, `is not a valid regular expression`);
      }
    }
  });
  lab.data.forEach((d, i) => {
    if (!d.generated && !d.path) p.add(`data[${i}]`, 'needs a path, or generated: true', 'ship the file in the lab directory or let the job generate it');
    if (d.path && !ctx.labFileExists(d.path)) p.add(`data[${i}].path`, `${d.path} does not exist in the lab directory`);
  });
}

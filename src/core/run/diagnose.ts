/**
 * Failure diagnosis: read a step's stderr (local spark-submit, or the EMR step log) and name the probable cause,
 * the way a teaching assistant would. Pure: text in, diagnosis out. Patterns are checked most-specific first.
 */
export interface Diagnosis {
  /** a short machine-friendly cause id */
  cause:
    | 'python-exception'
    | 'java-exception'
    | 'out-of-memory'
    | 'container-killed'
    | 's3-access-denied'
    | 'missing-iam-role'
    | 'port-in-use'
    | 'module-not-found'
    | 'unknown';
  /** one line for the user: what went wrong */
  summary: string;
  /** the last frames of the traceback or stack, innermost last, when there is one */
  frames: string[];
  /** what to do, including the course topic to revisit */
  hint: string;
}

const TRACEBACK = 'Traceback (most recent call last):';

/** The last Python traceback in a log: its frames ("file:line in fn") and its final exception line. */
export function lastPythonTraceback(log: string): { frames: string[]; exception: string } | undefined {
  const start = log.lastIndexOf(TRACEBACK);
  if (start < 0) return undefined;
  const lines = log.slice(start + TRACEBACK.length).split('\n');
  const frames: string[] = [];
  let exception = '';
  for (const line of lines) {
    const frame = /^\s*File "([^"]+)", line (\d+), in (.+)$/.exec(line);
    if (frame) {
      frames.push(`${frame[1]}:${frame[2]} in ${frame[3]}`);
      continue;
    }
    // The exception line is the first unindented line after the frames.
    if (frames.length && /^\S/.test(line)) {
      exception = line.trim();
      break;
    }
  }
  if (!exception) return undefined;
  return { frames, exception };
}

function javaException(log: string): string | undefined {
  // The deepest "Caused by" is usually the real reason; else the top-level exception.
  const caused = [...log.matchAll(/^Caused by: (.+)$/gm)].at(-1)?.[1];
  if (caused) return caused.trim();
  return /^Exception in thread "[^"]+" (.+)$/m.exec(log)?.[1]?.trim() ?? /^(?:\S+\.)+\w*(?:Exception|Error): .+$/m.exec(log)?.[0]?.trim();
}

export function diagnose(log: string): Diagnosis {
  const py = lastPythonTraceback(log);
  if (/Container killed by YARN for exceeding (?:physical )?memory limits|exit code 137|Container .* is running beyond (?:physical|virtual) memory limits/i.test(log)) {
    return {
      cause: 'container-killed',
      summary: 'YARN killed an executor container for exceeding its memory limit',
      frames: [],
      hint: 'raise spark.executor.memoryOverhead or lower executor memory per core; revisit Day 2 "Memory Management and Tuning"',
    };
  }
  if (/java\.lang\.OutOfMemoryError/.test(log)) {
    const what = /java\.lang\.OutOfMemoryError: ?([^\n]*)/.exec(log)?.[1]?.trim() || 'Java heap space';
    return {
      cause: 'out-of-memory',
      summary: `the JVM ran out of memory (${what})`,
      frames: [],
      hint: 'give the driver/executors more memory, avoid collect() of large data, or repartition; revisit Day 2 "Spark\'s memory model"',
    };
  }
  if (/(?:AccessDenied|Access Denied|Status Code: 403|403 Forbidden)/.test(log) && /s3/i.test(log)) {
    return {
      cause: 's3-access-denied',
      summary: 'S3 denied access to a bucket or key',
      frames: [],
      hint: 'check the cluster role (EMR_EC2_DefaultRole) can read/write the student prefix; `labs iam-policy` prints the policy',
    };
  }
  if (/(?:EMR_DefaultRole|EMR_EC2_DefaultRole|EMR_AutoScaling_DefaultRole).{0,80}(?:not exist|invalid|not found)|InstanceProfile.{0,40}(?:not exist|invalid)/i.test(log)) {
    return {
      cause: 'missing-iam-role',
      summary: 'an EMR default role or instance profile is missing',
      frames: [],
      hint: 'run `aws emr create-default-roles` once in this account, or set the roles in the course config',
    };
  }
  if (/Address already in use|could not bind on port|Failed to bind to/i.test(log)) {
    return {
      cause: 'port-in-use',
      summary: 'a port Spark needs is already in use',
      frames: [],
      hint: 'stop the other Spark application, or `labs config set local.uiPort 0` to pick a free port',
    };
  }
  if (py) {
    const moduleMissing = /^ModuleNotFoundError: No module named '([^']+)'/.exec(py.exception);
    if (moduleMissing) {
      return {
        cause: 'module-not-found',
        summary: `Python module "${moduleMissing[1]}" is not installed where the job runs`,
        frames: py.frames.slice(-3),
        hint: 'run `labs setup local` again; on EMR ship it with --py-files or a bootstrap action (Day 2 "Custom aggregations and UDFs")',
      };
    }
    return {
      cause: 'python-exception',
      summary: py.exception,
      frames: py.frames.slice(-3),
      hint: 'read the frames above: the innermost is where the job raised',
    };
  }
  const java = javaException(log);
  if (java) {
    return { cause: 'java-exception', summary: java, frames: [], hint: 'the full stack is in the step log: `labs logs <lab> --step <name>`' };
  }
  return { cause: 'unknown', summary: 'the step failed without a recognisable error', frames: [], hint: 'read the step log: `labs logs <lab> --step <name>`' };
}

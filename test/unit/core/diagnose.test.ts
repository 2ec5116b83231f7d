import { describe, expect, it } from 'vitest';
import { diagnose, lastPythonTraceback } from '../../../src/core/run/diagnose.js';

const pythonLog = `26/11/25 10:00:01 INFO SparkContext: Running Spark version 3.5.6
Traceback (most recent call last):
  File "/work/spark-jobs/python/day2_joins.py", line 88, in <module>
    main()
  File "/work/spark-jobs/python/day2_joins.py", line 80, in main
    result = transform(spark, args.rows)
  File "/work/spark-jobs/python/day2_joins.py", line 41, in transform
    raise ValueError("rows must be positive")
ValueError: rows must be positive
26/11/25 10:00:02 INFO ShutdownHookManager: Shutdown hook called
`;

describe('diagnose', () => {
  it('names the Python exception and the innermost frames', () => {
    const d = diagnose(pythonLog);
    expect(d.cause).toBe('python-exception');
    expect(d.summary).toBe('ValueError: rows must be positive');
    expect(d.frames.at(-1)).toBe('/work/spark-jobs/python/day2_joins.py:41 in transform');
    expect(d.frames).toHaveLength(3);
  });

  it('reads a PySpark AnalysisException', () => {
    const log = `Traceback (most recent call last):\n  File "/x/job.py", line 3, in <module>\n    df.select("nope")\npyspark.errors.exceptions.captured.AnalysisException: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name \`nope\` cannot be resolved.\n`;
    expect(diagnose(log).summary).toMatch(/^pyspark\.errors\.exceptions\.captured\.AnalysisException: \[UNRESOLVED_COLUMN/);
  });

  it('spots a missing module', () => {
    const log = `Traceback (most recent call last):\n  File "/x/job.py", line 1, in <module>\n    import labkit\nModuleNotFoundError: No module named 'labkit'\n`;
    expect(diagnose(log)).toMatchObject({ cause: 'module-not-found', summary: 'Python module "labkit" is not installed where the job runs' });
  });

  it('spots YARN killing a container and the JVM running out of memory', () => {
    expect(diagnose('Container killed by YARN for exceeding physical memory limits. 5.5 GB of 5.5 GB physical memory used.').cause).toBe('container-killed');
    expect(diagnose('Exception in thread "main" java.lang.OutOfMemoryError: Java heap space').summary).toBe('the JVM ran out of memory (Java heap space)');
  });

  it('spots S3 access denied, missing roles and ports in use', () => {
    expect(diagnose('com.amazonaws.services.s3.model.AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403)').cause).toBe('s3-access-denied');
    expect(diagnose('The role EMR_DefaultRole does not exist or is invalid').cause).toBe('missing-iam-role');
    expect(diagnose("WARN Utils: Service 'SparkUI' could not bind on port 4040.\njava.net.BindException: Address already in use").cause).toBe('port-in-use');
  });

  it('reports the deepest Java cause', () => {
    const log = 'Exception in thread "main" org.apache.spark.SparkException: Job aborted.\n\tat x\nCaused by: java.io.FileNotFoundException: /data/in.csv (No such file or directory)\n';
    expect(diagnose(log)).toMatchObject({ cause: 'java-exception', summary: 'java.io.FileNotFoundException: /data/in.csv (No such file or directory)' });
  });

  it('says so when nothing is recognisable', () => {
    expect(diagnose('all quiet').cause).toBe('unknown');
    expect(lastPythonTraceback('no traceback')).toBeUndefined();
  });
});

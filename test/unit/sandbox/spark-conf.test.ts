import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAGIC_COMMITTER_CORE_SITE } from '../../../src/core/emr/configurations.js';
import { repoRoot } from '../../helpers/cli.js';
import { projectPython } from '../../helpers/project-venv.js';

/**
 * sandbox/server's spark_conf.py (a cluster's SPARK_CONF_DIR, its jars) and glue_patch.py (moto's Glue as Iceberg
 * commits to it), called in the project venv's Python: one run computes every case, the assertions are here.
 */
const CASES = String.raw`
import json, os, sys
from pathlib import Path
from labs_sandbox import spark_conf as sc

tmp = Path(sys.argv[1])
ivy = str(tmp / "ivy")
iceberg = [{"Classification": "iceberg-defaults", "Properties": {"iceberg.enabled": "true"}}]
catalog = {
    "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
    "spark.sql.catalog.lake": "org.apache.iceberg.spark.SparkCatalog",
    "spark.sql.catalog.lake.catalog-impl": "org.apache.iceberg.aws.glue.GlueCatalog",
    "spark.sql.catalog.lake.warehouse": "s3://lake/warehouse",
    "spark.driver.extraClassPath": "/opt/lab.jar",
}
lab = iceberg + [{"Classification": "spark-defaults", "Properties": catalog}]
base = lambda conf: sc.base_defaults(endpoint="http://127.0.0.1:5000", python="/venv/python", spark_home="/spark", ivy_dir=ivy, event_log_dir="/events", configurations=conf)
out = {
    "enabled": [sc.iceberg_enabled(c) for c in (iceberg, [{"Classification": "iceberg-defaults", "Properties": {"iceberg.enabled": "TRUE"}}], [{"Classification": "iceberg-defaults", "Properties": {"iceberg.enabled": "false"}}], [{"Classification": "spark-defaults", "Properties": {"iceberg.enabled": "true"}}], [])],
    "plain": base([]),
    "iceberg": base(iceberg),
    "written": sc.write_spark_conf_dir(tmp / "conf", base(lab), lab),
    "file": (tmp / "conf" / "spark-defaults.conf").read_text(),
    # the core-site the EMR engine sends for a lab with committer: magic (EMR's magicv2)
    "magic": base([{"Classification": "core-site", "Properties": json.loads(os.environ["MAGIC_CORE_SITE"])}]),
}

# BOOTSTRAPPING: a stand-in spark-submit that records its argv, and retrieves the jars only when told to. Like
# pyspark's, it cannot run without SPARK_HOME (the server's environment has none: the venv is not activated).
fake = tmp / "spark-submit"
fake.write_text("#!/bin/sh\n[ \"$SPARK_HOME\" = /spark ] || exit 1\necho \"$@\" >> " + str(tmp / "calls") + "\n[ -n \"$RETRIEVE\" ] && mkdir -p " + ivy + "/jars && for j in $RETRIEVE; do : > " + ivy + "/jars/$j; done\nexit 0\n")
fake.chmod(0o755)
os.environ["RETRIEVE"] = " ".join(sc.S3A_JAR_NAMES)
sc.ensure_cluster_jars(str(fake), ivy, tmp / "work", [], "/spark")
os.environ["RETRIEVE"] = ""
try:
    sc.ensure_cluster_jars(str(fake), ivy, tmp / "work", iceberg, "/spark")
    out["missing"] = None
except sc.BootstrapFailure as e:
    out["missing"] = str(e)
os.environ["RETRIEVE"] = " ".join(sc.ICEBERG_JAR_NAMES)
sc.ensure_cluster_jars(str(fake), ivy, tmp / "work", iceberg, "/spark")
sc.ensure_cluster_jars(str(fake), ivy, tmp / "work", iceberg, "/spark")  # cached: no call
out["calls"] = (tmp / "calls").read_text().splitlines()

# moto's Glue as Iceberg's GlueCatalog commits: UpdateTable with VersionId (optimistic lock) and SkipArchive.
import boto3
from moto import mock_aws
from labs_sandbox import glue_patch
glue_patch.install()
with mock_aws():
    g = boto3.client("glue", region_name="us-east-1")
    g.create_database(DatabaseInput={"Name": "db"})
    g.create_table(DatabaseName="db", TableInput={"Name": "t", "Parameters": {"metadata_location": "m0"}})
    update = lambda loc, **kw: g.update_table(DatabaseName="db", TableInput={"Name": "t", "Parameters": {"metadata_location": loc}}, **kw)
    update("m1", VersionId="1", SkipArchive=True)
    glue = {"afterSkip": [v["VersionId"] for v in g.get_table_versions(DatabaseName="db", TableName="t")["TableVersions"]]}
    try:
        update("m-stale", VersionId="1")
        glue["stale"] = None
    except g.exceptions.ConcurrentModificationException as e:
        glue["stale"] = e.response["Error"]["Message"]
    update("m2", VersionId="2", SkipArchive=False)
    update("m3")
    t = g.get_table(DatabaseName="db", Name="t")["Table"]
    glue["current"] = [t["VersionId"], t["Parameters"]["metadata_location"]]
    glue["versions"] = [[v["VersionId"], v["Table"]["Parameters"]["metadata_location"]] for v in g.get_table_versions(DatabaseName="db", TableName="t")["TableVersions"]]
out["glue"] = glue
print(json.dumps(out))
`;

interface Cases {
  enabled: boolean[];
  plain: Record<string, string>;
  iceberg: Record<string, string>;
  written: Record<string, string>;
  file: string;
  magic: Record<string, string>;
  missing: string | null;
  calls: string[];
  glue: { afterSkip: string[]; stale: string | null; current: [string, string]; versions: [string, string][] };
}

let tmp: string;
let out: Cases;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'spark-conf-'));
  const r = spawnSync(projectPython(), ['-c', CASES, tmp], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'sandbox', 'server'), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', MAGIC_CORE_SITE: JSON.stringify(MAGIC_COMMITTER_CORE_SITE) },
  });
  if (r.status !== 0) throw new Error(r.stderr);
  out = JSON.parse(r.stdout) as Cases;
}, 60_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('spark_conf: the magic committer on a sandbox cluster', () => {
  it("binds Apache's S3A magic committer through Spark's PathOutputCommitProtocol where EMR's core-site asks for magicv2", () => {
    expect(out.magic).toMatchObject({
      'spark.hadoop.fs.s3a.committer.name': 'magic',
      'spark.sql.sources.commitProtocolClass': 'org.apache.spark.internal.io.cloud.PathOutputCommitProtocol',
      'spark.sql.parquet.output.committer.class': 'org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter',
    });
    expect(Object.keys(out.plain).filter((k) => k.includes('committer') || k.includes('commitProtocol'))).toEqual([]);
  });
});

describe('spark_conf: Iceberg on a sandbox cluster, as EMR turns it on', () => {
  it('takes iceberg-defaults iceberg.enabled "true" (any case) as on, anything else as off', () => {
    expect(out.enabled).toEqual([true, true, false, false, false]);
  });

  it('puts the Iceberg runtime and AWS bundle on the driver and executor classpath only when enabled', () => {
    const jars = (conf: Record<string, string>) => conf['spark.executor.extraClassPath']!.split(':').map((j) => path.basename(j));
    expect(jars(out.plain)).toEqual(['org.apache.hadoop_hadoop-aws-3.3.4.jar', 'com.amazonaws_aws-java-sdk-bundle-1.12.262.jar', 'org.wildfly.openssl_wildfly-openssl-1.0.7.Final.jar', 'org.apache.spark_spark-hadoop-cloud_2.12-3.5.5.jar']);
    expect(jars(out.iceberg)).toEqual([...jars(out.plain), 'org.apache.iceberg_iceberg-spark-runtime-3.5_2.12-1.10.0.jar', 'org.apache.iceberg_iceberg-aws-bundle-1.10.0.jar']);
    expect(out.iceberg['spark.driver.extraClassPath']).toBe(out.iceberg['spark.executor.extraClassPath']);
    expect(out.iceberg['spark.driver.extraClassPath']!.split(':')[4]).toBe(path.join(tmp, 'ivy', 'jars', 'org.apache.iceberg_iceberg-spark-runtime-3.5_2.12-1.10.0.jar'));
  });

  it("gives the ApplicationMaster and the executors the node's AWS environment, pointing at the sandbox", () => {
    for (const prefix of ['spark.yarn.appMasterEnv', 'spark.executorEnv']) {
      expect(out.plain).toMatchObject({
        [`${prefix}.AWS_ENDPOINT_URL`]: 'http://127.0.0.1:5000',
        [`${prefix}.AWS_REGION`]: 'us-east-1',
        [`${prefix}.AWS_ACCESS_KEY_ID`]: 'testing',
        [`${prefix}.AWS_SECRET_ACCESS_KEY`]: 'testing',
      });
    }
  });

  it("keeps the lab's Glue catalog as sent: no endpoint or credential setting is added under its name", () => {
    expect(out.written).toMatchObject({
      'spark.sql.catalog.lake': 'org.apache.iceberg.spark.SparkCatalog',
      'spark.sql.catalog.lake.catalog-impl': 'org.apache.iceberg.aws.glue.GlueCatalog',
      'spark.sql.catalog.lake.warehouse': 's3://lake/warehouse',
    });
    expect(Object.keys(out.written).filter((k) => k.startsWith('spark.sql.catalog.'))).toHaveLength(3);
    // the lab's own classpath first, then the cluster's jars
    expect(out.written['spark.driver.extraClassPath']).toMatch(/^\/opt\/lab\.jar:.*hadoop-aws-3\.3\.4\.jar:.*iceberg-aws-bundle-1\.10\.0\.jar$/);
    expect(out.file).toMatch(/^spark\.sql\.catalog\.lake\.catalog-impl org\.apache\.iceberg\.aws\.glue\.GlueCatalog$/m);
  });

  it('fetches the Iceberg packages once at BOOTSTRAPPING and fails clearly when the jars do not arrive', () => {
    expect(out.missing).toMatch(/^could not fetch the Iceberg 1\.10\.0 jars \(iceberg-defaults iceberg\.enabled is true\) from Maven Central \(org\.apache\.iceberg_iceberg-spark-runtime-3\.5_2\.12-1\.10\.0\.jar, org\.apache\.iceberg_iceberg-aws-bundle-1\.10\.0\.jar; see .*resolve-iceberg\.log\)$/);
    expect(out.calls).toHaveLength(3); // S3A once; Iceberg failed once, then fetched; then cached
    expect(out.calls[0]).toContain('--packages org.apache.hadoop:hadoop-aws:3.3.4,org.apache.spark:spark-hadoop-cloud_2.12:3.5.5');
    expect(out.calls[2]).toContain(`--conf spark.jars.ivy=${path.join(tmp, 'ivy')} --packages org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.10.0,org.apache.iceberg:iceberg-aws-bundle:1.10.0`);
  });
});

describe("glue_patch: moto's Glue as Iceberg's GlueCatalog commits to it", () => {
  it('refuses an UpdateTable whose VersionId is not the current one (ConcurrentModificationException)', () => {
    expect(out.glue.stale).toMatch(/^Update table failed due to concurrent modifications: version 1 of db\.t was asked for, its current version is 2$/);
    expect(out.glue.current).toEqual(['4', 'm3']);
  });

  it('archives no version under SkipArchive, one per update otherwise; the version number moves on either way', () => {
    expect(out.glue.afterSkip).toEqual(['2']);
    expect(out.glue.versions).toEqual([
      ['2', 'm1'],
      ['3', 'm2'],
      ['4', 'm3'],
    ]);
  });
});

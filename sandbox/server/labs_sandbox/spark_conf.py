"""A cluster's SPARK_CONF_DIR: what EMR's spark-defaults would hold on this machine, then the lab's classifications."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Optional
from xml.sax.saxutils import escape

# Hadoop 3.3.4 is Spark 3.5.6's Hadoop; spark-hadoop-cloud 3.5.6 is not on Maven Central, 3.5.5 has the same classes
# (the local engine's S3A_PACKAGES, src/engines/local/s3-emulator.ts).
S3A_PACKAGES = "org.apache.hadoop:hadoop-aws:3.3.4,org.apache.spark:spark-hadoop-cloud_2.12:3.5.5"
S3A_EXCLUDES = ",".join([
    "org.apache.hadoop:hadoop-azure", "org.apache.hadoop:hadoop-azure-datalake", "org.apache.hadoop:hadoop-openstack",
    "org.apache.hadoop:hadoop-cloud-storage", "com.google.cloud.bigdataoss:gcs-connector", "org.apache.hadoop:hadoop-aliyun",
    "org.apache.hadoop:hadoop-cos",
])


# What EMRFS is on EMR's nodes, S3A is here: these jars on every JVM's classpath (spark-submit's too, which reads an
# s3:// primary resource before it runs anything), named as Ivy retrieves them.
S3A_JAR_NAMES = [
    "org.apache.hadoop_hadoop-aws-3.3.4.jar",
    "com.amazonaws_aws-java-sdk-bundle-1.12.262.jar",
    "org.wildfly.openssl_wildfly-openssl-1.0.7.Final.jar",
    "org.apache.spark_spark-hadoop-cloud_2.12-3.5.5.jar",
]


# EMR 6.5+ puts Apache Iceberg on a cluster's Spark classpath when its Configurations hold `iceberg-defaults` with
# `iceberg.enabled: true`; emr-7.13.0 ships Iceberg 1.10.0-amzn-1. Here: Apache Iceberg 1.10.0's Spark 3.5 runtime and
# its AWS bundle (the AWS SDK v2 that EMR's nodes carry: Glue, S3, STS, ...).
ICEBERG_VERSION = "1.10.0"
ICEBERG_PACKAGES = f"org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:{ICEBERG_VERSION},org.apache.iceberg:iceberg-aws-bundle:{ICEBERG_VERSION}"
ICEBERG_JAR_NAMES = [
    f"org.apache.iceberg_iceberg-spark-runtime-3.5_2.12-{ICEBERG_VERSION}.jar",
    f"org.apache.iceberg_iceberg-aws-bundle-{ICEBERG_VERSION}.jar",
]

# What an EMR node's instance profile and Region give every AWS SDK on it, here pointing at the sandbox's endpoint:
# the AWS SDK v2 in Iceberg's GlueCatalog and S3FileIO (and boto3 in a job) reads these, so any Glue catalog reaches
# the sandbox's Glue and S3, whether the lab names it in a classification, in a step's --conf or in its code.
REGION = "us-east-1"


def aws_env(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
    }


def _props(configurations: list[dict], classification: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in configurations or []:
        if c.get("Classification") == classification:
            out.update({str(k): str(v) for k, v in (c.get("Properties") or {}).items()})
    return out


def iceberg_enabled(configurations: list[dict]) -> bool:
    return _props(configurations, "iceberg-defaults").get("iceberg.enabled", "").strip().lower() == "true"


def _jars(ivy_dir: str, names: list[str]) -> list[str]:
    return [str(Path(ivy_dir) / "jars" / name) for name in names]


def s3a_jars(ivy_dir: str) -> list[str]:
    return _jars(ivy_dir, S3A_JAR_NAMES)


def iceberg_jars(ivy_dir: str) -> list[str]:
    return _jars(ivy_dir, ICEBERG_JAR_NAMES)


def cluster_jars(ivy_dir: str, configurations: list[dict]) -> list[str]:
    """Every jar a step's JVMs get on their classpath: S3A always, Iceberg when the cluster enables it."""
    return s3a_jars(ivy_dir) + (iceberg_jars(ivy_dir) if iceberg_enabled(configurations) else [])


def s3_properties(endpoint: str) -> dict[str, str]:
    """S3A against the emulator, bound to s3:// too: on EMR, s3:// is EMRFS; here the same URIs go through S3A."""
    props = {
        "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.AbstractFileSystem.s3.impl": "org.apache.hadoop.fs.s3a.S3A",
        "spark.hadoop.fs.s3a.endpoint": endpoint,
        "spark.hadoop.fs.s3a.endpoint.region": REGION,
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
        "spark.hadoop.fs.s3a.access.key": "testing",
        "spark.hadoop.fs.s3a.secret.key": "testing",
        "spark.hadoop.fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "spark.hadoop.fs.s3a.change.detection.mode": "none",
        # S3A's AbstractFileSystem (FileContext) accepts only s3a:// URIs, so a streaming checkpoint or file sink
        # on s3:// failed ("Uri scheme s3://... does not match the scheme s3a"); the FileSystem API takes s3://.
        "spark.sql.streaming.checkpointFileManagerClass":
            "org.apache.spark.sql.execution.streaming.FileSystemBasedCheckpointFileManager",
    }
    return props


# EMR's S3A committer "magicv2" (6.15+) is EMR's own; EMR's MagicCommitProtocol is already Spark's commit protocol for
# s3a:// there. Apache Spark has neither, so its default protocol would never ask S3A's committer factory and the
# classic committer would run. The sandbox binds Apache's S3A magic committer instead, as the local engine does:
# Spark's PathOutputCommitProtocol and BindingParquetOutputCommitter (spark-hadoop-cloud, on every JVM's classpath).
APACHE_MAGIC_COMMITTER = {
    "spark.hadoop.fs.s3a.committer.name": "magic",
    "spark.hadoop.fs.s3a.committer.magic.enabled": "true",
    "spark.sql.sources.commitProtocolClass": "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol",
    "spark.sql.parquet.output.committer.class": "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter",
}


def magic_committer_defaults(configurations: list[dict]) -> dict[str, str]:
    """Apache's magic committer for a cluster whose core-site asks for EMR's magicv2 (empty otherwise)."""
    core = _props(configurations, "core-site")
    if core.get("fs.s3a.committer.name") == "magicv2" and core.get("fs.s3a.committer.magic.enabled", "").lower() == "true":
        return dict(APACHE_MAGIC_COMMITTER)
    return {}


def base_defaults(*, endpoint: str, python: str, spark_home: str, ivy_dir: str, event_log_dir: str, configurations: Optional[list[dict]] = None) -> dict[str, str]:
    """What EMR's own spark-defaults.conf gives every step (master yarn, event logs for the History Server)."""
    jars = ":".join(cluster_jars(ivy_dir, configurations or []))
    # The driver's environment in cluster mode (the ApplicationMaster) and the executors': the node's AWS identity.
    env = {f"{prefix}.{k}": v for k, v in aws_env(endpoint).items() for prefix in ("spark.yarn.appMasterEnv", "spark.executorEnv")}
    return {
        "spark.master": "yarn",
        "spark.submit.deployMode": "client",
        # The jars are on this machine already: containers read them in place instead of uploading 300 MB a step.
        "spark.yarn.jars": f"local:{spark_home}/jars/*",
        "spark.yarn.appMasterEnv.PYSPARK_PYTHON": python,
        "spark.executorEnv.PYSPARK_PYTHON": python,
        "spark.pyspark.python": python,
        "spark.jars.ivy": ivy_dir,
        "spark.driver.extraClassPath": jars,
        "spark.executor.extraClassPath": jars,
        # A failing step fails once, not once per ApplicationMaster attempt (YARN's default is 2): half the wait.
        "spark.yarn.maxAppAttempts": "1",
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": f"file://{event_log_dir}",
        "spark.history.fs.logDirectory": f"file://{event_log_dir}",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
        **s3_properties(endpoint),
        **magic_committer_defaults(configurations or []),
        **env,
    }


def _site_xml(props: dict[str, str]) -> str:
    body = "".join(f"  <property><name>{escape(k)}</name><value>{escape(v)}</value></property>\n" for k, v in props.items())
    return f'<?xml version="1.0"?>\n<configuration>\n{body}</configuration>\n'


def write_spark_conf_dir(directory: Path, base: dict[str, str], configurations: list[dict]) -> dict[str, str]:
    """spark-defaults.conf = base < the spark-defaults classification; hive-site.xml from spark-hive-site."""
    directory.mkdir(parents=True, exist_ok=True)
    lab = _props(configurations, "spark-defaults")
    defaults = {**base, **lab}
    for key in ("spark.driver.extraClassPath", "spark.executor.extraClassPath"):
        if key in lab and key in base:
            defaults[key] = f"{lab[key]}:{base[key]}"
    lines = "".join(f"{k} {v}\n" for k, v in sorted(defaults.items()))
    (directory / "spark-defaults.conf").write_text(lines)
    hive = _props(configurations, "spark-hive-site")
    if hive:
        (directory / "hive-site.xml").write_text(_site_xml(hive))
    env = _nested_exports(configurations, "spark-env")
    if env:
        (directory / "spark-env.sh").write_text("".join(f"export {k}={v}\n" for k, v in env.items()))
    return defaults


def _nested_exports(configurations: list[dict], classification: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in configurations or []:
        if c.get("Classification") == classification:
            for inner in c.get("Configurations") or []:
                if inner.get("Classification") == "export":
                    out.update({str(k): str(v) for k, v in (inner.get("Properties") or {}).items()})
    return out


class BootstrapFailure(Exception):
    pass


def spark_submit_env(spark_submit: str, spark_home: str) -> dict[str, str]:
    """What the venv's spark-submit needs in the server's environment (the venv is not activated there): pyspark's
    bin/spark-submit finds SPARK_HOME by importing pyspark with the first python3 on PATH, so without these it fails
    before Ivy or YARN is reached."""
    env = {"PATH": f"{Path(spark_submit).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    if spark_home:
        env["SPARK_HOME"] = spark_home
    return env


def _ensure_packages(what: str, name: str, packages: str, excludes: str, jars: list[str], spark_submit: str, ivy_dir: str, work: Path, spark_home: str) -> None:
    """Fetch packages into the Ivy cache once (Maven Central) through spark-submit's own Ivy; a clear failure if not."""
    if all(Path(j).exists() for j in jars):
        return
    work.mkdir(parents=True, exist_ok=True)
    noop = work / f"resolve-{name}.py"
    noop.write_text("pass\n")
    log = work / f"resolve-{name}.log"
    cmd = [spark_submit, "--master", "local[1]", "--conf", f"spark.jars.ivy={ivy_dir}"]
    if excludes:
        cmd += ["--conf", f"spark.jars.excludes={excludes}"]
    with open(log, "wb") as out:
        try:
            subprocess.run([*cmd, "--packages", packages, str(noop)], cwd=work, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env={**os.environ, **spark_submit_env(spark_submit, spark_home)}, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            out.write(f"{type(e).__name__}: {e}\n".encode())
    missing = [j for j in jars if not Path(j).exists()]
    if missing:
        raise BootstrapFailure(f"could not fetch {what} from Maven Central ({', '.join(Path(m).name for m in missing)}; see {log})")


def ensure_s3a_jars(spark_submit: str, ivy_dir: str, work: Path, spark_home: str) -> None:
    """Fetch the S3A jars into the Ivy cache once (Maven Central), as a bootstrap action would install them on EMR."""
    _ensure_packages("the S3A jars", "s3a", S3A_PACKAGES, S3A_EXCLUDES, s3a_jars(ivy_dir), spark_submit, ivy_dir, work, spark_home)


def ensure_cluster_jars(spark_submit: str, ivy_dir: str, work: Path, configurations: list[dict], spark_home: str) -> None:
    """BOOTSTRAPPING: the S3A jars, and Iceberg's when the cluster enables it (what EMR installs on its nodes)."""
    ensure_s3a_jars(spark_submit, ivy_dir, work, spark_home)
    if iceberg_enabled(configurations):
        _ensure_packages(f"the Iceberg {ICEBERG_VERSION} jars (iceberg-defaults iceberg.enabled is true)", "iceberg", ICEBERG_PACKAGES, "", iceberg_jars(ivy_dir), spark_submit, ivy_dir, work, spark_home)

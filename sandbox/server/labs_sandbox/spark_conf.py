"""A cluster's SPARK_CONF_DIR: what EMR's spark-defaults would hold on this machine, then the lab's classifications."""
from __future__ import annotations

import subprocess
from pathlib import Path
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


def s3a_jars(ivy_dir: str) -> list[str]:
    return [str(Path(ivy_dir) / "jars" / name) for name in S3A_JAR_NAMES]


def missing_s3a_jars(ivy_dir: str) -> list[str]:
    return [j for j in s3a_jars(ivy_dir) if not Path(j).exists()]


def s3_properties(endpoint: str) -> dict[str, str]:
    """S3A against the emulator, bound to s3:// too: on EMR, s3:// is EMRFS; here the same URIs go through S3A."""
    props = {
        "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.AbstractFileSystem.s3.impl": "org.apache.hadoop.fs.s3a.S3A",
        "spark.hadoop.fs.s3a.endpoint": endpoint,
        "spark.hadoop.fs.s3a.endpoint.region": "us-east-1",
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


def base_defaults(*, endpoint: str, python: str, spark_home: str, ivy_dir: str, event_log_dir: str) -> dict[str, str]:
    """What EMR's own spark-defaults.conf gives every step (master yarn, event logs for the History Server)."""
    return {
        "spark.master": "yarn",
        "spark.submit.deployMode": "client",
        # The jars are on this machine already: containers read them in place instead of uploading 300 MB a step.
        "spark.yarn.jars": f"local:{spark_home}/jars/*",
        "spark.yarn.appMasterEnv.PYSPARK_PYTHON": python,
        "spark.executorEnv.PYSPARK_PYTHON": python,
        "spark.pyspark.python": python,
        "spark.jars.ivy": ivy_dir,
        "spark.driver.extraClassPath": ":".join(s3a_jars(ivy_dir)),
        "spark.executor.extraClassPath": ":".join(s3a_jars(ivy_dir)),
        # A failing step fails once, not once per ApplicationMaster attempt (YARN's default is 2): half the wait.
        "spark.yarn.maxAppAttempts": "1",
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": f"file://{event_log_dir}",
        "spark.history.fs.logDirectory": f"file://{event_log_dir}",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
        **s3_properties(endpoint),
    }


def _props(configurations: list[dict], classification: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in configurations or []:
        if c.get("Classification") == classification:
            out.update({str(k): str(v) for k, v in (c.get("Properties") or {}).items()})
    return out


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


def ensure_s3a_jars(spark_submit: str, ivy_dir: str, work: Path) -> None:
    """Fetch the S3A jars into the Ivy cache once (Maven Central), as a bootstrap action would install them on EMR."""
    if not missing_s3a_jars(ivy_dir):
        return
    work.mkdir(parents=True, exist_ok=True)
    noop = work / "resolve-s3a.py"
    noop.write_text("pass\n")
    log = work / "resolve-s3a.log"
    with open(log, "wb") as out:
        subprocess.run(
            [spark_submit, "--master", "local[1]", "--conf", f"spark.jars.ivy={ivy_dir}", "--conf", f"spark.jars.excludes={S3A_EXCLUDES}", "--packages", S3A_PACKAGES, str(noop)],
            cwd=work, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=600, check=False,
        )
    missing = missing_s3a_jars(ivy_dir)
    if missing:
        raise BootstrapFailure(f"could not fetch the S3A jars from Maven Central ({', '.join(Path(m).name for m in missing)}; see {log})")

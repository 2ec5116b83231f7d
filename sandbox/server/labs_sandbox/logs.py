"""Step logs where EMR puts them: <LogUri>/<cluster>/steps/<step>/{controller,stderr,stdout}.gz, and S3 access."""
from __future__ import annotations

import gzip
import re
from typing import Optional

import boto3
from botocore.config import Config

from .settings import settings


def s3_client():
    return boto3.client(
        "s3", endpoint_url=settings().endpoint, region_name="us-east-1", aws_access_key_id="testing",
        aws_secret_access_key="testing", config=Config(s3={"addressing_style": "path"}),
    )


def split_uri(uri: str) -> Optional[tuple[str, str]]:
    m = re.match(r"^s3[an]?://([^/]+)/?(.*)$", uri or "")
    return (m.group(1), m.group(2)) if m else None


def step_log_uri(log_uri: str, cluster_id: str, step_id: str, name: str) -> Optional[str]:
    parts = split_uri(log_uri)
    if not parts:
        return None
    bucket, prefix = parts
    prefix = prefix.rstrip("/")
    key = f"{prefix + '/' if prefix else ''}{cluster_id}/steps/{step_id}/{name}.gz"
    return f"s3://{bucket}/{key}"


def upload_gzipped(uri: str, data: bytes) -> None:
    bucket, key = split_uri(uri)  # type: ignore[misc]
    s3_client().put_object(Bucket=bucket, Key=key, Body=gzip.compress(data))


def container_log_uri(log_uri: str, cluster_id: str, app_id: str, container: str, name: str) -> Optional[str]:
    """EMR's layout for YARN container logs: <LogUri>/<cluster>/containers/<application>/<container>/<stream>.gz."""
    parts = split_uri(log_uri)
    if not parts:
        return None
    bucket, prefix = parts
    prefix = prefix.rstrip("/")
    return f"s3://{bucket}/{prefix + '/' if prefix else ''}{cluster_id}/containers/{app_id}/{container}/{name}.gz"

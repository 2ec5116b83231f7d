"""AWS/ElasticMapReduce metrics of each live cluster, from its YARN ResourceManager and HDFS, into moto's CloudWatch."""
from __future__ import annotations

import threading
import traceback
from typing import Any, Optional

import boto3

from .runtime import active_runtimes
from .settings import LOCK, settings


def emr_metrics(cluster_metrics: dict, control: Optional[dict], running_steps: int) -> dict[str, float]:
    """EMR's names from RM /ws/v1/cluster/metrics (and the launcher's HDFS figures): the same meaning, live values."""
    m = cluster_metrics
    total_mb = float(m.get("totalMB") or 0)
    available_mb = float(m.get("availableMB") or 0)
    apps_running = float(m.get("appsRunning") or 0)
    apps_pending = float(m.get("appsPending") or 0)
    out = {
        "IsIdle": 1.0 if apps_running == 0 and apps_pending == 0 and running_steps == 0 else 0.0,
        "AppsRunning": apps_running,
        "AppsPending": apps_pending,
        "AppsCompleted": float(m.get("appsCompleted") or 0),
        "AppsFailed": float(m.get("appsFailed") or 0),
        "AppsKilled": float(m.get("appsKilled") or 0),
        "ContainerAllocated": float(m.get("containersAllocated") or 0),
        "ContainerReserved": float(m.get("containersReserved") or 0),
        "ContainerPending": float(m.get("containersPending") or 0),
        "MemoryTotalMB": total_mb,
        "MemoryAvailableMB": available_mb,
        "MemoryAllocatedMB": float(m.get("allocatedMB") or 0),
        "YARNMemoryAvailablePercentage": (100.0 * available_mb / total_mb) if total_mb else 0.0,
        "CoreNodesRunning": float(m.get("activeNodes") or 0),
        "MRUnhealthyNodes": float(m.get("unhealthyNodes") or 0),
        "MRLostNodes": float(m.get("lostNodes") or 0),
    }
    hdfs = (control or {}).get("hdfs") or {}
    capacity = float(hdfs.get("capacityBytes") or 0)
    used = float(hdfs.get("usedBytes") or 0)
    if capacity:
        out["HDFSUtilization"] = 100.0 * used / capacity
        out["HDFSBytesRead"] = float(hdfs.get("bytesRead") or 0)
        out["HDFSBytesWritten"] = float(hdfs.get("bytesWritten") or 0)
    return out


def publish_once(cloudwatch: Any) -> int:
    sent = 0
    for runtime in active_runtimes():
        if runtime.cluster.state not in ("WAITING", "RUNNING") or not runtime.yarn.ready:
            continue
        try:
            with LOCK:
                running = sum(1 for s in runtime.cluster.steps if s.state == "RUNNING")
            try:
                control = runtime.yarn.control_status()
            except Exception:  # noqa: BLE001 - HDFS figures are optional in the launcher's /status
                control = None
            values = emr_metrics(runtime.yarn.cluster_metrics(), control, running)
            data = [{"MetricName": k, "Dimensions": [{"Name": "JobFlowId", "Value": runtime.cluster.id}], "Value": v, "Unit": "Percent" if k.endswith("Percentage") or k == "HDFSUtilization" else "Count"} for k, v in values.items()]
            for i in range(0, len(data), 20):
                cloudwatch.put_metric_data(Namespace="AWS/ElasticMapReduce", MetricData=data[i : i + 20])
            sent += len(data)
        except Exception:  # noqa: BLE001 - one failed scrape must not stop the publisher
            traceback.print_exc()
    return sent


class Publisher(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="cloudwatch-publisher", daemon=True)
        self.stop_event = threading.Event()

    def run(self) -> None:
        s = settings()
        cloudwatch = boto3.client("cloudwatch", endpoint_url=s.endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        while not self.stop_event.wait(s.metrics_interval_s):
            publish_once(cloudwatch)

"""Spark's sizes scaled like the cluster's yarn-site: what a lab sends EMR is what the sandbox runs, scaled.

The YARN launcher shrinks a yarn-site that asks for bigger nodes than the sandbox has by `memoryScale` (and vcores by
`vcoreScale`), and records both in applied-configuration.json. A step's Spark sizes (`--conf spark.executor.memory=5g`,
the spark-defaults classification) were written for the nodes the lab asked for: left as they are, a 5g executor
is refused on a 3072 MB node. They are scaled by the same factors, so every container keeps its proportion to the
node and the node holds as many executors as on EMR. Heaps stay at least 512 MB (Spark refuses a JVM under 450 MB:
1.5 x its 300 MB reserved memory); cores at least 1. Counts (spark.executor.instances, ...) are not sizes: unchanged.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Optional

MEMORY_KEYS = (
    "spark.executor.memory", "spark.driver.memory", "spark.yarn.am.memory",
    "spark.executor.memoryOverhead", "spark.driver.memoryOverhead", "spark.yarn.am.memoryOverhead",
    "spark.executor.pyspark.memory", "spark.memory.offHeap.size",
)
HEAP_KEYS = ("spark.executor.memory", "spark.driver.memory", "spark.yarn.am.memory")
CORE_KEYS = ("spark.executor.cores", "spark.driver.cores", "spark.yarn.am.cores")
MIN_HEAP_MB = 512

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)b?\s*$", re.IGNORECASE)


def read_scale(yarn_dir: Path) -> tuple[float, float]:
    """(memoryScale, vcoreScale) from the launcher's applied-configuration.json; (1, 1) when there is none."""
    try:
        doc = json.loads((yarn_dir / "applied-configuration.json").read_text())
        return float(doc.get("memoryScale") or 1.0), float(doc.get("vcoreScale") or 1.0)
    except (OSError, ValueError):
        return 1.0, 1.0


def _mb(value: str) -> Optional[float]:
    m = _SIZE.match(value)
    if not m:
        return None
    factor = {"k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}[(m.group(2) or "m").lower()]
    return float(m.group(1)) * factor


def scale_value(key: str, value: str, memory_scale: float, vcore_scale: float) -> Optional[str]:
    """The scaled value of one Spark setting, or None when it is not a size (or nothing scales)."""
    if key in MEMORY_KEYS and memory_scale < 1.0:
        mb = _mb(value)
        if mb is None:
            return None
        scaled = max(1, math.floor(mb * memory_scale + 0.5))
        if key in HEAP_KEYS:
            scaled = max(MIN_HEAP_MB, scaled)
        return f"{scaled}m"
    if key in CORE_KEYS and vcore_scale < 1.0 and value.strip().isdigit():
        return str(max(1, math.floor(int(value) * vcore_scale + 0.5)))
    return None


def scale_properties(props: dict[str, str], memory_scale: float, vcore_scale: float, changes: list[str]) -> dict[str, str]:
    out = {}
    for k, v in props.items():
        scaled = scale_value(k, str(v), memory_scale, vcore_scale)
        if scaled is not None and scaled != str(v):
            changes.append(f"{k} {v} -> {scaled}")
        out[k] = v if scaled is None else scaled
    return out


def scale_configurations(configurations: list[dict], memory_scale: float, vcore_scale: float, changes: list[str]) -> list[dict]:
    """The spark-defaults classification's sizes scaled; every other classification as sent."""
    out = []
    for c in configurations or []:
        if c.get("Classification") == "spark-defaults" and c.get("Properties"):
            c = {**c, "Properties": scale_properties(dict(c["Properties"]), memory_scale, vcore_scale, changes)}
        out.append(c)
    return out


def scale_submit_args(args: list[str], memory_scale: float, vcore_scale: float, changes: list[str]) -> list[str]:
    """spark-submit's `--conf k=v` (and `--conf=k=v`, `--executor-memory` ...) scaled, up to the application file."""
    flags = {"--executor-memory": "spark.executor.memory", "--driver-memory": "spark.driver.memory",
             "--executor-cores": "spark.executor.cores", "--driver-cores": "spark.driver.cores"}
    out = list(args)
    i = 0
    while i < len(out):
        a = out[i]
        if a == "--conf" and i + 1 < len(out) and "=" in out[i + 1]:
            k, v = out[i + 1].split("=", 1)
            scaled = scale_value(k, v, memory_scale, vcore_scale)
            if scaled is not None and scaled != v:
                changes.append(f"{k} {v} -> {scaled}")
                out[i + 1] = f"{k}={scaled}"
            i += 2
        elif a in flags and i + 1 < len(out):
            scaled = scale_value(flags[a], out[i + 1], memory_scale, vcore_scale)
            if scaled is not None and scaled != out[i + 1]:
                changes.append(f"{a} {out[i + 1]} -> {scaled}")
                out[i + 1] = scaled
            i += 2
        elif not a.startswith("-"):
            break  # the application and its own arguments: not spark-submit's
        elif a in ("--verbose", "-v", "--supervise") or "=" in a:
            i += 1
        else:
            i += 2  # an option and its value (--py-files a.py,b.py, --name ...)
    return out

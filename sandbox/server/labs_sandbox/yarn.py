"""One cluster's YARN and HDFS: the minicluster process of sandbox/yarn, started and stopped per the sandbox contract."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Optional


class YarnStartError(Exception):
    pass


def _http(method: str, url: str, body: Optional[dict] = None, timeout: float = 5.0) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as res:  # noqa: S310 (loopback only)
        text = res.read().decode() or "null"
    try:
        return json.loads(text)
    except ValueError:
        return text


# The minicluster picks the ResourceManager's ports itself (free when chosen, bound a moment later), so a port that
# another process takes in between fails the start with failed.json kind "port". With Spark, YARN containers and
# spark-submit clients all opening ephemeral ports on the same machine that happens (once in a CI run of ~20
# clusters); a new start picks new ports, so it is retried, as EMR retries a failed instance.
PORT_RETRIES = 2


class MiniCluster:
    """`<yarn_cmd> --dir DIR [--configurations FILE]`; ready once DIR/ready.json exists (written atomically)."""

    def __init__(self, yarn_cmd: list[str], directory: Path, configurations: list[dict]):
        self.cmd = list(yarn_cmd)
        self.dir = directory
        self.configurations = configurations
        self.proc: Optional[subprocess.Popen] = None
        self.ready: Optional[dict] = None
        self.port_retries_used = 0

    @property
    def hadoop_conf_dir(self) -> Path:
        return self.dir / "hadoop-conf"

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        args = self.cmd + ["--dir", str(self.dir)]
        if self.configurations:
            conf = self.dir / "configurations.json"
            conf.write_text(json.dumps(self.configurations))
            args += ["--configurations", str(conf)]
        log = open(self.dir / "launcher.out", "ab")
        # stdin stays a pipe we never write: when this server dies, its EOF stops the minicluster (contract).
        # Containers inherit SPARK_LOCAL_IP from the NodeManagers: Spark in them binds loopback only (contract).
        env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        log.close()

    def wait_ready(self, timeout_s: float, stop_requested: Callable[[], bool]) -> dict:
        deadline = time.monotonic() + timeout_s
        ready_file = self.dir / "ready.json"
        while time.monotonic() < deadline:
            if stop_requested():
                raise YarnStartError("terminated while YARN was starting")
            if self.proc is not None and self.proc.poll() is not None:
                failed = self.failure()
                if failed.get("kind") == "port" and self.port_retries_used < PORT_RETRIES:
                    self.port_retries_used += 1
                    self.start()
                    continue
                why = f": {failed['message']}" if failed.get("message") else ""
                raise YarnStartError(f"the YARN/HDFS minicluster exited with code {self.proc.returncode} while starting{why} (see {self.dir / 'minicluster.log'})")
            if ready_file.exists():
                self.ready = json.loads(ready_file.read_text())
                return self.ready
            time.sleep(0.5)
        raise YarnStartError(f"the YARN/HDFS minicluster was not ready within {int(timeout_s)} s (see {self.dir / 'minicluster.log'})")

    def failure(self) -> dict:
        """DIR/failed.json of a start that failed ({kind: port|memory|other, message}), {} if there is none."""
        try:
            return json.loads((self.dir / "failed.json").read_text())
        except (OSError, ValueError):
            return {}

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def rm_web(self) -> str:
        return (self.ready or {}).get("rmWebUrl", "")

    def kill_app(self, app_id: str) -> bool:
        """YARN's REST way to kill an application (what `yarn application -kill` does)."""
        try:
            _http("PUT", f"{self.rm_web}/ws/v1/cluster/apps/{app_id}/state", {"state": "KILLED"})
            return True
        except Exception:  # noqa: BLE001 - the app may have ended meanwhile
            return False

    def cluster_metrics(self) -> dict:
        return (_http("GET", f"{self.rm_web}/ws/v1/cluster/metrics") or {}).get("clusterMetrics", {})

    def control_status(self) -> dict:
        url = (self.ready or {}).get("controlUrl")
        return _http("GET", f"{url}/status") if url else {}

    def stop(self, grace_s: float = 30.0) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        url = (self.ready or {}).get("controlUrl")
        try:
            if url:
                _http("POST", f"{url}/shutdown", {}, timeout=3)
            else:
                proc.send_signal(signal.SIGTERM)
        except Exception:  # noqa: BLE001
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(5)

"""The Spark History Server over the sandbox's event logs (spark.eventLog.dir of every step), on 127.0.0.1."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path
from typing import Optional


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HistoryServer:
    def __init__(self, spark_home: str, event_log_dir: Path, log_file: Path):
        self.spark_class = str(Path(spark_home) / "bin" / "spark-class")
        self.event_log_dir = event_log_dir
        self.log_file = log_file
        self.port = free_port()
        self.proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.event_log_dir.mkdir(parents=True, exist_ok=True)
        opts = " ".join([
            f"-Dspark.history.fs.logDirectory=file://{self.event_log_dir}",
            f"-Dspark.history.ui.port={self.port}",
            "-Dspark.history.fs.update.interval=5s",
            "-Dspark.ui.host=127.0.0.1",
        ])
        env = {**os.environ, "SPARK_HISTORY_OPTS": opts, "SPARK_DAEMON_MEMORY": "384m", "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_PUBLIC_DNS": "127.0.0.1"}
        log = open(self.log_file, "ab")
        self.proc = subprocess.Popen([self.spark_class, "org.apache.spark.deploy.history.HistoryServer"], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)

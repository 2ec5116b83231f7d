"""What makes a sandbox cluster real: its YARN/HDFS, its step queue run on that YARN, its idle timeout."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from . import logs, scaling
from .settings import LOCK, settings
from .spark_conf import BootstrapFailure, aws_env, base_defaults, ensure_cluster_jars, s3a_jars, spark_submit_env, write_spark_conf_dir
from .yarn import MiniCluster, YarnStartError

APP_ID = re.compile(r"\b(application_\d+_\d+)\b")
ACTIVE_STEP = ("PENDING", "RUNNING")

RUNTIMES: dict[str, "ClusterRuntime"] = {}


def plain(value: Any) -> Any:
    """moto's parsed request members (XFormedDict) as plain JSON-able data."""
    if hasattr(value, "original_dict"):
        value = value.original_dict()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def failure_message(stderr: str, stdout: str) -> str:
    """EMR's FailureDetails.Message is the line of the log it takes for the root cause; the last error line here."""
    for text in (stderr, stdout):
        lines = [l.strip() for l in text.splitlines() if l.strip()]
        for line in reversed(lines):
            if re.search(r"(Exception|Error)\b", line) and not line.startswith("at "):
                return line[:1024]
    return "the step's command exited with a non-zero code"


class StepExecution:
    """One step's process: `command-runner.jar spark-submit ...` with the venv's spark-submit, exactly its args."""

    def __init__(self, runtime: "ClusterRuntime", step: Any):
        self.runtime = runtime
        self.step = step
        self.proc: Optional[subprocess.Popen] = None
        self.app_id: Optional[str] = None
        self.cancelled = False
        self.scaled: list[str] = []
        self.dir = runtime.dir / "steps" / step.id
        self.thread = threading.Thread(target=self._run, name=f"step-{step.id}", daemon=True)

    def command(self) -> list[str]:
        jar = self.step.jar
        args = list(self.step.args)
        if jar != "command-runner.jar" or not args:
            raise ValueError(f"the sandbox runs command-runner.jar steps only (this step's jar is {jar!r})")
        if args[0] == "spark-submit":
            memory_scale, vcore_scale = self.runtime.scale
            self.scaled = []
            return [settings().spark_submit, *scaling.scale_submit_args(args[1:], memory_scale, vcore_scale, self.scaled)]
        return args

    def env(self) -> dict[str, str]:
        s = settings()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SPARK_", "PYSPARK_"))}
        env.update({
            "HADOOP_CONF_DIR": str(self.runtime.yarn.hadoop_conf_dir),
            "YARN_CONF_DIR": str(self.runtime.yarn.hadoop_conf_dir),
            "SPARK_CONF_DIR": str(self.runtime.spark_conf_dir),
            "PYSPARK_PYTHON": s.python,
            "SPARK_DIST_CLASSPATH": ":".join(s3a_jars(s.ivy_dir)),
            **spark_submit_env(s.spark_submit, s.spark_home),
            # the node's AWS identity, Region and (here) endpoint, as a client-mode driver's AWS SDKs see them
            **aws_env(s.endpoint),
        })
        return env

    def start(self) -> None:
        self.step.state = "RUNNING"
        self.step.start_date_time = now()
        self.thread.start()

    def _run(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        out_file, err_file = self.dir / "stdout", self.dir / "stderr"
        controller = [f"{now().isoformat()} INFO startExec '{' '.join(self.step.args)}'"]
        code: Optional[int] = None
        try:
            cmd = self.command()
            if self.scaled:
                controller.append(f"{now().isoformat()} INFO sandbox: Spark sizes scaled like the cluster's yarn-site "
                                  f"(memoryScale {self.runtime.scale[0]:g}, vcoreScale {self.runtime.scale[1]:g}): {'; '.join(self.scaled)}")
            with open(out_file, "wb") as out, open(err_file, "wb") as err:
                self.proc = subprocess.Popen(cmd, cwd=self.dir, env=self.env(), stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
                while self.proc.poll() is None:
                    self._find_app_id(err_file)
                    time.sleep(0.5)
                code = self.proc.returncode
            self._find_app_id(err_file)
        except Exception as e:  # noqa: BLE001 - a step that cannot start is a failed step, not a dead server
            err_file.write_text(f"{type(e).__name__}: {e}\n")
        controller.append(f"{now().isoformat()} INFO {'exitCode=' + str(code) if code is not None else 'the command could not start'}")
        (self.dir / "controller").write_text("\n".join(controller) + "\n")
        self._upload_container_logs()
        self._upload_logs()
        self.runtime.step_ended(self, code)

    def _find_app_id(self, err_file: Path) -> None:
        if self.app_id:
            return
        try:
            m = APP_ID.search(err_file.read_text(errors="replace"))
        except OSError:
            return
        if m:
            self.app_id = m.group(1)

    def _upload_logs(self) -> None:
        log_uri = self.runtime.cluster.log_uri
        if not log_uri:
            return
        for name in ("controller", "stderr", "stdout"):
            uri = logs.step_log_uri(log_uri, self.runtime.cluster.id, self.step.id, name)
            f = self.dir / name
            if uri and f.exists():
                try:
                    logs.upload_gzipped(uri, f.read_bytes())
                except Exception:  # noqa: BLE001 - a missing log bucket must not hang the step
                    traceback.print_exc()

    def _upload_container_logs(self) -> None:
        """The application's container logs (the driver's in cluster mode), from the NodeManagers' log dirs."""
        log_uri = self.runtime.cluster.log_uri
        if not log_uri or not self.app_id:
            return
        for container_dir in self.runtime.yarn.dir.glob(f"**/{self.app_id}/container_*"):
            if not container_dir.is_dir() or "logDir" not in str(container_dir):
                continue
            for name in ("stderr", "stdout"):
                f = container_dir / name
                uri = logs.container_log_uri(log_uri, self.runtime.cluster.id, self.app_id, container_dir.name, name)
                if uri and f.exists():
                    try:
                        logs.upload_gzipped(uri, f.read_bytes())
                    except Exception:  # noqa: BLE001
                        traceback.print_exc()

    def cancel(self) -> None:
        """CancelSteps on a running step: kill its YARN application, then end spark-submit."""
        self.cancelled = True
        if self.app_id:
            self.runtime.yarn.kill_app(self.app_id)
        proc = self.proc
        if proc and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def text(self, name: str) -> str:
        f = self.dir / name
        return f.read_text(errors="replace") if f.exists() else ""


class ClusterRuntime:
    def __init__(self, cluster: Any, idle_timeout_s: Optional[int]):
        self.cluster = cluster
        self.idle_timeout_s = idle_timeout_s
        self.dir = settings().workdir / "clusters" / cluster.id
        self.configurations: list[dict] = plain(cluster.configurations or [])
        self.yarn = MiniCluster(settings().yarn_cmd, self.dir / "yarn", self.configurations)
        self.spark_conf_dir = self.dir / "spark-conf"
        # (memoryScale, vcoreScale) the YARN launcher applied to yarn-site; Spark's sizes follow (scaling.py)
        self.scale: tuple[float, float] = (1.0, 1.0)
        self.executions: dict[str, StepExecution] = {}
        self.terminate_requested: Optional[tuple[str, str]] = None
        self.idle_since: Optional[float] = None
        self.thread = threading.Thread(target=self._lifecycle, name=f"cluster-{cluster.id}", daemon=True)

    # -- state as EMR reports it ---------------------------------------------------------------------------------
    def set_state(self, state: str, code: Optional[str] = None, message: Optional[str] = None) -> None:
        with LOCK:
            self.cluster.state = state
            self.cluster.state_change_code = code
            self.cluster.last_state_change_reason = message

    def request_termination(self, code: str, message: str) -> None:
        with LOCK:
            if self.terminate_requested is None and self.cluster.state not in ("TERMINATED", "TERMINATED_WITH_ERRORS"):
                self.terminate_requested = (code, message)
                if self.cluster.state != "TERMINATING":
                    self.set_state("TERMINATING", code, message)

    # -- lifecycle ---------------------------------------------------------------------------------------------------
    def _lifecycle(self) -> None:
        try:
            self.set_state("STARTING")
            self._wait_for_ending_clusters(60.0)
            self.yarn.start()
            self.set_state("BOOTSTRAPPING")
            s = settings()
            ensure_cluster_jars(s.spark_submit, s.ivy_dir, self.dir, self.configurations, s.spark_home)
            self.yarn.wait_ready(s.yarn_start_timeout_s, lambda: self.terminate_requested is not None)
            self.scale = scaling.read_scale(self.yarn.dir)
            scaled: list[str] = []
            write_spark_conf_dir(
                self.spark_conf_dir,
                base_defaults(endpoint=s.endpoint, python=s.python, spark_home=s.spark_home, ivy_dir=s.ivy_dir, event_log_dir=str(s.event_log_dir), configurations=self.configurations),
                scaling.scale_configurations(self.configurations, *self.scale, scaled),
            )
            (self.spark_conf_dir / "scaled.json").write_text(json.dumps({"memoryScale": self.scale[0], "vcoreScale": self.scale[1], "spark-defaults": scaled}))
            s.event_log_dir.mkdir(parents=True, exist_ok=True)
            with LOCK:
                if self.terminate_requested is None:
                    self.cluster.ready_datetime = now()
                    self.set_state("WAITING", None, "Cluster ready to run steps.")
            self._run_steps()
        except (YarnStartError, BootstrapFailure) as e:
            if self.terminate_requested is None:
                self.terminate_requested = ("BOOTSTRAP_FAILURE", str(e))
        except Exception as e:  # noqa: BLE001
            traceback.print_exc()
            self.terminate_requested = self.terminate_requested or ("INTERNAL_ERROR", f"{type(e).__name__}: {e}")
        self._shut_down()

    def _run_steps(self) -> None:
        while True:
            with LOCK:
                if self.terminate_requested is not None:
                    return
                if not self.yarn.alive():
                    self.terminate_requested = ("INTERNAL_ERROR", "the cluster's YARN/HDFS process died (see the sandbox's minicluster.log)")
                    return
                self._schedule()
                running = [s for s in self.cluster.steps if s.state == "RUNNING"]
                pending = [s for s in self.cluster.steps if s.state == "PENDING"]
                if running:
                    self.idle_since = None
                    self.cluster.state = "RUNNING"
                else:
                    self.cluster.state = "WAITING"
                    if not pending and not self.cluster.keep_job_flow_alive_when_no_steps and self.cluster.steps:
                        self.request_termination("ALL_STEPS_COMPLETED", "Steps completed")
                        return
                    self.idle_since = self.idle_since or time.monotonic()
                    if self.idle_timeout_s and time.monotonic() - self.idle_since >= self.idle_timeout_s:
                        self.request_termination("ALL_STEPS_COMPLETED", "Cluster was terminated after being idle for the duration of the auto-termination policy's IdleTimeout")
                        return
            time.sleep(settings().tick_s)

    def _schedule(self) -> None:
        """Steps start in submission order, at most StepConcurrencyLevel at a time (EMR's queue)."""
        level = int(self.cluster.step_concurrency_level or 1)
        running = sum(1 for s in self.cluster.steps if s.state == "RUNNING")
        for step in self.cluster.steps:
            if running >= level:
                break
            if step.state == "PENDING":
                execution = StepExecution(self, step)
                self.executions[step.id] = execution
                execution.start()
                running += 1

    def step_ended(self, execution: StepExecution, code: Optional[int]) -> None:
        step = execution.step
        with LOCK:
            step.end_date_time = now()
            if execution.cancelled:
                step.state = "CANCELLED"
                return
            if code == 0:
                step.state = "COMPLETED"
                return
            step.state = "FAILED"
            step.failure_details = {
                "Reason": "Unknown Error.",
                "Message": failure_message(execution.text("stderr"), execution.text("stdout")),
                "LogFile": logs.step_log_uri(self.cluster.log_uri, self.cluster.id, step.id, "stderr") or "",
            }
            action = step.action_on_failure
            if action in ("CANCEL_AND_WAIT", "TERMINATE_CLUSTER", "TERMINATE_JOB_FLOW"):
                for other in self.cluster.steps:
                    if other.state == "PENDING":
                        other.state = "CANCELLED"
                        other.last_state_change_reason = f"Cancelled after step {step.id} failed (ActionOnFailure {action})"
            if action in ("TERMINATE_CLUSTER", "TERMINATE_JOB_FLOW"):
                self.request_termination("STEP_FAILURE", f"Shut down as step failed: {step.id}")

    def cancel_steps(self, step_ids: list[str]) -> list[dict]:
        out = []
        with LOCK:
            for sid in step_ids:
                step = next((s for s in self.cluster.steps if s.id == sid), None)
                if step is None:
                    out.append({"StepId": sid, "Status": "FAILED", "Reason": f"Step id '{sid}' is not valid."})
                elif step.state == "PENDING":
                    step.state = "CANCELLED"
                    step.end_date_time = now()
                    out.append({"StepId": sid, "Status": "SUBMITTED"})
                elif step.state == "RUNNING" and sid in self.executions:
                    self.executions[sid].cancel()
                    out.append({"StepId": sid, "Status": "SUBMITTED"})
                else:
                    out.append({"StepId": sid, "Status": "FAILED", "Reason": f"Step {sid} is {step.state}: only PENDING or RUNNING steps can be cancelled."})
        return out

    def _wait_for_ending_clusters(self, timeout_s: float) -> None:
        """One minicluster at a time (8 GiB): a cluster ended to make room for this one stops its YARN first."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.terminate_requested is None:
            with LOCK:
                ending = [r for r in RUNTIMES.values() if r is not self and r.cluster.state == "TERMINATING"]
            if not ending:
                return
            time.sleep(0.5)

    def _shut_down(self) -> None:
        code, message = self.terminate_requested or ("USER_REQUEST", "Terminated by user request")
        with LOCK:
            if self.cluster.state != "TERMINATING":
                self.set_state("TERMINATING", code, message)
            running = [self.executions[s.id] for s in self.cluster.steps if s.state == "RUNNING" and s.id in self.executions]
            for s in self.cluster.steps:
                if s.state == "PENDING":
                    s.state = "CANCELLED"
        for execution in running:
            execution.cancel()
        for execution in running:
            execution.thread.join(30)
        self.yarn.stop()
        with LOCK:
            self.cluster.end_datetime = now()
            failed = code in ("BOOTSTRAP_FAILURE", "INTERNAL_ERROR", "STEP_FAILURE", "VALIDATION_ERROR")
            self.set_state("TERMINATED_WITH_ERRORS" if failed else "TERMINATED", code, message)

    def describe(self) -> dict:
        ready = self.yarn.ready or {}
        return {
            "clusterId": self.cluster.id,
            "state": self.cluster.state,
            "yarnUrl": ready.get("rmWebUrl"),
            "hdfsUri": ready.get("hdfsUri"),
            "hadoopConfDir": str(self.yarn.hadoop_conf_dir),
            "sparkConfDir": str(self.spark_conf_dir),
            "dir": str(self.dir),
            "runningApps": [e.app_id for e in self.executions.values() if e.step.state == "RUNNING" and e.app_id],
        }


def active_runtimes() -> list[ClusterRuntime]:
    return [r for r in RUNTIMES.values() if r.cluster.state not in ("TERMINATED", "TERMINATED_WITH_ERRORS")]

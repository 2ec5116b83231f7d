"""python -m labs_sandbox --dir DIR --port P --yarn-cmd JSON --spark-submit PATH: the sandbox's AWS endpoint.

Listens on 127.0.0.1 only. Writes DIR/server.json once it answers; on SIGTERM/SIGINT terminates every cluster (their
YARN stops) and exits. /_sandbox/status answers one JSON document for `labs sandbox status`.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="labs_sandbox")
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--yarn-cmd", required=True, help="JSON array: the launcher command of the sandbox contract, without --dir")
    p.add_argument("--spark-submit", required=True)
    p.add_argument("--spark-home", default="")
    p.add_argument("--ivy-dir", default="")
    p.add_argument("--metrics-interval", type=float, default=60.0)
    p.add_argument("--yarn-start-timeout", type=float, default=300.0)
    p.add_argument("--tick", type=float, default=0.5, help="seconds between looks at each cluster's step queue")
    p.add_argument("--no-history", action="store_true", help="do not start the Spark History Server")
    return p.parse_args(argv)


def _forget(state: Path, pid: int) -> None:
    """Remove the state file only if it is still this server's (a new sandbox may have started meanwhile)."""
    try:
        if json.loads(state.read_text()).get("pid") == pid:
            state.unlink()
    except (OSError, ValueError):
        pass


def main(argv: list[str]) -> int:
    args = parse(argv)
    # moto reads its settings at import: keep its state in memory and ignore the user's AWS settings.
    for k in [k for k in os.environ if k.startswith("AWS_")]:
        del os.environ[k]
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"})

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from . import emr_patch, glue_patch, settings as settings_mod
    from .metrics import Publisher
    from .runtime import RUNTIMES, active_runtimes

    workdir = Path(args.dir)
    workdir.mkdir(parents=True, exist_ok=True)
    settings_mod.SETTINGS = settings_mod.Settings(
        workdir=workdir,
        yarn_cmd=json.loads(args.yarn_cmd),
        spark_submit=args.spark_submit,
        python=sys.executable,
        spark_home=args.spark_home,
        ivy_dir=args.ivy_dir or str(workdir / "ivy"),
        metrics_interval_s=args.metrics_interval,
        yarn_start_timeout_s=args.yarn_start_timeout,
        tick_s=args.tick,
    )
    emr_patch.install()
    glue_patch.install()
    moto_app = DomainDispatcherApplication(create_backend_app)

    def status() -> dict:
        live = active_runtimes()
        current = live[-1] if live else None
        return {
            "endpoint": settings_mod.settings().endpoint,
            "pid": os.getpid(),
            "historyUrl": settings_mod.settings().history_url,
            "clusterId": current.cluster.id if current else None,
            "yarnUrl": (current.yarn.ready or {}).get("rmWebUrl") if current else None,
            "clusters": [r.describe() for r in RUNTIMES.values()],
        }

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        if environ.get("PATH_INFO", "").startswith("/_sandbox/"):
            req = Request(environ)
            if req.path == "/_sandbox/status":
                res = Response(json.dumps(status(), default=str), mimetype="application/json")
            else:
                res = Response("not found", status=404)
            return res(environ, start_response)
        return moto_app(environ, start_response)

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    port = server.server_address[1]
    settings_mod.settings().endpoint = f"http://127.0.0.1:{port}"
    history = None
    if args.spark_home and not args.no_history:
        from .history import HistoryServer

        history = HistoryServer(args.spark_home, settings_mod.settings().event_log_dir, workdir / "history-server.log")
        history.start()
        settings_mod.settings().history_url = history.url
    publisher = Publisher()
    publisher.start()

    stopping = threading.Event()

    def shut_down(*_: object) -> None:
        if stopping.is_set():
            return
        stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    info = {"endpoint": settings_mod.settings().endpoint, "port": port, "pid": os.getpid()}
    tmp = workdir / "server.json.tmp"
    tmp.write_text(json.dumps(info))
    tmp.replace(workdir / "server.json")
    print(json.dumps(info), flush=True)
    try:
        server.serve_forever()
    finally:
        publisher.stop_event.set()
        for runtime in list(RUNTIMES.values()):
            runtime.request_termination("USER_REQUEST", "the sandbox is shutting down")
        for runtime in list(RUNTIMES.values()):
            runtime.thread.join(60)
        if history:
            history.stop()
        _forget(workdir / "server.json", os.getpid())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

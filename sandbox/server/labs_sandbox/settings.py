"""What the sandbox server was started with; one instance per process."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional


@dataclass
class Settings:
    workdir: Path
    endpoint: str = ""
    # the launcher command of the contract, without --dir/--configurations
    yarn_cmd: list[str] = field(default_factory=list)
    spark_submit: str = "spark-submit"
    python: str = "python3"
    spark_home: str = ""
    ivy_dir: str = ""
    yarn_start_timeout_s: float = 300.0
    metrics_interval_s: float = 60.0
    tick_s: float = 0.5
    # EMR's minimum idle timeout is 60 s; nothing shorter is accepted here either
    min_idle_timeout_s: int = 60
    history_url: Optional[str] = None

    @property
    def event_log_dir(self) -> Path:
        return self.workdir / "spark-events"


LOCK = threading.RLock()
SETTINGS: Optional[Settings] = None


def settings() -> Settings:
    assert SETTINGS is not None, "labs_sandbox.settings.SETTINGS must be set before the server starts"
    return SETTINGS

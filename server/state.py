"""The run state file ``<workspace>/run/server.json``: the run's configuration (config.RunConfig, with the cookie
secret: mode 0600) and what runs now — the supervisor's pid, HAProxy's pid, each replica's pid and restarts.

``up`` writes the configuration; from then on only the supervisor writes the file (atomically, core/atomic.py),
``status`` and ``down`` read it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from core import atomic
from server.config import RunConfig, run_dir

STATE_FILE = "server.json"


def state_path(workspace: Path) -> Path:
    return run_dir(workspace) / STATE_FILE


@dataclass
class ProcessState:
    """A process the supervisor started: its pid (None while it is not running) and how often it was restarted."""

    pid: int | None = None
    restarts: int = 0
    started_at: str | None = None


@dataclass
class RunState:
    """The configuration of the run and its processes now."""

    config: RunConfig
    supervisor_pid: int | None = None
    haproxy: ProcessState = field(default_factory=ProcessState)
    replicas: dict[str, ProcessState] = field(default_factory=dict)

    def replica(self, name: str) -> ProcessState:
        return self.replicas.setdefault(name, ProcessState())

    def to_dict(self) -> dict:
        return {"config": self.config.to_dict(), "supervisor_pid": self.supervisor_pid,
                "haproxy": vars(self.haproxy), "replicas": {name: vars(p) for name, p in self.replicas.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> RunState:
        return cls(RunConfig.from_dict(data["config"]), data.get("supervisor_pid"), ProcessState(**data.get("haproxy", {})),
                   {name: ProcessState(**p) for name, p in data.get("replicas", {}).items()})

    def save(self) -> Path:
        path = state_path(Path(self.config.workspace))
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)  # the cookie secret: readable by the operator only
        atomic.write_text(path, json.dumps(self.to_dict(), ensure_ascii=False, indent=2))
        os.chmod(path, 0o600)
        return path


def load(workspace: Path) -> RunState | None:
    """The run state of a workspace, or None when no run was started there (or its file is unreadable)."""
    path = state_path(workspace)
    try:
        return RunState.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return None


def forget(workspace: Path) -> None:
    """Remove the state file (after ``down``)."""
    state_path(workspace).unlink(missing_ok=True)

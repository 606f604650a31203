"""The supervisor (``python -m server supervise``, started detached by ``up``): the parent of every replica and of
HAProxy. It starts the replicas on their ports, HAProxy once they answer, and then restarts whichever dies, on the
same port under the same name (so HAProxy's configuration stays valid), counting restarts in the run state file.
SIGTERM (``down``) stops HAProxy and the replicas and ends it.

A replica that dies again within ``FAST_FAILURE`` seconds of its start waits before the next try (1, 2, 4 … at
most ``MAX_BACKOFF`` seconds), so a broken installation does not spin.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path

from core.atomic import write_text
from core.clock import BEIJING
from core.settings import REPO
from server import processes, state
from server.config import START_TIMEOUT, STOP_TIMEOUT, Replica, haproxy_binary
from server.errors import ServerError

FAST_FAILURE = 10.0
MAX_BACKOFF = 30.0
TICK = 0.25


def _now() -> str:
    return datetime.now(BEIJING).isoformat(timespec="seconds")


class _Child:
    """One supervised process: how to start it, its Popen, and when it may be started again."""

    def __init__(self, name: str, command: list[str], env: dict | None, log: Path):
        self.name, self.command, self.env, self.log = name, command, env, log
        self.proc: subprocess.Popen | None = None
        self.started = 0.0
        self.fast_failures = 0
        self.not_before = 0.0

    def start(self) -> int:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.command, cwd=REPO, env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.started = time.monotonic()
        return self.proc.pid

    def ended(self) -> int | None:
        """Its exit code when it was started and has exited (reaped here; the next start is scheduled), else None."""
        if self.proc is None or self.proc.poll() is None:
            return None
        now, code = time.monotonic(), self.proc.returncode
        self.fast_failures = self.fast_failures + 1 if now - self.started < FAST_FAILURE else 0
        self.not_before = now + (min(MAX_BACKOFF, 2 ** (self.fast_failures - 1)) if self.fast_failures else 0)
        self.proc = None
        return code

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Supervisor:
    """Keeps one run's processes up (see the module docstring)."""

    def __init__(self, workspace: Path):
        run = state.load(workspace)
        if run is None:
            raise ServerError(f"找不到运行状态文件 {state.state_path(workspace)}：请用 python -m server up 启动。")
        binary = haproxy_binary()
        if binary is None:
            raise ServerError("未找到 HAProxy：请安装 haproxy（apt-get install haproxy）。")
        self.run = run
        cfg = run.config
        env = cfg.replica_env()
        self.replicas = {r.name: _Child(r.name, cfg.replica_command(r), env, cfg.log_path(r.name)) for r in cfg.replicas}
        self.haproxy = _Child("haproxy", cfg.haproxy_command(binary), None, cfg.log_path("haproxy"))
        self.stopping = threading.Event()

    def _stop(self, *_):
        self.stopping.set()

    def _save(self) -> None:
        self.run.save()

    @staticmethod
    def _say(text: str) -> None:
        """One line in the supervisor's log (<workspace>/run/supervisor.log)."""
        print(f"{_now()} {text}", flush=True)

    def _start_replica(self, replica: Replica) -> None:
        child = self.replicas[replica.name]
        record = self.run.replica(replica.name)
        if record.pid is not None or record.started_at is not None:
            record.restarts += 1
        record.pid = child.start()
        record.started_at = _now()
        self._save()
        self._say(f"应用进程 {replica.name} 已启动（进程 {record.pid}，端口 {replica.port}，第 {record.restarts} 次重启）"
                  if record.restarts else f"应用进程 {replica.name} 已启动（进程 {record.pid}，端口 {replica.port}）")

    def _ready(self) -> bool:
        return all(child.running() for child in self.replicas.values()) and all(
            processes.healthy(r.url, timeout=1.0) for r in self.run.config.replicas)

    def serve(self) -> None:
        """Run until SIGTERM/SIGINT, then stop everything."""
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        cfg = self.run.config
        self.run.supervisor_pid = os.getpid()
        write_text(cfg.haproxy_config_path, cfg.haproxy_config())
        self._save()
        deadline = time.monotonic() + START_TIMEOUT
        try:
            while not self.stopping.is_set():
                self._tick(deadline)
                self.stopping.wait(TICK)
        finally:
            self._shutdown()

    def _tick(self, deadline: float) -> None:
        now = time.monotonic()
        for replica in self.run.config.replicas:
            child = self.replicas[replica.name]
            if (code := child.ended()) is not None:
                record = self.run.replica(replica.name)
                self._say(f"应用进程 {replica.name}（进程 {record.pid}）已退出（退出码 {code}），"
                          f"{max(0.0, child.not_before - now):.0f} 秒后在端口 {replica.port} 重启")
                record.pid = None
                self._save()
            if child.proc is None and now >= child.not_before:
                self._start_replica(replica)
        if (code := self.haproxy.ended()) is not None:
            self._say(f"HAProxy（进程 {self.run.haproxy.pid}）已退出（退出码 {code}），将重启")
            self.run.haproxy.pid = None
            self._save()
        if self.haproxy.proc is None and now >= self.haproxy.not_before and (
                self.run.haproxy.started_at is not None or now > deadline or self._ready()):
            if self.run.haproxy.started_at is not None:
                self.run.haproxy.restarts += 1
            self.run.haproxy.pid = self.haproxy.start()
            self.run.haproxy.started_at = _now()
            self._save()

    def _shutdown(self) -> None:
        """HAProxy first (no new requests), then the replicas: SIGTERM, and SIGKILL for what is left after a while."""
        children = [self.haproxy, *self.replicas.values()]
        for child in children:
            if child.running():
                processes.signal_group(child.proc.pid, signal.SIGTERM)
        end = time.monotonic() + STOP_TIMEOUT / 2
        for child in children:
            if child.proc is None:
                continue
            try:
                child.proc.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                processes.signal_group(child.proc.pid, signal.SIGKILL)
                child.proc.wait()
        self.run.haproxy.pid = None
        for name in self.replicas:
            self.run.replica(name).pid = None
        self.run.supervisor_pid = None
        self._save()


def supervise(workspace: Path) -> None:
    """``python -m server supervise``: keep the run of `workspace` up until told to stop."""
    Supervisor(workspace).serve()

"""The commands: ``up`` (check, write the run state, start the supervisor detached, wait until HAProxy and every
replica answer), ``status`` (what runs now) and ``down`` (the supervisor first, which stops HAProxy and the
replicas; then whatever of the run is left; until every port is closed)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from core import settings
from core.settings import REPO
from server import processes, state
from server.config import REPLICA_HOST, START_TIMEOUT, STOP_TIMEOUT, RunConfig, haproxy_binary, port_free, port_open
from server.errors import ServerError

#: What a run's processes have in their command lines (a pid reused by another program is left alone).
SUPERVISOR_MARK, REPLICA_MARK, HAPROXY_MARK = "server supervise", "streamlit", "haproxy"


def workspace_of(value: str | None) -> Path:
    return Path(value).resolve() if value else settings.current().workspace_dir.resolve()


def _prepare_database(url: str) -> str | None:
    """Open the store once before the replicas do (a wrong URL is said now, its schema is upgraded once) and make
    sure HAProxy (this machine) is a trusted proxy, so that login limits count each browser's X-Forwarded-For
    address rather than the proxy's; what was changed, said in Chinese (None: nothing)."""
    from store import open_store
    from store.accounts import PROXIES_SETTING
    from store.cli import default_user
    from store.webauth import in_networks

    store = open_store(url=url)
    trusted = store.trusted_proxies()
    if in_networks(REPLICA_HOST, trusted):
        return None
    store.put_setting(PROXIES_SETTING, [*trusted, REPLICA_HOST], default_user())
    return f"已将 {REPLICA_HOST}（HAProxy）加入单位设置 {PROXIES_SETTING}：登录次数限制按各浏览器的地址计算（见变更记录）。"


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _check_haproxy_config(binary: Path, cfg: RunConfig) -> None:
    from core.atomic import write_text

    write_text(cfg.haproxy_config_path, cfg.haproxy_config())
    checked = subprocess.run([str(binary), "-c", "-q", "-f", str(cfg.haproxy_config_path)], capture_output=True, text=True)
    if checked.returncode != 0:
        alerts = [line for line in checked.stderr.splitlines() if "ALERT" in line]
        raise ServerError(f"HAProxy 配置检查未通过（{cfg.haproxy_config_path}）：{alerts[0] if alerts else checked.stderr.strip()}",
                          detail=checked.stderr)


def _ready(run: state.RunState | None) -> bool:
    if run is None or not processes.alive(run.haproxy.pid):
        return False
    for replica in run.config.replicas:
        record = run.replicas.get(replica.name)
        if record is None or not processes.alive(record.pid) or not processes.healthy(replica.url, timeout=1.0):
            return False
    return processes.healthy(run.config.local_url, timeout=1.0)


def up(workspace: Path, replicas: int, port: int, address: str, database: str | None,
       timeout: float = START_TIMEOUT) -> tuple[RunConfig, list[str]]:
    """Start a run; its configuration and notes for the operator once HAProxy and every replica answer (ServerError
    otherwise, nothing left running)."""
    binary = haproxy_binary()
    if binary is None:
        raise ServerError("未找到 HAProxy：请先安装（apt-get install haproxy）。")
    if replicas < 1:
        raise ServerError(f"应用进程数须至少为 1（--replicas {replicas}）。")
    database = (settings.current().database_url if database is None else database).strip()
    if replicas > 1 and not database:
        raise ServerError("多个应用进程须共用一个 PostGIS 数据库：请用 --database 或环境变量 CHAOHU_DATABASE_URL 指定。")
    existing = state.load(workspace)
    if existing is not None and processes.runs(existing.supervisor_pid, SUPERVISOR_MARK):
        raise ServerError(f"此工作空间已有服务在运行（{existing.config.url}）：先用 python -m server down 停止。")
    if not port_free(port, address):
        raise ServerError(f"端口 {port} 已被占用：请换一个端口（--port）。")
    notes = [note] if database and (note := _prepare_database(database)) else []
    cfg = RunConfig.new(workspace, database, address, port, replicas)
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    _check_haproxy_config(binary, cfg)
    state.RunState(cfg).save()
    log = cfg.log_path("supervisor")
    with open(log, "ab") as out:
        supervisor = subprocess.Popen([sys.executable, "-m", "server", "supervise", "--workspace", str(cfg.workspace)],
                                      cwd=REPO, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while not _ready(state.load(workspace)):
            if supervisor.poll() is not None:
                raise ServerError(f"服务未能启动（见日志 {log}）。", detail=_tail(log))
            if time.monotonic() > deadline:
                raise ServerError(f"服务在 {timeout:.0f} 秒内未就绪，已停止（见 {cfg.run_dir} 下的日志）。")
            try:
                supervisor.wait(timeout=0.3)
            except subprocess.TimeoutExpired:
                pass
    except BaseException:  # a failure or Ctrl-C while starting: nothing is left running
        down(workspace)
        raise
    return cfg, notes


def status(workspace: Path) -> dict:
    """What runs now, as data: the URL, the supervisor, HAProxy and each replica (pid, port, alive, healthy, restarts)."""
    run = state.load(workspace)
    if run is None:
        return {"running": False, "url": None, "workspace": str(workspace), "supervisor": None, "haproxy": None, "replicas": []}
    cfg = run.config
    replicas = []
    for replica in cfg.replicas:
        record = run.replicas.get(replica.name, state.ProcessState())
        replicas.append({"name": replica.name, "pid": record.pid, "port": replica.port,
                         "alive": processes.runs(record.pid, REPLICA_MARK), "healthy": processes.healthy(replica.url),
                         "restarts": record.restarts, "started_at": record.started_at})
    haproxy = {"pid": run.haproxy.pid, "port": cfg.port, "address": cfg.address, "alive": processes.runs(run.haproxy.pid, HAPROXY_MARK),
               "healthy": processes.healthy(cfg.local_url), "restarts": run.haproxy.restarts}
    supervisor = {"pid": run.supervisor_pid, "alive": processes.runs(run.supervisor_pid, SUPERVISOR_MARK),
                  "log": str(cfg.log_path("supervisor"))}
    return {"running": supervisor["alive"], "url": cfg.url, "workspace": cfg.workspace, "supervisor": supervisor,
            "haproxy": haproxy, "replicas": replicas}


def down(workspace: Path) -> list[int]:
    """Stop the run of `workspace`: the supervisor (which stops the rest), then anything of it still running; wait
    until its ports are closed. The ports it stopped (empty when nothing ran)."""
    run = state.load(workspace)
    if run is None:
        return []
    cfg = run.config
    if processes.runs(run.supervisor_pid, SUPERVISOR_MARK):
        processes.signal_group(run.supervisor_pid, signal.SIGTERM)
        processes.wait_gone([run.supervisor_pid], STOP_TIMEOUT)
        run = state.load(workspace) or run
    left = [p for p, mark in [(run.haproxy.pid, HAPROXY_MARK), *((r.pid, REPLICA_MARK) for r in run.replicas.values()),
                              (run.supervisor_pid, SUPERVISOR_MARK)] if processes.runs(p, mark)]
    for pid in left:
        processes.signal_group(pid, signal.SIGTERM)
    for pid in processes.wait_gone(left, STOP_TIMEOUT / 2):
        processes.signal_group(pid, signal.SIGKILL)
    local = cfg.local_url.rsplit(":", 1)[0].removeprefix("http://")
    ports = [(cfg.port, local), *((r.port, REPLICA_HOST) for r in cfg.replicas)]
    deadline = time.monotonic() + STOP_TIMEOUT
    while open_ports := [p for p, host in ports if port_open(p, host)]:
        if time.monotonic() > deadline:
            raise ServerError(f"端口 {'、'.join(map(str, open_ports))} 仍在使用：请检查 {cfg.run_dir} 下的日志。")
        time.sleep(0.1)
    state.forget(workspace)
    return [p for p, _ in ports]

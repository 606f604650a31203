"""What one office run is made of, in one place: the public address and port, the replicas' local ports, the cookie
secret they share, each replica's command and environment, HAProxy's command and configuration, and where the run
keeps its files (``<workspace>/run/``).

The secret is made once by ``up`` (``new_cookie_secret``) and kept in the run state file (mode 0600), so a replica
the supervisor restarts signs and checks Streamlit's cookies exactly as its siblings do; it reaches Streamlit as the
environment variable ``STREAMLIT_SERVER_COOKIE_SECRET`` (``server.cookieSecret``), never on a command line.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core import templates
from core.settings import REPO

#: Debian's haproxy (the package `haproxy`); another one on PATH otherwise.
HAPROXY = Path("/usr/sbin/haproxy")
#: Streamlit reads ``server.cookieSecret`` from this variable.
COOKIE_SECRET_ENV = "STREAMLIT_SERVER_COOKIE_SECRET"
#: The environment variables of ours a replica is given (core/settings.py reads them).
WORKSPACE_ENV, DATABASE_ENV = "CHAOHU_WORKSPACE", "CHAOHU_DATABASE_URL"
#: Streamlit's health endpoint: HAProxy's checks, ``up`` and ``status`` ask it.
HEALTH_PATH = "/_stcore/health"
#: HAProxy's stickiness cookie: which replica a browser stays with.
STICKY_COOKIE = "SERVERID"
#: Replicas listen on this machine only; HAProxy is the one way in.
REPLICA_HOST = "127.0.0.1"
#: The defaults of ``up``.
DEFAULT_ADDRESS = "0.0.0.0"
DEFAULT_REPLICAS = 2
#: Seconds ``up`` waits for every process to answer, and ``down`` for every port to close.
START_TIMEOUT = 240.0
STOP_TIMEOUT = 60.0


def free_port(host: str = REPLICA_HOST) -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = REPLICA_HOST) -> bool:
    """Whether something accepts connections on the port."""
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def port_free(port: int, address: str) -> bool:
    """Whether HAProxy could bind the port on the address."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((address, port))
        except OSError:
            return False
    return True


def new_cookie_secret() -> str:
    """A fresh secret for ``server.cookieSecret`` (made once per run)."""
    return secrets.token_urlsafe(32)


def haproxy_binary() -> Path | None:
    """The haproxy program, or None when it is not installed."""
    if HAPROXY.is_file() and os.access(HAPROXY, os.X_OK):
        return HAPROXY
    found = shutil.which("haproxy")
    return Path(found) if found else None


@dataclass(frozen=True)
class Replica:
    """One Streamlit process: its HAProxy name (also its SERVERID cookie value) and its local port, kept for the run."""

    name: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{REPLICA_HOST}:{self.port}"


@dataclass(frozen=True)
class RunConfig:
    """One run: where it listens, what it serves from, the shared secret and the replicas' ports."""

    workspace: str
    database_url: str
    address: str
    port: int
    cookie_secret: str
    replicas: tuple[Replica, ...] = field(default_factory=tuple)

    @classmethod
    def new(cls, workspace: Path, database_url: str, address: str, port: int, count: int) -> RunConfig:
        """A run with a new secret and `count` replicas on free local ports."""
        ports: list[int] = []
        while len(ports) < count:
            candidate = free_port()
            if candidate != port and candidate not in ports:
                ports.append(candidate)
        return cls(str(Path(workspace).resolve()), database_url, address, port, new_cookie_secret(),
                   tuple(Replica(f"r{i + 1}", p) for i, p in enumerate(ports)))

    @classmethod
    def from_dict(cls, data: dict) -> RunConfig:
        data = dict(data)
        data["replicas"] = tuple(Replica(**r) for r in data.get("replicas", ()))
        return cls(**data)

    def to_dict(self) -> dict:
        return asdict(self)

    # where the run keeps its files
    @property
    def run_dir(self) -> Path:
        return run_dir(Path(self.workspace))

    def log_path(self, who: str) -> Path:
        """The log of the supervisor, haproxy or a replica (by name)."""
        return self.run_dir / f"{who}.log"

    @property
    def haproxy_config_path(self) -> Path:
        return self.run_dir / "haproxy.cfg"

    @property
    def url(self) -> str:
        """The address planners open (this machine's name when HAProxy listens on every interface)."""
        host = socket.gethostname() if self.address in ("0.0.0.0", "::", "") else self.address
        return f"http://{host}:{self.port}"

    @property
    def local_url(self) -> str:
        """The same service as seen from this machine (health checks)."""
        host = REPLICA_HOST if self.address in ("0.0.0.0", "::", "") else self.address
        return f"http://{host}:{self.port}"

    # what runs
    def replica_env(self, base: dict | None = None) -> dict:
        """A replica's environment: ours (`base`, the supervisor's) plus the workspace, the database and the secret."""
        env = dict(os.environ if base is None else base)
        env[WORKSPACE_ENV] = self.workspace
        env[DATABASE_ENV] = self.database_url
        env[COOKIE_SECRET_ENV] = self.cookie_secret
        return env

    def replica_command(self, replica: Replica) -> list[str]:
        """``streamlit run streamlit_app.py`` on the replica's port (run from the repository: .streamlit/config.toml)."""
        return [sys.executable, "-m", "streamlit", "run", str(REPO / "streamlit_app.py"),
                "--server.port", str(replica.port), "--server.address", REPLICA_HOST, "--server.headless", "true"]

    def haproxy_command(self, binary: Path) -> list[str]:
        """HAProxy in the foreground (the supervisor is its parent), on the written configuration."""
        return [str(binary), "-db", "-f", str(self.haproxy_config_path)]

    def haproxy_config(self) -> str:
        """HAProxy's configuration (server/templates/haproxy.cfg.j2)."""
        return templates.render("server", "haproxy.cfg.j2", address=self.address, port=self.port,
                                replicas=self.replicas, host=REPLICA_HOST, health=HEALTH_PATH, cookie=STICKY_COOKIE) + "\n"


def run_dir(workspace: Path) -> Path:
    """Where a workspace's run keeps its state, configuration and logs."""
    return Path(workspace).resolve() / "run"


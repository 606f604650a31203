"""A throwaway PostgreSQL + PostGIS cluster for tests and store benchmarks: initdb/pg_ctl in a temporary folder.

Runs as the `postgres` user when we are root (PostgreSQL refuses to run as root), listens on a free port on
127.0.0.1 only, and is stopped and deleted by ``stop()``. ``stop_immediate()``/``start()`` simulate a crash
and a restart of the office's database server.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("CHAOHU_PG_BIN", "/usr/lib/postgresql/15/bin"))
DATABASE = "chaohu"
#: An empty database with PostGIS that new databases are copied from (fast: no CREATE EXTENSION each time).
TEMPLATE = "chaohu_template"


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    """One PostgreSQL cluster in a temporary folder (see the module docstring)."""

    def __init__(self):
        missing = [b for b in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / b).exists()]
        assert not missing, f"PostgreSQL is missing ({PG_BIN}): run scripts/test.sh, which installs postgresql and postgis"
        self.as_user = "postgres" if os.geteuid() == 0 else None
        self.root = Path(tempfile.mkdtemp(prefix="chaohu-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.log = self.root / "server.log"
        if self.as_user:
            pw = pwd.getpwnam(self.as_user)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self._run([PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                   "--locale=C.UTF-8", "--no-sync"])
        self.start()
        self.psql("postgres", f"CREATE DATABASE {TEMPLATE}")
        self.psql(TEMPLATE, "CREATE EXTENSION postgis")
        self.psql("postgres", f"CREATE DATABASE {DATABASE} TEMPLATE {TEMPLATE}")
        self._databases = 0

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the test database."""
        return self.url_of(DATABASE)

    def url_of(self, database: str) -> str:
        """SQLAlchemy URL of one database of this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh empty database with PostGIS; its URL."""
        self._databases += 1
        name = f"t{self._databases}_{os.getpid()}"
        self.psql("postgres", f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url_of(name)

    def _run(self, args, check=True, timeout=120) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--"] + cmd
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=timeout, cwd=self.root)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
                f"-c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB")
        self._run([PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "-t", "60", "start"])

    def stop_immediate(self) -> None:
        """Stop as a crash would (`pg_ctl stop -m immediate`): connections cut, no clean shutdown."""
        self._run([PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"])

    def psql(self, database: str, sql: str) -> str:
        """Run SQL with psql; its output."""
        return self._run([PG_BIN / "psql", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "-d", database,
                          "-v", "ON_ERROR_STOP=1", "-At", "-c", sql]).stdout

    def stop(self) -> None:
        """Stop the server and delete the cluster."""
        self._run([PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"], check=False)
        deadline = time.monotonic() + 10
        while (self.data / "postmaster.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)

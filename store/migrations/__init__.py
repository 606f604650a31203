"""The store's schema version: Alembic revisions in ``versions/``, applied whenever a store is opened.

``upgrade(conn)`` brings the store on `conn` to the newest revision inside the caller's transaction (the engines
hold their writer lock around it) and says what it found and left. A store made before migrations (our tables, no
``alembic_version``) is brought to the baseline without losing a row (the baseline creates only what is missing)
and stamped. When the store is already current this is one SELECT: the newest revision is read from the scripts
once per process. Configured in code, no alembic.ini; a developer adds a revision with
``alembic -c store/migrations/alembic.ini -x url=… revision --autogenerate -m "…"`` against a scratch store.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from store import schema as t

FOLDER = Path(__file__).resolve().parent
#: The revision standing for the schema before migrations.
BASELINE = "0001"
log = logging.getLogger("chaohu.store.migrations")


@dataclass(frozen=True)
class SchemaVersion:
    """What opening a store found and left: the revision before (None: no version yet) and after, and whether the
    store was made before migrations."""

    before: str | None
    after: str
    legacy: bool = False

    @property
    def changed(self) -> bool:
        return self.before != self.after


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic compares and migrates the store's own tables only: not a GeoPackage's gpkg_* tables, PostGIS's
    spatial_ref_sys or the per-layer data tables l_<hex>."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is None or table.name in t.METADATA.tables


def config(connection=None) -> Config:
    """Alembic's configuration in code: the scripts here, run on `connection`."""
    cfg = Config()
    cfg.set_main_option("script_location", str(FOLDER))
    cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def head() -> str:
    """The newest revision (read from the scripts once per process)."""
    return ScriptDirectory.from_config(config()).get_current_head()


def current(conn) -> str | None:
    """The revision the store on `conn` carries; None before its first migration."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn) -> SchemaVersion:
    """Bring the store on `conn` (in a transaction, writers locked out) to the newest revision."""
    before = current(conn)
    if before == head():
        return SchemaVersion(before, before)
    legacy = before is None and any(inspect(conn).has_table(table) for table in t.METADATA.tables)
    command.upgrade(config(conn), "head")
    after = current(conn)
    log.info("store schema %s → %s%s", before, after, " (made before migrations)" if legacy else "")
    return SchemaVersion(before, after, legacy)

"""The embedded engine: the store inside the workspace GeoPackage (no set-up; a laptop in a meeting room).

Writers take the workspace file lock (``<gpkg>.lock``), so choosing a name and writing a layer cannot race.
A layer's data go in place into a new feature table ``l_<hex>`` (``gpkgdata.py``), in the SAME SQLite
transaction as its registry row and change-log row. The file is in WAL mode: readers never wait for a writer,
and a writer killed at any moment leaves the last committed state. Only the store's SQLite touches the file
once it exists (see gpkgdata.py for why not GDAL). Layers written by the old workspace code are adopted on opening.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import threading
import warnings
from datetime import timedelta
from pathlib import Path

import geopandas as gpd
import pyogrio
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlalchemy.pool import NullPool

from geo.crs import STORAGE
from store import migrations
from store import schema as t
from store.base import Store, geometry_kind, utcnow
from store.errors import StoreUnavailable
from store.gpkgdata import read_table, table_fields, write_table

#: Layers the old workspace code wrote are recorded as added by this user when adopted.
LEGACY_USER = "（旧版工作空间）"
BUSY_TIMEOUT_MS = 60_000


def _connect_pragmas(dbapi_connection, _record) -> None:
    """Let SQLAlchemy, not the sqlite3 module, begin transactions (so SELECTs are inside them); wait on locks."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # persistent in the file; GDAL's connections use it too
    cursor.close()


def _begin(conn) -> None:
    conn.exec_driver_sql("BEGIN")


class GpkgStore(Store):
    """The store in one GeoPackage file (see the module docstring)."""

    kind = "gpkg"

    def __init__(self, path: str | Path, clock=utcnow):
        self.path = Path(path)
        self.where = f"工作空间文件 {self.path}"
        self._local = threading.local()
        engine = create_engine(f"sqlite:///{self.path}", poolclass=NullPool)
        event.listen(engine, "connect", _connect_pragmas)
        event.listen(engine, "begin", _begin)
        super().__init__(engine, clock)
        with self.guard(), self._write_lock():
            self._initialise()

    # ------------------------------------------------------------ lock and errors

    @contextlib.contextmanager
    def _write_lock(self):
        """The workspace file lock (re-entrant within a thread; other threads and processes wait)."""
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth -= 1
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            self._local.depth = 1
            try:
                yield
            finally:
                self._local.depth = 0
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        return StoreUnavailable(f"工作空间文件暂时不可用（{self.path.name}），本次操作没有写入任何内容，请稍后重试。",
                                detail=str(exc))

    @contextlib.contextmanager
    def guard(self):
        """As Store.guard, plus an unreadable (damaged) file and GDAL's errors when creating it."""
        try:
            with super().guard():
                yield
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
            raise self._unavailable(exc) from exc
        except DatabaseError as exc:  # not a lost connection: the file itself cannot be read
            if isinstance(exc, IntegrityError):  # a constraint, handled by the caller
                raise
            raise StoreUnavailable(f"工作空间文件无法读取（{self.path.name}，可能已损坏），请联系管理员从备份恢复。",
                                   detail=str(exc)) from exc

    # ------------------------------------------------------------ the file

    def _initialise(self) -> None:
        """Create the GeoPackage (via GDAL, so it is a valid one), our tables at the newest schema version (a file
        from before migrations is upgraded in place); WAL mode; adopt old layers."""
        if not self.path.exists() or self.path.stat().st_size == 0:  # GDAL writes a valid empty GeoPackage, once
            empty = gpd.GeoDataFrame({"x": []}, geometry=gpd.GeoSeries([], crs=STORAGE))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pyogrio.write_dataframe(empty, self.path, layer="chaohu_init", driver="GPKG", geometry_type="Unknown")
            with self.engine.begin() as conn:
                self._drop_data(conn, "chaohu_init")
        with self.engine.begin() as conn:  # under the file lock: one process upgrades, the others find it done
            self.schema_version = migrations.upgrade(conn)
        self._adopt_legacy()

    def _feature_tables(self, conn) -> list[str]:
        return [r[0] for r in conn.execute(text("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'"))]

    def _adopt_legacy(self) -> None:
        """Register the layers an old workspace GeoPackage holds (named by their display names) as they are."""
        with self.engine.begin() as conn:
            registered = {r[0].lower() for r in conn.execute(select(t.layers.c.table_name))}
            legacy = [n for n in self._feature_tables(conn)
                      if n.lower() not in registered and not n.startswith(t.LAYER_TABLE_PREFIX)]
        for table in legacy:
            with self.transaction(LEGACY_USER, "layer", "layer.add", table) as change:
                fields, count = table_fields(change.conn, table)
                now = self.clock()
                self._claim_name(change.conn, table, dict(
                    table_name=table, columns=json.dumps([[f, f] for f in fields], ensure_ascii=False),
                    features=count, geometry_type=geometry_kind(read_table(change.conn, table)), source="旧版工作空间",
                    added_by=LEGACY_USER, added_at=now, updated_by=LEGACY_USER, updated_at=now))
                change.summary = f"登记旧版工作空间中的图层「{table}」，{count} 个要素"

    # ------------------------------------------------------------ layer data

    def _data_in(self, conn, table: str, stored: gpd.GeoDataFrame) -> None:
        write_table(conn, table, stored)

    def _drop_data(self, conn, table: str) -> None:
        """Drop a GeoPackage feature table and everything the GeoPackage keeps about it (spatial index, metadata)."""
        q = conn.dialect.identifier_preparer.quote
        names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
        for rtree in (n for n in names if n.lower().startswith(f"rtree_{table.lower()}_") and not n.endswith(("_node", "_parent", "_rowid"))):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {q(rtree)}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {q(table)}")
        for meta in ("gpkg_geometry_columns", "gpkg_extensions", "gpkg_ogr_contents", "gpkg_contents"):
            if meta in names:
                conn.execute(text(f"DELETE FROM {meta} WHERE lower(table_name) = lower(:t)"), {"t": table})

    def _read_data(self, table: str) -> gpd.GeoDataFrame:
        with self.engine.connect() as conn:
            return read_table(conn, table)

    # ------------------------------------------------------------ leftovers

    def cleanup(self, upload_age: timedelta = timedelta(hours=1)) -> dict:
        """Also: data tables whose registry row never committed (a killed writer), and the old code's temp copies."""
        folder = self.path.parent
        stale = [p for pattern in (f".{self.path.stem}.*.tmp.gpkg*", "*.tmp.gpkg-journal", "*.tmp.gpkg-wal", "*.tmp.gpkg-shm")
                 for p in folder.glob(pattern)]
        with self.guard(), self._write_lock():
            for p in stale:
                p.unlink(missing_ok=True)
            with self.engine.begin() as conn:
                registered = {r[0] for r in conn.execute(select(t.layers.c.table_name))}
                orphans = [n for n in self._feature_tables(conn) if n.startswith(t.LAYER_TABLE_PREFIX) and n not in registered]
                for table in orphans:
                    self._drop_data(conn, table)
        out = super().cleanup(upload_age)
        out.update(temp_files=len(stale), orphan_tables=len(orphans))
        return out


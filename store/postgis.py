"""The office engine: the store in PostgreSQL + PostGIS, used when ``CHAOHU_DATABASE_URL`` is set.

A layer's data (GeoPandas ``to_postgis``, COPY) and its registry and change-log rows are written in ONE
transaction, so a lost connection or a stopped server leaves nothing half-written; the unique index on the
display name decides races between concurrent adds and renames.
"""

from __future__ import annotations

import geopandas as gpd
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from geo.crs import STORAGE
from store import migrations
from store import schema as t
from store.base import Store, utcnow
from store.errors import StoreError, StoreUnavailable

#: Serialises creating and upgrading the tables when several app processes start at once.
SCHEMA_LOCK_KEY = 0x6368616F6875  # "chaohu"
CONNECT_TIMEOUT_S = 5


def database_url(url: str) -> str:
    """The SQLAlchemy URL with the psycopg (v3) driver: postgresql://… and postgres://… are accepted too."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: e.g. a port that is not a number
        raise StoreError(f"数据库地址格式不正确：{url}（应为 postgresql+psycopg://用户:密码@主机:端口/库名）") from None
    if parsed.get_backend_name() not in ("postgresql", "postgres"):
        raise StoreError(f"共享数据库须为 PostgreSQL（PostGIS），不支持「{parsed.get_backend_name()}」。")
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


class PostgisStore(Store):
    """The store in a PostGIS database (see the module docstring)."""

    kind = "postgis"

    def __init__(self, url: str, clock=utcnow):
        url = database_url(url)
        shown = make_url(url)
        self.where = f"数据库 {shown.host or 'localhost'}:{shown.port or 5432}/{shown.database}"
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                               connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
        super().__init__(engine, clock)
        with self.guard():
            self._initialise()

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        return StoreUnavailable(f"数据库不可用（{self.where}），本次操作没有写入任何内容，请稍后重试；"
                                "如持续出现，请联系管理员检查数据库服务。", detail=str(exc).splitlines()[0] if str(exc) else "")

    def _initialise(self) -> None:
        """PostGIS and our tables at the newest schema version, created or upgraded once even when several
        processes start together."""
        with self.engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK_KEY})
            if conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first() is None:
                try:
                    with conn.begin_nested():
                        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
                except Exception as exc:
                    raise StoreError("数据库中没有 PostGIS 扩展，且当前用户无权创建。请管理员在该库中执行 "
                                     "CREATE EXTENSION postgis;", detail=str(exc)) from None
            self.schema_version = migrations.upgrade(conn)

    def _quoted(self, conn, table: str) -> str:
        return conn.dialect.identifier_preparer.quote(table)

    def _data_in(self, conn, table: str, stored: gpd.GeoDataFrame) -> None:
        stored.to_postgis(table, conn, if_exists="fail", index=False)

    def _drop_data(self, conn, table: str) -> None:
        conn.execute(text(f"DROP TABLE IF EXISTS {self._quoted(conn, table)}"))

    def _read_data(self, table: str) -> gpd.GeoDataFrame:
        with self.engine.connect() as conn:
            query = f"SELECT * FROM {self._quoted(conn, table)} ORDER BY fid"
            gdf = gpd.read_postgis(text(query), conn, geom_col="geom")
        return gdf.set_crs(STORAGE) if gdf.crs is None else gdf

    def _after_copy(self, conn) -> None:
        for table in (t.layers, t.changes, t.progress, t.progress_evidence, t.corrections, t.reminders):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                              f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table.name}), 1))"))

    def data_tables(self) -> list[str]:
        """The layer data tables in the database (for checks: each is registered)."""
        with self.reading() as conn:
            return [r[0] for r in conn.execute(select(text("tablename")).select_from(text("pg_tables"))
                                               .where(text("tablename LIKE 'l\\_%'")))]

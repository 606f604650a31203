"""The store's schema carries an Alembic version: a new store is at the newest revision, a store made before
migrations is brought to it with every row kept, the declared tables and the revisions agree, and
`python -m store upgrade` says in Chinese which version a store is at (on both engines)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from shapely.geometry import Point
from sqlalchemy import text

from store import migrations
from store import schema as t
from store.__main__ import main


def reopened(store):
    """A new object on the same GeoPackage file or PostGIS database (as another process would open it)."""
    where = store.path if store.kind == "gpkg" else store.engine.url.render_as_string(hide_password=False)
    return type(store)(where)


def database_argument(store) -> str:
    return str(store.path) if store.kind == "gpkg" else store.engine.url.render_as_string(hide_password=False)


@pytest.mark.filterwarnings("ignore:.*expression-based index")  # SQLite's lower(name) index cannot be compared
def test_a_new_store_is_at_the_newest_revision_and_matches_the_declared_tables(store):
    assert store.schema_version == migrations.SchemaVersion(None, migrations.head())
    with store.engine.connect() as conn:
        assert migrations.current(conn) == migrations.head()
        context = MigrationContext.configure(conn, opts={"include_object": migrations.include_object, "compare_type": False})
        assert compare_metadata(context, t.METADATA) == []  # a change to store/schema.py needs its revision
    again = reopened(store)
    try:
        assert again.schema_version == migrations.SchemaVersion(migrations.head(), migrations.head())
    finally:
        again.engine.dispose()


def test_a_store_made_before_migrations_is_stamped_and_keeps_its_data(store, cli):
    gdf = gpd.GeoDataFrame({"名称": ["甲厂", "乙厂"]}, geometry=[Point(117.8, 31.6), Point(117.7, 31.5)], crs="EPSG:4490")
    store.add_layer("企业", gdf, "张三")
    store.add_account("admin", "correct horse", "管理", "命令行")
    store.put_setting("plan_start_year", 2023, "管理员")
    with store.engine.begin() as conn:  # what the code before migrations left: our tables, no version, (an older
        conn.execute(text("DROP TABLE alembic_version"))  # one) without the corrections table
        conn.execute(text("DROP TABLE chaohu_corrections"))
    store.engine.dispose()

    done = cli(main, "upgrade", "--database", database_argument(store))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(f"已为旧版存储登记结构版本并升级到 {migrations.head()}，原有数据保留")

    old = reopened(store)
    try:
        assert old.schema_version == migrations.SchemaVersion(migrations.head(), migrations.head())
        assert old.layer_names() == ["企业"] and old.read_layer("企业")["名称"].tolist() == ["甲厂", "乙厂"]
        assert old.login("admin", "correct horse").account == "admin"
        assert old.settings() == {"plan_start_year": 2023}
        assert [c.action for c in old.changes()][-1] == "layer.add"
        assert old.correction_entries() == []  # the missing table was made
    finally:
        old.engine.dispose()


def test_upgrade_command_says_the_version_in_chinese(store, cli):
    where = database_argument(store)
    done = cli(main, "upgrade", "--database", where)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.strip() == f"存储结构已是最新版本 {migrations.head()}（{store.describe()}）。"
    env = {"CHAOHU_DATABASE_URL": where} if store.kind == "postgis" else {"CHAOHU_WORKSPACE_GPKG": where}
    assert cli(main, "upgrade", env=env).stdout == done.stdout  # the settings' store by default


@pytest.mark.parametrize("database, words", [
    ("mysql://x@y/z", "须为 PostgreSQL"),
    ("postgresql://::::/", "数据库地址格式不正确"),
    ("/nowhere/workspace.gpkg", "找不到工作空间文件"),
])
def test_a_bad_database_is_one_chinese_line_and_exit_2(cli, database, words):
    done = cli(main, "upgrade", "--database", database)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and done.stdout == ""
    assert len(lines) == 1 and lines[0].startswith("错误：") and words in lines[0] and "Traceback" not in done.stderr

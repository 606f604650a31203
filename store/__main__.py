"""`python -m store upgrade [--database URL]`: bring the store's schema to the newest version and say which it is.

The store the settings name (PostGIS when CHAOHU_DATABASE_URL is set, else the workspace GeoPackage), or the one
``--database`` names (a postgresql://… URL or a .gpkg file). Opening a store upgrades it anyway (the app does so
at start); this command does it on purpose, e.g. right after installing a new version, and reports it. Bad input
or any failure is one Chinese line on stderr and exit code 2 (core/cli.py).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from core.cli import Parser, dispatch
from store.errors import StoreError


def upgrade_store(target: str | None):
    """A fresh store object on `target` (else the settings' store), upgraded as it opens; the store."""
    from core import settings

    if target is None:
        current = settings.current()
        target = current.database_url or str(current.workspace_gpkg)
    if "://" in target:
        from store.postgis import PostgisStore

        return PostgisStore(target)
    if not Path(target).is_file():
        raise StoreError(f"找不到工作空间文件「{target}」（--database 应为 postgresql+psycopg://用户:密码@主机:端口/库名 "
                         "或已有的 .gpkg 文件）。")
    from store.gpkg import GpkgStore

    return GpkgStore(target)


def upgrade_command(args) -> int:
    """`upgrade`: what the store carried and carries now, in Chinese."""
    store = upgrade_store(args.database)
    try:
        version = store.schema_version
        if not version.changed:
            print(f"存储结构已是最新版本 {version.after}（{store.describe()}）。")
        elif version.legacy:
            print(f"已为旧版存储登记结构版本并升级到 {version.after}，原有数据保留（{store.describe()}）。")
        else:
            print(f"存储结构已从 {version.before or '空库'} 升级到 {version.after}（{store.describe()}）。")
    finally:
        store.engine.dispose()
    return 0


def parser() -> Parser:
    """`upgrade [--database URL]`."""
    p = Parser(prog="python -m store", description="共享存储（工作空间 GeoPackage 或 PostGIS 数据库）的维护。")
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upgrade", help="把存储结构升级到最新版本（打开存储时也会自动升级）")
    up.set_defaults(func=upgrade_command)
    up.add_argument("--database", help="postgresql+psycopg://用户:密码@主机:端口/库名 或 .gpkg 文件（默认：当前设置的存储）")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit 0, or 2 with one Chinese line on stderr."""
    return dispatch(parser(), argv)


if __name__ == "__main__":
    sys.exit(main())

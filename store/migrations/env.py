"""Alembic's environment for the store: run on the connection ``store.migrations.upgrade`` hands over (configured in
code, no alembic.ini), or on ``sqlalchemy.url`` when a developer runs alembic itself (e.g. ``revision --autogenerate``).

Only the store's own tables (``store.schema.METADATA``) are compared: a GeoPackage's gpkg_* tables, PostGIS's
spatial_ref_sys and the per-layer data tables l_<hex> are not the schema's business. SQLite cannot ALTER most
things, so its migrations run in batch mode (copy, change, rename).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from store import schema as t
from store.migrations import include_object

def run_on(connection) -> None:
    """Run the pending revisions on `connection` (inside its transaction)."""
    context.configure(connection=connection, target_metadata=t.METADATA, include_object=include_object,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("store migrations run on a live store only (python -m store upgrade)")
connection = context.config.attributes.get("connection")
if connection is None:
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
    with create_engine(url).begin() as own:
        run_on(own)
else:
    run_on(connection)

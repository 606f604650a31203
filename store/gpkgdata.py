"""A layer's features as a GeoPackage feature table, written and read through the store's own SQLite connection.

Why not GDAL here: pyogrio's GDAL carries its own copy of SQLite. Two SQLite libraries on one file in one
process break each other's POSIX locks (sqlite.org/howtocorrupt.html §2.2.1) — under load that corrupted the
workspace. Going through one library also puts data, registry row and change-log row in ONE transaction.
The table follows the GeoPackage 1.4 encoding (``gpkg_contents``, ``gpkg_geometry_columns``, "GP" geometry
blobs holding ISO WKB), so GDAL and QGIS still read the file.
"""

from __future__ import annotations

import struct

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from sqlalchemy import Boolean, Column, DateTime, Float, Integer, MetaData, Table, Text, text
from sqlalchemy.types import UserDefinedType

from geo.crs import STORAGE

SRS_ID = 4490
#: Bytes of the envelope after the 8-byte header, by the envelope indicator in the flags (GeoPackage 2.1.3).
_ENVELOPE = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_BATCH = 20_000
#: How SQLAlchemy's SQLite dialect stores a DATETIME (rows go to the driver directly, so this is done here).
_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


class GpkgGeometry(UserDefinedType):
    """The geometry column type a GeoPackage declares (values are GeoPackage binary blobs)."""

    cache_ok = True

    def get_col_spec(self, **_kw) -> str:
        return "GEOMETRY"


def encode(geoms: np.ndarray) -> list[bytes | None]:
    """GeoPackage binary for each geometry: header, SRS id, xy envelope (none for empty), little-endian ISO WKB."""
    wkbs = shapely.to_wkb(geoms, byte_order=1, flavor="iso")
    bounds = shapely.bounds(geoms)
    empty = shapely.is_empty(geoms)
    out = []
    for wkb, (minx, miny, maxx, maxy), is_empty in zip(wkbs, bounds, empty):
        if wkb is None:
            out.append(None)
        elif is_empty:
            out.append(struct.pack("<2sBBi", b"GP", 0, 0x01 | 0x10, SRS_ID) + wkb)
        else:
            out.append(struct.pack("<2sBBi4d", b"GP", 0, 0x03, SRS_ID, minx, maxx, miny, maxy) + wkb)
    return out


def decode(blobs) -> np.ndarray:
    """Shapely geometries from GeoPackage binary blobs (None stays None)."""
    wkbs = []
    for blob in blobs:
        if blob is None:
            wkbs.append(None)
            continue
        blob = bytes(blob)
        if blob[:2] != b"GP":
            raise ValueError("not a GeoPackage geometry")
        wkbs.append(blob[8 + _ENVELOPE[(blob[3] >> 1) & 0x07]:])
    return shapely.from_wkb(np.array(wkbs, dtype=object))


def _sql_type(series: pd.Series):
    """The column type a value series is stored as."""
    if pd.api.types.is_bool_dtype(series):
        return Boolean()
    if pd.api.types.is_integer_dtype(series):
        return Integer()
    if pd.api.types.is_float_dtype(series):
        return Float()
    if pd.api.types.is_datetime64_any_dtype(series):
        return DateTime()
    return Text()


def _python(values: pd.Series) -> list:
    """Plain Python values for the driver, missing as None."""
    if pd.api.types.is_datetime64_any_dtype(values):
        values = values.dt.tz_convert("UTC").dt.tz_localize(None) if values.dt.tz is not None else values
        return [None if pd.isna(v) else v.to_pydatetime().strftime(_DATETIME) for v in values]
    if values.dtype != object:  # typed columns: pandas gives Python values, missing ones become None
        return values.astype(object).where(values.notna(), None).tolist()
    arr = values.to_numpy()
    return [None if (v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA) else
            (v.item() if isinstance(v, np.generic) else v) for v in arr]


def ensure_srs(conn) -> None:
    """Register EPSG:4490 (CGCS2000) in gpkg_spatial_ref_sys when the file does not have it yet."""
    if conn.execute(text("SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id = :s"), {"s": SRS_ID}).first() is None:
        crs = CRS.from_user_input(STORAGE)
        conn.execute(text("INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, "
                          "definition, description) VALUES (:n, :s, 'EPSG', :s, :d, :n)"),
                     {"n": crs.name, "s": SRS_ID, "d": crs.to_wkt("WKT1_GDAL")})


def write_table(conn, table: str, stored: gpd.GeoDataFrame) -> None:
    """Create feature table `table` from a stored layer (fid, c1…cN, geom) and register it, inside `conn`'s transaction."""
    values = [c for c in stored.columns if c not in ("fid", stored.geometry.name)]
    geoms = stored.geometry.values
    sa_table = Table(table, MetaData(), Column("fid", Integer, primary_key=True, autoincrement=True),
                     Column("geom", GpkgGeometry()), *[Column(c, _sql_type(stored[c])) for c in values])
    sa_table.create(conn)
    ensure_srs(conn)
    columns = [stored["fid"].astype(int).tolist(), encode(np.asarray(geoms)), *(_python(stored[c]) for c in values)]
    rows = list(zip(*columns))
    q = conn.dialect.identifier_preparer.quote
    names = ", ".join(q(c) for c in ["fid", "geom", *values])
    sql = f"INSERT INTO {q(table)} ({names}) VALUES ({', '.join('?' * len(columns))})"
    for start in range(0, len(rows), _BATCH):  # tuples straight to the driver: no per-row statement compiling
        conn.exec_driver_sql(sql, rows[start:start + _BATCH])
    minx, miny, maxx, maxy = stored.total_bounds if len(stored) else (None,) * 4
    conn.execute(text("INSERT INTO gpkg_contents (table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id) "
                      "VALUES (:t, 'features', :t, :a, :b, :c, :d, :s)"),
                 {"t": table, "a": _finite(minx), "b": _finite(miny), "c": _finite(maxx), "d": _finite(maxy), "s": SRS_ID})
    conn.execute(text("INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) "
                      "VALUES (:t, 'geom', 'GEOMETRY', :s, :z, 0)"), {"t": table, "s": SRS_ID, "z": 2})  # z optional


def _finite(v):
    return None if v is None or not np.isfinite(v) else float(v)


def _columns(conn, table: str) -> tuple[list[tuple[str, str]], str | None, str]:
    """(name, declared type) of each column, the integer key and the geometry column of a feature table."""
    q = conn.dialect.identifier_preparer.quote
    info = conn.exec_driver_sql(f"PRAGMA table_info({q(table)})").all()
    geom_col = conn.execute(text("SELECT column_name FROM gpkg_geometry_columns WHERE lower(table_name) = lower(:t)"),
                            {"t": table}).scalar_one()
    pk = next((r[1] for r in info if r[5]), None)
    return [(r[1], str(r[2]).upper()) for r in info], pk, geom_col


def read_table(conn, table: str) -> gpd.GeoDataFrame:
    """A feature table as a GeoDataFrame in EPSG:4490: `fid`, attribute columns, geometry (also tables GDAL wrote)."""
    q = conn.dialect.identifier_preparer.quote
    columns, pk, geom_col = _columns(conn, table)
    order = f" ORDER BY {q(pk)}" if pk else ""
    cursor = conn.connection.cursor()  # the driver's own tuples, in this connection's transaction
    try:
        cursor.execute(f"SELECT {', '.join(q(c) for c, _ in columns)} FROM {q(table)}{order}")
        frame = pd.DataFrame.from_records(cursor.fetchall(), columns=[c for c, _ in columns])
    finally:
        cursor.close()
    for name, kind in columns:
        if name in (geom_col, pk):
            continue
        if kind.startswith(("DATETIME", "DATE")):
            frame[name] = pd.to_datetime(frame[name], errors="coerce", format="ISO8601")
        elif kind.startswith("BOOLEAN"):
            frame[name] = frame[name].map(lambda v: None if v is None else bool(v))
            if frame[name].notna().all():
                frame[name] = frame[name].astype(bool)
        elif kind.startswith("TEXT") and len(frame) and frame[name].notna().all():
            frame[name] = frame[name].astype("str")
    geometry = decode(frame.pop(geom_col).tolist()) if len(frame) else np.array([], dtype=object)
    if pk and pk != "fid":
        frame = frame.rename(columns={pk: "fid"})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=STORAGE).values, crs=STORAGE)


def table_fields(conn, table: str) -> tuple[list[str], int]:
    """The attribute column names (not the key, not the geometry) of a feature table, and its row count."""
    columns, pk, geom_col = _columns(conn, table)
    count = conn.exec_driver_sql(f"SELECT count(*) FROM {conn.dialect.identifier_preparer.quote(table)}").scalar_one()
    return [c for c, _ in columns if c not in (pk, geom_col)], int(count)


__all__ = ["GpkgGeometry", "encode", "decode", "write_table", "read_table", "table_fields"]

"""属性表: one layer's features as rows (attributes, town, area in km² and 亩, length in km), filtered, searched,
sorted and cut into pages of 50 on the server, and the selected rows exported as Excel or CSV.

Measurements come from the catalogue (EPSG:4548). Schematic sizes are shown with 约 and two significant
figures; the numbers kept for sorting and export are the measured ones, rounded the same way.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

import pandas as pd

from core.formats import choose
from core.formatting import accuracy_label, blank
from core.spreadsheets import csv_frame, text_only
from layers.catalog import COMPUTED, Catalog
from layers.query import normalise, spellings, words
from reports.excel import display_width
from reports.tables import csv_encoding

PAGE_SIZE = 50
AREA_KM2, AREA_MU, LENGTH_KM, TOWN, NAME, ACCURACY = "面积（平方公里）", "面积（亩）", "长度（公里）", "所在乡镇/街道", "名称", "位置精度"
#: The catalogue's columns of a shipped layer, as the table heads them (in order; empty columns are left out).
PLAN_COLUMNS = (("name", NAME), ("town", TOWN), ("status", "规划要求"), ("deadline", "时限"),
                ("accuracy", ACCURACY), ("parent", "上级"), ("source", "来源"), ("note", "说明"))
#: Hidden columns every table carries: the feature id and its lon/lat bounds (for the map-extent filter).
ID, BOUNDS = "_id", ("_minx", "_miny", "_maxx", "_maxy")
#: The formats the table's selection exports in (labels, suffixes and MIME types: ``core.formats``).
EXPORT_FORMATS = choose("xlsx", "csv")


def layer_table(catalog: Catalog, layer_id: str) -> pd.DataFrame:
    """Every feature of a layer as one row: name, town, the layer's attributes, measurements; hidden id and bounds."""
    spec = catalog.spec(layer_id)
    gdf = catalog.layers[layer_id]
    out = pd.DataFrame(index=gdf.index)
    out[ID] = gdf["id"].astype(str)
    if layer_id in catalog.user_specs:
        out[NAME] = gdf["name"].astype(str)
        own = [c for c in gdf.columns if c not in COMPUTED and not _same(gdf[c], gdf["name"])]
        for col in own:
            out[str(col)] = gdf[col].map(lambda v: "" if blank(v) else v)
        out[TOWN] = gdf["town"].fillna("").astype(str)
    else:
        names = dict(zip(catalog.places["id"], catalog.places["name"])) if "id" in catalog.places else {}
        for col, heading in PLAN_COLUMNS:
            if col not in gdf or not gdf[col].fillna("").astype(str).str.strip().any():
                continue
            values = gdf[col].fillna("").astype(str)
            if col == "accuracy":
                values = values.map(accuracy_label)
            elif col == "parent":
                values = values.map(lambda p: names.get(p, p))
            out[heading] = values
    rough = gdf["accuracy"].fillna("").astype(str).eq("schematic") if "accuracy" in gdf else pd.Series(False, index=gdf.index)
    if spec.geometry == "Polygon" and "area_km2" in gdf:
        out[AREA_KM2] = [_rounded(v, r, 2) for v, r in zip(gdf["area_km2"], rough)]
        out[AREA_MU] = [_rounded(v, r, 0) for v, r in zip(gdf["area_mu"], rough)]
    if spec.geometry == "LineString" and "length_km" in gdf:
        out[LENGTH_KM] = [_rounded(v, r, 2) for v, r in zip(gdf["length_km"], rough)]
    bounds = gdf.geometry.bounds if not gdf.empty else pd.DataFrame(columns=["minx", "miny", "maxx", "maxy"])
    for name, col in zip(BOUNDS, ("minx", "miny", "maxx", "maxy")):
        out[name] = bounds[col].to_numpy() if len(bounds) else []
    out["_rough"] = rough.to_numpy()
    if NAME in out:  # the name as it can be typed: pinyin and initials (once per distinct name)
        forms = {n: " ".join(spellings(n)[1:]) for n in pd.unique(out[NAME].astype(str))}
        out["_spell"] = out[NAME].astype(str).map(forms)
    return out.reset_index(drop=True)


def _same(a: pd.Series, b: pd.Series) -> bool:
    """Whether a file column only repeats the name column (名称 would be shown twice)."""
    return a.fillna("").astype(str).equals(b.fillna("").astype(str))


def _rounded(value, rough: bool, decimals: int) -> float | None:
    """A measurement as the table keeps it: two decimals (亩 whole), two significant figures when schematic."""
    if blank(value):
        return None
    if rough and value:
        from math import floor, log10

        return float(round(value, 1 - int(floor(log10(abs(value))))))
    return float(round(value, decimals))


def visible_columns(table: pd.DataFrame) -> list[str]:
    """The columns a planner sees (hidden id, bounds and flags left out)."""
    return [c for c in table.columns if not str(c).startswith("_")]


def cell_text(column: str, value, rough: bool) -> str:
    """A cell as shown: measurements with thousands separators, schematic ones with 约; empty for no value."""
    if blank(value):
        return ""
    if column in (AREA_KM2, LENGTH_KM, AREA_MU):
        digits = 0 if column == AREA_MU else 2
        text = f"{value:,.{digits}f}" if not rough else f"{value:,g}"
        return f"约 {text}" if rough else text
    return str(value)


@dataclass(frozen=True)
class TableQuery:
    """What the planner asked of the table: search words, a field filter, the map extent, the order and the page."""

    text: str = ""
    field: str = ""
    value: str = ""
    extent: tuple[float, float, float, float] | None = None  # lon/lat west, south, east, north
    sort: str = ""
    descending: bool = False
    page: int = 0

    def sorted_by(self, column: str) -> TableQuery:
        """The query sorted by `column`: ascending first, then descending, then back to ascending."""
        descending = not self.descending if column == self.sort else False
        return replace(self, sort=column, descending=descending, page=0)


def filtered(table: pd.DataFrame, q: TableQuery) -> pd.DataFrame:
    """The rows matching every search word (any visible column, pinyin too), the field filter and the extent, in order."""
    rows = table
    shown = visible_columns(table)
    terms = words(q.text)
    if terms and len(rows):
        text = rows[shown].astype(str).agg(" ".join, axis=1).map(normalise)
        if "_spell" in rows:
            text = text + " " + rows["_spell"]
        mask = pd.Series(True, index=rows.index)
        for term in terms:
            mask &= text.str.contains(term, regex=False)
        rows = rows[mask]
    if q.field in shown and q.value.strip() and len(rows):
        rows = rows[rows[q.field].astype(str).map(normalise).str.contains(normalise(q.value), regex=False)]
    if q.extent is not None and len(rows):
        west, south, east, north = q.extent
        rows = rows[(rows["_maxx"] >= west) & (rows["_minx"] <= east) & (rows["_maxy"] >= south) & (rows["_miny"] <= north)]
    if q.sort in shown and len(rows):
        key = rows[q.sort]
        numeric = pd.to_numeric(key, errors="coerce")
        if numeric.notna().sum() == key.map(lambda v: not blank(v) and v != "").sum():
            rows = rows.assign(_key=numeric)
        else:
            rows = rows.assign(_key=key.astype(str))
        rows = rows.sort_values("_key", ascending=not q.descending, na_position="last", kind="stable").drop(columns="_key")
    return rows


@dataclass(frozen=True)
class Page:
    """One page of the table: its rows, the number of matching rows, the page number and how many pages there are."""

    rows: pd.DataFrame
    total: int
    number: int
    pages: int


def page(table: pd.DataFrame, q: TableQuery, size: int = PAGE_SIZE) -> Page:
    """The page `q.page` (clamped) of the rows matching `q`."""
    rows = filtered(table, q)
    pages = max(1, -(-len(rows) // size))
    number = min(max(q.page, 0), pages - 1)
    return Page(rows=rows.iloc[number * size:(number + 1) * size], total=len(rows), number=number, pages=pages)


def export_bytes(table: pd.DataFrame, ids, fmt: str, sheet: str = "属性表") -> bytes:
    """The rows with these feature ids (in table order) as Excel or CSV (UTF-8 with BOM), visible columns only; what a
    planner's file holds is written as text, never as a formula (core/spreadsheets.py)."""
    rows = table[table[ID].isin(set(ids))][visible_columns(table)]
    if fmt == "csv":
        return csv_frame(rows).to_csv(index=False, lineterminator="\r\n").encode(csv_encoding("utf-8"))
    if fmt != "xlsx":
        raise ValueError(fmt)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        rows.to_excel(writer, index=False, sheet_name=sheet[:31])
        ws = writer.sheets[sheet[:31]]
        for i, col in enumerate(rows.columns, start=1):
            width = max([display_width(col)] + [display_width(v) for v in rows[col].head(500)])
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(width + 2, 60)
        ws.freeze_panes = "A2"
        text_only(writer.book)
    return buf.getvalue()

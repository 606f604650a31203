"""What a planner's file or a unit's note says reaches every spreadsheet export as text: in Excel a value starting with
= is a string cell, never a formula; in CSV a value starting with = + - @, a tab or a carriage return gets a leading '
(OWASP "CSV injection") — the attribute table, the town exports, the 通报 and the unit's template alike."""

from __future__ import annotations

import csv
import io
from datetime import date

import geopandas as gpd
import openpyxl
import pytest
from shapely.geometry import box

from core.declarations import USER_GROUP, LayerSpec
from core.spreadsheets import csv_safe
from layers.catalog import Catalog, load_layer
from reports.attribute_table import ID, export_bytes, layer_table
from reports.excel import workbook as town_workbook
from reports.summary import summarize
from reports.tables import write_csv
from store.gpkg import GpkgStore
from tracking.bulletin import make_bulletin
from tracking.bulletin_xlsx import workbook as bulletin_workbook
from tracking.records import ProgressInput
from tracking.service import Tracking
from tracking.template import workbook as template_workbook

PAYLOADS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _cells(wb, value) -> list:
    """Every cell of a (re-read) workbook holding exactly this value (XML reads a carriage return back as a line feed)."""
    value = value.replace("\r", "\n")
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == value]


def _reread(wb) -> openpyxl.Workbook:
    buf = io.BytesIO()
    wb.save(buf)
    return openpyxl.load_workbook(io.BytesIO(buf.getvalue()))


def _no_formula(wb) -> None:
    formulas = [f"{c.parent.title}!{c.coordinate}={c.value}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert not formulas


def _csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.fixture(scope="module")
def hostile(catalog) -> Catalog:
    """The shipped catalogue plus a planner's layer whose names, a field and a field name are formula payloads."""
    squares = [box(117.60 + i * 0.02, 31.50, 117.605 + i * 0.02, 31.505) for i in range(len(PAYLOADS))]
    gdf = gpd.GeoDataFrame({"地块名称": PAYLOADS, "=备注": list(reversed(PAYLOADS))}, geometry=squares, crs="EPSG:4490")
    gdf["name"] = gdf["地块名称"]
    gdf["id"] = [f"user_0_{i}" for i in range(len(PAYLOADS))]
    spec = LayerSpec(id="user_0", title="我的数据：地块", group=USER_GROUP, geometry="Polygon", file="地块", color="#e8590c",
                     plan=False)
    layers = dict(catalog.layers)
    layers["user_0"] = load_layer(spec, catalog.town_areas, gdf=gdf)
    return Catalog(layers=layers, links=catalog.links, places=catalog.places, user_specs={"user_0": spec})


def test_csv_safe_prefixes_what_a_spreadsheet_would_run_and_leaves_the_rest():
    assert [csv_safe(p) for p in PAYLOADS] == ["'" + p for p in PAYLOADS]
    assert [csv_safe(v) for v in ("巢湖", "a=b", -2.5, 3, None, "")] == ["巢湖", "a=b", -2.5, 3, None, ""]


def test_the_attribute_table_exports_payloads_as_text_in_excel_and_csv(hostile):
    table = layer_table(hostile, "user_0")
    ids = table[ID].tolist()
    wb = openpyxl.load_workbook(io.BytesIO(export_bytes(table, ids, "xlsx")))
    _no_formula(wb)
    for payload in PAYLOADS:
        cells = _cells(wb, payload)
        assert len(cells) == 2 and all(c.data_type == "s" for c in cells)  # 名称 and the =备注 field
    assert _cells(wb, "=备注")[0].data_type == "s"  # a field's name is the planner's text too
    rows = _csv_cells(export_bytes(table, ids, "csv"))
    assert "'=备注" in rows[0]
    name_col, note_col = rows[0].index("名称"), rows[0].index("'=备注")
    assert [r[name_col] for r in rows[1:]] == ["'" + p for p in PAYLOADS]
    assert [r[note_col] for r in rows[1:]] == ["'" + p for p in reversed(PAYLOADS)]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_the_town_exports_write_payloads_as_text(catalog, plan, tmp_path):
    summary = summarize(catalog, plan, "黄麓镇")
    summary.features.loc[summary.features.index[: len(PAYLOADS)], "name"] = PAYLOADS
    wb = _reread(town_workbook([summary], [("来源", "=1+1")]))
    _no_formula(wb)
    for payload in [*PAYLOADS, "=1+1"]:
        assert _cells(wb, payload) and all(c.data_type == "s" for c in _cells(wb, payload))
    from reports.summary import FEATURE_COLUMNS, HEADERS, KINDS

    columns = [(k, HEADERS[k], KINDS.get(k, "text")) for k in FEATURE_COLUMNS]
    rows = _csv_cells(write_csv(summary.features, columns, tmp_path / "要素清单.csv").read_bytes())
    name_col = rows[0].index(HEADERS["name"])
    assert [r[name_col] for r in rows[1: 1 + len(PAYLOADS)]] == ["'" + p for p in PAYLOADS]


def test_a_units_notes_stay_text_in_the_bulletin_and_the_template_has_no_formula_cell(tmp_path, plan):
    store = GpkgStore(tmp_path / "ws.gpkg")
    try:
        t = Tracking.open(store=store, plan=plan)
        items = [i.id for i in t.items.of_unit("bdjsb")][: len(PAYLOADS)]
        batch = store.add_progress([ProgressInput(item, "推进中", None, note, date(2026, 11, 3))
                                    for item, note in zip(items, PAYLOADS)], "市半岛建设办", "张三")
        store.review_progress(batch.batch, "办公室", accept=True)
        bulletin = _reread(bulletin_workbook(make_bulletin(t.board(), plan, "2026-11", now=date(2026, 11, 26))))
        _no_formula(bulletin)
        for payload in PAYLOADS:
            cells = _cells(bulletin, payload)
            assert cells and all(c.data_type == "s" for c in cells), payload
        template = _reread(template_workbook(t.board(), "bdjsb"))  # the plan's words and the state: text cells only
        _no_formula(template)
        assert all(c.data_type == "s" for ws in template.worksheets for row in ws.iter_rows() for c in row
                   if isinstance(c.value, str))
    finally:
        store.engine.dispose()

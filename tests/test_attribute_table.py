"""属性表 on the server: rows with town and measurements, 50 a page, sorted over every row, searched, filtered, exported."""

from __future__ import annotations

import io

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest

from core.formatting import accuracy_label
from shapely.geometry import box

from core.declarations import USER_GROUP, LayerSpec
from geo.crs import MEASURE
from layers.catalog import COMPUTED, Catalog, load_layer
from layers.userlayers import clicked_attributes
from reports.attribute_table import AREA_KM2, AREA_MU, ID, LENGTH_KM, NAME, TOWN, TableQuery, cell_text, export_bytes, layer_table, page, visible_columns


@pytest.fixture(scope="module")
def parcels(catalog) -> Catalog:
    """The shipped catalogue plus a planner's layer of 130 rectangles in three sizes, 0.02° apart."""
    west, south = 117.60, 31.50
    squares = [box(west + (i % 13) * 0.02, south + (i // 13) * 0.02, west + (i % 13) * 0.02 + 0.005 * (1 + i % 3),
                   south + (i // 13) * 0.02 + 0.005) for i in range(130)]
    gdf = gpd.GeoDataFrame({"地块名称": [f"地块{i:03d}" for i in range(130)], "用途": ["工业" if i % 2 else "仓储" for i in range(130)],
                            "备注": [""] * 130}, geometry=squares, crs="EPSG:4490")
    gdf["name"] = gdf["地块名称"]
    gdf["id"] = [f"user_0_{i}" for i in range(130)]
    spec = LayerSpec(id="user_0", title="我的数据：地块", group=USER_GROUP, geometry="Polygon", file="地块", color="#e8590c",
                     plan=False, popup_fields=(("地块名称", "地块名称"),))
    layers = dict(catalog.layers)
    layers["user_0"] = load_layer(spec, catalog.town_areas, gdf=gdf)
    return Catalog(layers=layers, links=catalog.links, places=catalog.places, user_specs={"user_0": spec})


def test_a_planners_layer_has_its_columns_town_and_area_in_km2_and_mu(parcels):
    table = layer_table(parcels, "user_0")
    shown = visible_columns(table)
    assert shown[0] == NAME and shown.count(NAME) == 1 and "地块名称" not in shown  # the name column once
    assert {"用途", "备注", TOWN, AREA_KM2, AREA_MU} <= set(shown)
    expected = parcels.layers["user_0"].to_crs(MEASURE).area / 1e6
    assert table[AREA_KM2].tolist() == pytest.approx(expected.round(2).tolist())
    assert table[AREA_MU].tolist() == pytest.approx((expected * 1500).round(0).tolist())
    assert (table[TOWN] != "").all()


def test_plan_layers_read_in_chinese_with_schematic_sizes_rounded(catalog):
    roads = layer_table(catalog, "peninsula_roads")
    assert {NAME, TOWN, "规划要求", "位置精度", LENGTH_KM} <= set(visible_columns(roads))
    row = roads[roads[NAME] == "治中路"].iloc[0]
    assert row["位置精度"] == accuracy_label("schematic")
    km = catalog.layers["peninsula_roads"].query("name == '治中路'").to_crs(MEASURE).length.iloc[0] / 1000
    assert row[LENGTH_KM] == pytest.approx(round(km, 1))  # two significant figures, as 约 4.0
    assert cell_text(LENGTH_KM, row[LENGTH_KM], True) == f"约 {round(km, 1):g}"
    edz = layer_table(catalog, "juchao_edz")
    assert "居巢经开区" in edz.loc[edz[NAME] == "南区", "上级"].tolist()  # the parent by name, not id


def test_pages_of_fifty_sorted_over_every_row(parcels):
    table = layer_table(parcels, "user_0")
    first = page(table, TableQuery())
    assert (first.total, first.pages, len(first.rows)) == (130, 3, 50)
    last = page(table, TableQuery(page=7))  # past the end: the last page
    assert (last.number, len(last.rows)) == (2, 30)
    q = TableQuery().sorted_by(AREA_KM2)
    assert not q.descending and q.sorted_by(AREA_KM2).descending
    top = page(table, q.sorted_by(AREA_KM2)).rows[AREA_KM2].tolist()
    assert top == sorted(table[AREA_KM2], reverse=True)[:50]  # the largest of all 130, not of one page
    by_name = page(table, TableQuery(sort=NAME, descending=True)).rows[NAME].iloc[0]
    assert by_name == "地块129"


def test_search_words_pinyin_field_filter_and_map_extent(parcels, catalog):
    table = layer_table(parcels, "user_0")
    assert page(table, TableQuery(text="地块00")).total == 10
    assert page(table, TableQuery(text="工业 地块01")).total == 5  # every word must match
    assert page(table, TableQuery(field="用途", value="仓储")).total == 65
    assert page(table, TableQuery(field="用途", value="")).total == 130  # an empty value filters nothing
    west, south = 117.60, 31.50
    inside = page(table, TableQuery(extent=(west - 0.001, south - 0.001, west + 0.03, south + 0.01)))
    assert inside.total == 2 and set(inside.rows[NAME]) == {"地块000", "地块001"}
    towns = layer_table(catalog, "feature_towns")
    assert page(towns, TableQuery(text="huanglu")).rows[NAME].tolist() == ["黄麓建筑科创小镇"]


def test_the_selection_exports_as_excel_and_csv(parcels):
    table = layer_table(parcels, "user_0")
    ids = ["user_0_5", "user_0_7", "user_0_99"]
    wb = openpyxl.load_workbook(io.BytesIO(export_bytes(table, ids, "xlsx")))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0] == NAME and ID not in rows[0] and "_minx" not in rows[0]
    assert [r[0] for r in rows[1:]] == ["地块005", "地块007", "地块099"]
    data = export_bytes(table, ids, "csv")
    assert data.startswith(b"\xef\xbb\xbf")  # Excel on Chinese Windows opens UTF-8 with BOM as it is
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert frame[NAME].tolist() == ["地块005", "地块007", "地块099"]
    assert frame[AREA_KM2].tolist() == pytest.approx(table.set_index(ID).loc[ids, AREA_KM2].tolist())


def test_the_table_and_a_click_agree_on_which_columns_are_the_files_own(catalog):
    """One list of the catalogue's computed columns: a file column the catalogue also fills (deadline) is neither in
    the table nor in a clicked feature's panel, and the file's own columns are in both."""
    gdf = gpd.GeoDataFrame({"名称": ["甲地块"], "用途": ["工业"], "deadline": ["年底前"]},
                           geometry=[box(117.80, 31.60, 117.81, 31.61)], crs="EPSG:4490")
    gdf["name"], gdf["id"] = gdf["名称"], ["user_0_0"]
    spec = LayerSpec(id="user_0", title="我的数据：甲", group=USER_GROUP, geometry="Polygon", file="甲", color="#e8590c",
                     plan=False)
    layer = load_layer(spec, catalog.town_areas, gdf=gdf)
    cat = Catalog(layers={**catalog.layers, "user_0": layer}, links=catalog.links, places=catalog.places,
                  user_specs={"user_0": spec})
    shown = set(visible_columns(layer_table(cat, "user_0")))
    clicked = set(clicked_attributes(layer, {"fid": 0, "layer": "user_0"}))
    assert "用途" in shown and "用途" in clicked and "名称" in clicked
    assert not (shown | clicked) & COMPUTED

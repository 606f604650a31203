"""Everything follows a correction: a park adopted from a polygon file and a road adopted from a line shapefile, both
built here from scratch in metres, change the town join, the pieces, the per-town summaries and every export, the
panel (已校准, history), the map (solid, 已校准 in tooltip and legend) and the tour (the measured road total shown beside
the plan's 25.85 km, never replacing it); a revert brings the shipped position back everywhere. On both engines."""

from __future__ import annotations

import csv
import math
import zipfile

import geopandas as gpd
import openpyxl
import pytest
from shapely.geometry import LineString, box

from core.declarations import BY_ID
from layers.catalog import load_catalog
from layers.mapview import MapClient, build_map, feature_collection
from layers.measured import measured_beside
from corrections.checks import adopt_file, revert
from presentation.tour import load_tour
from presentation.tour_html import tour_html
from reports.export import export_town
from reports.summary import summarize
from presentation.panel import place_html

pytestmark = pytest.mark.slow

PARK, ROAD = "ip_huanglu_opto", "rd_zhizhong"  # 黄麓光电产业园 (shipped in 黄麓镇), 治中路
PARK_TOWN, ROAD_TOWN = "烔炀镇", "黄麓镇"
PARK_SIZE = (2000.0, 1500.0)  # metres: exactly 3.00 km², 4,500 亩
ROAD_KM = 3.4


def _centre(catalog, town: str) -> tuple[float, float]:
    return catalog.town_area(town).to_crs("EPSG:4548").geometry.iloc[0].representative_point().coords[0]


@pytest.fixture
def files(tmp_path, catalog):
    """A park polygon (GeoJSON, second of two features) and a road line (Shapefile with .prj), built in EPSG:4548."""
    x, y = _centre(catalog, PARK_TOWN)
    w, h = PARK_SIZE
    parks = gpd.GeoDataFrame({"名称": ["别的地块", "光电产业园范围"]},
                             geometry=[box(x + 3000, y, x + 3500, y + 500), box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)],
                             crs="EPSG:4548")
    assert catalog.town_area(PARK_TOWN).to_crs("EPSG:4548").geometry.iloc[0].contains(parks.geometry.iloc[1])
    parks.to_crs("EPSG:4490").to_file(tmp_path / "园区范围.geojson", driver="GeoJSON")
    rx, ry = _centre(catalog, ROAD_TOWN)
    step = ROAD_KM * 1000 / math.sqrt(2) / 2
    road = gpd.GeoDataFrame({"名称": ["治中路竣工"]}, geometry=[LineString([(rx - step, ry - step), (rx, ry), (rx + step, ry + step)])],
                            crs="EPSG:4548")
    road.to_file(tmp_path / "治中路.shp", encoding="UTF-8")
    return tmp_path / "园区范围.geojson", tmp_path / "治中路.shp"


def test_adopted_park_and_road_follow_into_summaries_exports_panel_map_and_tour(store, files, catalog, plan, tmp_path):
    park_file, road_file = files
    shipped_city = summarize(catalog, plan, None).layers.set_index("layer")
    shipped_park_km2 = catalog.feature(PARK)["area_km2"]

    park = adopt_file(store, park_file, PARK, "黄麓镇政府 2025 年园区范围图", feature=2, source_date="2025-03-01", user="张三")
    road = adopt_file(store, road_file, ROAD, "市交通运输局治中路竣工图", accuracy="approximate", source_date="2024-12",
                      user="李四")
    assert park.method == "采用文件「园区范围.geojson」第 2 个要素" and road.before_accuracy == "schematic"
    now = load_catalog(store=store)

    # the town join and the pieces follow the new geometry, measured in EPSG:4548
    f = now.feature(PARK)
    assert (f["town"], f["accuracy"]) == (PARK_TOWN, "located")
    assert f["area_km2"] == pytest.approx(3.0, abs=1e-6) and f["area_mu"] == pytest.approx(4500, abs=0.01)
    assert now.feature(ROAD)["length_km"] == pytest.approx(ROAD_KM, abs=1e-6)
    pieces = now.pieces[now.pieces["id"] == PARK]
    assert pieces["town"].tolist() == [PARK_TOWN] and pieces["share"].tolist() == [pytest.approx(1.0)]

    # per-town summaries: the park left 黄麓镇 and counts in 烔炀镇; the city total changed by the difference
    moved_to = summarize(now, plan, PARK_TOWN)
    row = moved_to.features.set_index("id").loc[PARK]
    assert row["area_km2"] == pytest.approx(3.0, abs=1e-6) and row["accuracy"] == "位置有出处"
    assert row["correction"] == "已校准：黄麓镇政府 2025 年园区范围图（2025-03-01）"
    assert PARK not in set(summarize(now, plan, "黄麓镇").features["id"])
    city = summarize(now, plan, None)
    parks_now = city.layers.set_index("layer").loc["industrial_parks", "area_km2"]
    assert parks_now - shipped_city.loc["industrial_parks", "area_km2"] == pytest.approx(3.0 - shipped_park_km2, abs=1e-6)
    assert "已校准（位置按本单位提供的来源校正）：" in city.accuracy and "黄麓光电产业园：黄麓镇政府 2025 年园区范围图（2025-03-01）" in city.accuracy

    # the road total: the plan's 25.85 km stays, the measured total of corrected roads stands beside it
    total = measured_beside(now, "4.2-t3")
    assert (total.corrected, total.total) == (1, 9) and total.measured == pytest.approx(ROAD_KM, abs=1e-6)
    targets = city.measures.set_index("measure").loc["4.2", "targets"]
    assert "新建治中路、黄师路、平顶山路等9条25.85公里主次干道" in targets and "已校准 1/9 条，实测合计 3.40 公里" in targets
    page = tour_html(load_tour(), plan, now)
    assert '<span class="num">25.85</span>' in page and "已校准 1/9 条，实测合计 3.40 公里" in page
    assert measured_beside(catalog, "4.2-t3") is None  # the shipped data have no corrected road

    # exports: Excel, CSV and GeoPackage carry the new size and the 已校准 words with source and date
    out = tmp_path / "out"
    xlsx = export_town(PARK_TOWN, "xlsx", now, plan, out)[0]
    sheet = openpyxl.load_workbook(xlsx)[PARK_TOWN]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    header = next(r for r in rows if r and "校准（本单位据来源校正的位置）" in r)
    park_row = next(r for r in rows if r and "黄麓光电产业园" in r)
    assert park_row[header.index("校准（本单位据来源校正的位置）")] == "已校准：黄麓镇政府 2025 年园区范围图（2025-03-01）"
    assert park_row[header.index("面积（平方公里）")] == pytest.approx(3.0, abs=1e-6)
    csv_file = next(p for p in export_town(PARK_TOWN, "csv", now, plan, out) if p.name.endswith("要素清单.csv"))
    with open(csv_file, encoding="utf-8-sig") as fh:
        listed = {r["要素代码"]: r for r in csv.DictReader(fh)}
    assert listed[PARK]["校准（本单位据来源校正的位置）"].startswith("已校准：黄麓镇政府") and listed[PARK]["面积（平方公里）"] == "3.0"
    gpkg = gpd.read_file(export_town(None, "gpkg", now, plan, out)[0], layer="peninsula_roads")
    zz = gpkg.set_index("id").loc[ROAD]
    assert zz["correction"] == "已校准：市交通运输局治中路竣工图（2024-12）" and zz["length_km"] == pytest.approx(ROAD_KM, abs=1e-4)
    assert zz["accuracy"] == "大致位置（据文字描述估计）"
    with zipfile.ZipFile(export_town(PARK_TOWN, "shp", now, plan, out)[0]) as zf:
        assert "correction：" in zf.read("说明.txt").decode("utf-8-sig")

    # the panel: 已校准, the source, the history; the map: solid (located), 已校准 in the tooltip and legend
    panel = place_html(now, plan, now.feature(PARK))
    assert "位置有出处（已校准）" in panel and "✓ 已校准" in panel and "校准记录（1 条）" in panel
    assert "张三" in panel and "采用文件「园区范围.geojson」第 2 个要素" in panel and "3.00 平方公里（约 4,500 亩）" in panel
    fmap = build_map(now.layers, ["industrial_parks", "peninsula_roads"])
    assert "✓ 已校准 2 处" in next(c for c in fmap._children.values() if isinstance(c, MapClient)).config["legend"]
    drawn = {f["id"]: f["properties"] for lid in ("industrial_parks", "peninsula_roads")
             for f in feature_collection(now.layers[lid], BY_ID[lid])["features"]}
    assert (drawn[PARK]["_corrected"], drawn[PARK]["_dash"]) == (True, None)
    assert "<td>位置精度</td><td>位置有出处（已校准）</td>" in drawn[PARK]["_tip"]
    assert drawn[ROAD]["_dash"] == "6 4" and "<td>大致位置（据文字描述估计）（已校准）</td>" in drawn[ROAD]["_tip"]
    assert drawn["rd_huangshi"]["_dash"] == "2 5" and not drawn["rd_huangshi"]["_corrected"]

    # revert: the shipped position, town and size come back everywhere; the history keeps both entries
    revert(store, PARK, "王五")
    back = load_catalog(store=store)
    g = back.feature(PARK)
    assert (g["town"], g["accuracy"], g["correction"]) == ("黄麓镇", "schematic", "")
    assert g["geometry"].equals_exact(catalog.feature(PARK)["geometry"], 1e-9)
    assert summarize(back, plan, None).layers.set_index("layer").loc["industrial_parks", "area_km2"] == pytest.approx(
        shipped_city.loc["industrial_parks", "area_km2"], abs=1e-9)
    panel = place_html(back, plan, back.feature(PARK))
    assert "校准记录（2 条）" in panel and "现为规划随附位置（曾校正，已撤销）" in panel and "王五" in panel
    assert "位置有出处（已校准）" not in panel


def test_a_place_the_plan_gave_no_position_joins_its_layer_once_corrected(store, catalog, plan, tmp_path):
    """中材装配式建筑产业园 has no geometry in the plan: a correction gives it one, and the panel says 无图形 no more."""
    assert catalog.feature("ip_zhongcai") is None
    x, y = _centre(catalog, "卧牛山街道")
    gpd.GeoDataFrame({"名称": ["中材"]}, geometry=[box(x - 400, y - 300, x + 400, y + 300)], crs="EPSG:4548").to_file(
        tmp_path / "中材.gpkg", driver="GPKG")
    adopt_file(store, tmp_path / "中材.gpkg", "ip_zhongcai", "企业提供的用地红线", user="张三")
    now = load_catalog(store=store)
    f = now.feature("ip_zhongcai")
    assert f["town"] == "卧牛山街道" and f["area_km2"] == pytest.approx(0.48, abs=1e-6) and f["note"].startswith("（校准前）")
    assert "ip_zhongcai" in set(summarize(now, plan, "卧牛山街道").features["id"])

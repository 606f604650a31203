"""The layer catalogue as planners rely on it: listed from the command line, towns by spatial join, their own data counted."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from layers.catalog import load_catalog
from core.declarations import LAYERS
from loaders.plan import load_plan
from reports.summary import summarize
from store.gpkg import GpkgStore

REPO = Path(__file__).resolve().parent.parent


def test_layers_list_json_counts_every_declared_layer(cli):
    from layers.__main__ import main

    out = cli(main, "list", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["id"] for r in rows] == [s.id for s in LAYERS]
    for r in rows:
        shp = REPO / r["file"]
        assert shp.exists(), r
        assert r["count"] == len(gpd.read_file(shp)), r
        assert r["title"] and r["geometry"] in ("Point", "LineString", "Polygon")
    assert next(r for r in rows if r["id"] == "townships")["count"] == 18


def test_official_township_areas_change_every_features_town(tmp_path, monkeypatch):
    """Dropping an office's own township polygons in data/official/ re-assigns features without code changes."""
    shipped = load_catalog(workspace=False)
    ft = shipped.layers["feature_towns"]
    assert ft.loc[ft["name"] == "黄麓建筑科创小镇", "town"].iloc[0] == "黄麓镇"
    # an "official" file: two halves of the city split at 117.75°E, in Gauss-Krüger metres, name in XZQMC
    city = gpd.read_file(REPO / "data/shapefiles/city_boundary.shp").query("name == '巢湖市'").to_crs("EPSG:4490")
    minx, miny, maxx, maxy = city.total_bounds
    halves = gpd.GeoDataFrame({"XZQMC": ["西片", "东片"]},
                              geometry=[box(minx, miny, 117.75, maxy), box(117.75, miny, maxx, maxy)], crs="EPSG:4490")
    official = tmp_path / "official"
    official.mkdir()
    halves.to_crs("EPSG:4548").to_file(official / "乡镇界线.shp", encoding="utf-8")
    (official / "mapping.yaml").write_text("township_areas:\n  file: 乡镇界线.shp\n  name_field: XZQMC\n", encoding="utf-8")
    monkeypatch.setenv("CHAOHU_OFFICIAL_DIR", str(official))
    replaced = load_catalog(workspace=False)
    ft = replaced.layers["feature_towns"]
    assert ft.loc[ft["name"] == "黄麓建筑科创小镇", "town"].iloc[0] == "西片"
    assert set(replaced.layers["projects"]["town"]) <= {"西片", "东片"}
    assert sorted(replaced.layers["township_areas"]["name"]) == ["东片", "西片"]


def test_a_planners_layer_counts_in_the_town_summary(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAOHU_WORKSPACE", str(tmp_path))
    plan = load_plan()
    seat = gpd.read_file(REPO / "data/shapefiles/townships.shp").query("name == '黄麓镇'").to_crs("EPSG:4548").geometry.iloc[0]
    parcel = Polygon([(seat.x + 200, seat.y + 200), (seat.x + 1200, seat.y + 200),
                      (seat.x + 1200, seat.y + 700), (seat.x + 200, seat.y + 700)])  # 1000 m × 500 m = 0.5 km²
    store = GpkgStore(tmp_path / "workspace.gpkg")
    store.add_layer("储备地块", gpd.GeoDataFrame({"名称": ["甲"]}, geometry=[parcel], crs="EPSG:4548").to_crs("EPSG:4490"))
    catalog = load_catalog(store=store)
    summary = summarize(catalog, plan, "黄麓镇")
    row = summary.layers[summary.layers["title"] == "我的数据：储备地块"]
    assert len(row) == 1
    assert row["area_km2"].iloc[0] == pytest.approx(0.5, rel=1e-3)
    assert row["area_mu"].iloc[0] == pytest.approx(750, rel=1e-3)


def test_export_of_the_current_filter_holds_only_the_filtered_places(tmp_path):
    """The app's 导出（当前筛选）: the same exporter, given the catalogue narrowed to the filter's places."""
    from layers.query import Filters, matching_places
    from reports.export import export_bytes

    catalog, plan = load_catalog(workspace=False), load_plan()
    jxw = plan.unit_by_name("市经信委").id
    only = matching_places(catalog, plan, Filters(unit=jxw))
    assert only and len(only) < len(catalog.features[catalog.features["layer"].isin([s.id for s in LAYERS if s.plan])])
    name, data, _ = export_bytes(None, "geojson", catalog.subset(only), plan)
    path = tmp_path / name
    path.write_bytes(data)
    exported = set(gpd.read_file(path)["id"])
    assert exported and exported <= only

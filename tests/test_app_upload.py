"""A planner adds their own zipped shapefile in the app: it is drawn, named correctly, and still there after a reload."""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
from playwright.sync_api import expect
from shapely.geometry import Polygon

import browser as bh

NAMES = ["巢湖经开区地块甲", "柘皋镇储备用地乙"]


def _zipped_gbk_shapefile(tmp_path) -> bytes:
    """A GBK shapefile without .cpg, inside nested Chinese-named folders of a zip — as offices hand them over."""
    gdf = gpd.GeoDataFrame(
        {"名称": NAMES, "用地面积": [12.5, 30.0]},
        geometry=[Polygon([(117.70, 31.70), (117.74, 31.70), (117.74, 31.73), (117.70, 31.73)]),
                  Polygon([(117.76, 31.74), (117.80, 31.74), (117.80, 31.77), (117.76, 31.77)])],
        crs="EPSG:4490",
    )
    folder = tmp_path / "shp"
    folder.mkdir()
    gdf.to_file(folder / "储备地块.shp", encoding="gbk")
    (folder / "储备地块.cpg").unlink(missing_ok=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, f"国土资料/2024年/{part.name}")
    return buf.getvalue()


def _wait_for_names(page, seconds: float = 60):
    """Wait until the uploaded features are on the map (it is redrawn once the new layer arrives)."""
    bh.wait_user_features(page, NAMES, timeout=seconds * 1000)


def test_uploaded_zip_is_drawn_named_and_kept(start_app, page, tmp_path):
    page.goto(start_app())
    bh.wait_for_app(page)
    path = tmp_path / "储备地块.zip"
    path.write_bytes(_zipped_gbk_shapefile(tmp_path))
    bh.open_group(page, "我的数据")  # the sidebar group holding the uploader
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_role("button", name="添加到地图").click()
    page.wait_for_selector('.upload-report[data-kind="success"]', timeout=180_000)
    assert "GB18030" in page.locator('.upload-report').inner_text()  # detected, and said so
    _wait_for_names(page)
    bh.click_feature(page, NAMES[0])
    # it is named on screen: by its tooltip, or, where other features lie under the click, in the open list of them (no
    # tooltip covers that list)
    bh.map_frame(page).locator(".leaflet-tooltip:visible, .chaohu-chooser:visible", has_text=NAMES[0]).first.wait_for(
        timeout=10_000)
    page.reload()
    _wait_for_names(page)


def test_a_point_table_is_stored_only_once_its_coordinate_source_is_said(start_app, page, tmp_path):
    """高德 points are 500 m off until converted: the app asks where they were picked, every time, then converts."""
    import geopandas as gpd
    import pandas as pd

    from geo.chinacoords import wgs84_to_gcj02
    from store.gpkg import GpkgStore

    truth = {"企业甲": (117.80, 31.62), "企业乙": (117.86, 31.66)}
    lon, lat = wgs84_to_gcj02([p[0] for p in truth.values()], [p[1] for p in truth.values()])
    path = tmp_path / "企业点位.csv"
    pd.DataFrame({"名称": list(truth), "经度": lon, "纬度": lat}).to_csv(path, index=False, encoding="utf-8-sig")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    page.goto(start_app(workspace))
    bh.wait_for_app(page)
    bh.open_group(page, "我的数据")
    # Streamlit's "Browse files" is not what a planner reads (views/static/streamlit_zh.js)
    expect(page.locator('[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]')).to_have_text(
        "选择文件", timeout=60_000)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_role("button", name="添加到地图").click()
    page.wait_for_selector('.upload-report[data-kind="ask"]', timeout=60_000)
    assert "点位坐标来源" in page.locator(".upload-report").inner_text()
    assert GpkgStore(workspace / "workspace.gpkg").layer_names() == []  # nothing stored before the planner answers
    page.get_by_text("高德/腾讯（GCJ-02）").click()
    page.get_by_role("button", name="添加到地图").click()
    page.wait_for_selector('.upload-report[data-kind="success"]', timeout=180_000)
    stored = GpkgStore(workspace / "workspace.gpkg")
    (name,) = stored.layer_names()
    points = stored.read_layer(name).to_crs("EPSG:4548").set_index("名称").geometry
    want = gpd.GeoSeries(gpd.points_from_xy(*zip(*truth.values())), index=list(truth), crs="EPSG:4490").to_crs("EPSG:4548")
    assert (points.distance(want.loc[points.index]) < 2.0).all()  # converted back to true positions, within 2 m

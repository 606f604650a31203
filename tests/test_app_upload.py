"""A planner adds their own zipped shapefile in the app: it is drawn, named correctly, and still there after a reload."""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
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


def _user_names(page) -> list[str]:
    return bh.map_eval(page, """() => { const out = []; if (!window.map) return out;
        const visit = (l) => { if (l.feature && String(l.feature.properties.layer).startsWith('user_')) out.push(l.feature.properties.name);
                               if (l.eachLayer) l.eachLayer(visit); };
        window.map.eachLayer(visit); return out; }""")


def _wait_for_names(page, seconds: float = 60):
    """Poll the map (it is redrawn once the new layer arrives) until the uploaded features are on it."""
    seen = []
    for _ in range(int(seconds * 2)):
        try:
            seen = _user_names(page)
        except Exception:  # the map iframe is being replaced
            seen = []
        if set(NAMES) <= set(seen):
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"uploaded features not on the map: {seen}")


def test_uploaded_zip_is_drawn_named_and_kept(app_url, page, tmp_path):
    page.goto(app_url)
    bh.wait_for_app(page)
    path = tmp_path / "储备地块.zip"
    path.write_bytes(_zipped_gbk_shapefile(tmp_path))
    page.locator('[data-testid="stExpander"] summary', has_text="我的数据").click()  # the sidebar group holding the uploader
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_role("button", name="添加到地图").click()
    page.wait_for_selector('[data-testid="stAlertContentSuccess"]', timeout=60_000)
    assert "GB18030" in page.locator('[data-testid="stAlertContentSuccess"]').inner_text()  # detected, and said so
    _wait_for_names(page)
    bh.click_feature(page, NAMES[0])
    page.wait_for_timeout(800)
    tips = " ".join(bh.map_frame(page).locator(".leaflet-tooltip").all_inner_texts())
    assert NAMES[0] in tips
    page.reload()
    _wait_for_names(page)

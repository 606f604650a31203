"""A 国土 office's result in the real app: a zipped File Geodatabase with a DLTB layer in zone-prefixed coordinates is
uploaded, lands where it belongs, and a click on a parcel shows 地类名称 in the panel."""

from __future__ import annotations

import pytest
from filebuild import DLTB, TRUTH, file_gdb, metres_off, zipped
from shapely.geometry import Point

import browser as bh

BOUNDS_JS = """(name) => { let found = null;
  const visit = (l) => { if (found) return;
    if (l.feature && l.feature.properties.name === name && String(l.feature.properties.layer).startsWith('user_')) {
      const b = l.getBounds(); found = [b.getWest(), b.getSouth()]; return; }
    if (l.eachLayer) l.eachLayer(visit); };
  window.map.eachLayer(visit); return found; }"""


@pytest.fixture(scope="module")
def gdb_app(tmp_path_factory):
    """The real app with an empty workspace of its own."""
    ws = tmp_path_factory.mktemp("gdb-ws")
    url, stop = bh.start_streamlit(bh.REPO / "streamlit_app.py", cwd=bh.REPO, timeout=180,
                                   log_path=bh.ARTIFACTS / "streamlit-gdb.log", env_extra={"CHAOHU_WORKSPACE": str(ws)})
    try:
        yield url
    finally:
        stop()


def _wait_for_parcel(page, name: str, seconds: float = 90):
    """Wait until the uploaded parcel is on the map (redrawn once the new layer arrives); its south-west corner."""
    return bh.wait_map_until(page, BOUNDS_JS, name, timeout=seconds * 1000, what=f"parcel {name} on the map")


@pytest.mark.browser
def test_zipped_gdb_with_zone_prefixed_dltb_is_drawn_in_place_and_a_parcel_click_shows_its_landuse(gdb_app, page, tmp_path):
    archive = tmp_path / "巢湖市三调成果.zip"
    archive.write_bytes(zipped(file_gdb(tmp_path / "src")))  # 成果/巢湖市三调成果.gdb/…, DLTB in EPSG:4527
    page.goto(gdb_app)
    bh.wait_for_app(page, timeout=180_000)
    bh.open_group(page, "我的数据")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(archive))
    page.get_by_role("button", name="添加到地图").click()
    page.wait_for_selector('.upload-report[data-kind="success"]', timeout=120_000)
    said = page.locator('.upload-report').inner_text()
    assert "DLTB" in said and "EPSG:4527" in said
    name = DLTB["DLMC"][0]  # 水田, the parcel at 巢湖市政府
    west, south = _wait_for_parcel(page, name)
    assert metres_off(Point(west, south), *TRUTH["巢湖市政府"]) < 2.0  # zone 39 → lon/lat, where it belongs
    bh.map_eval(page, "([lat, lng]) => window.map.setView([lat, lng], 17, {animate: false})", [south + 0.0002, west + 0.0002])
    bh.wait_map_settled(page)  # a planner zooms in to a 60 m parcel before clicking it
    bh.click_feature(page, name)
    page.wait_for_selector("[data-place]", timeout=60_000)
    panel = page.locator("[data-place]").inner_text()
    assert "地类名称" in panel and name in panel and "地类编码" in panel and DLTB["DLBM"][0] in panel
    assert "DLMC" not in panel
    bh.screenshot(page, "gdb_parcel_panel")

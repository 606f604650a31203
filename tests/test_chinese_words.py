"""Words planners read instead of codes: a township seat's confidence, a setting's name, why a layer was renamed."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point

from core.declarations import BY_ID
from core.progress import YEAR_LABEL, YEAR_SETTING
from layers.mapview import tooltip_text
from store import accounts
from store.base import renamed_note
from store.labels import SETTINGS, setting_label


def test_a_township_seat_says_how_far_its_position_may_be_trusted_in_words():
    seats = next(spec for spec in BY_ID.values() if spec.role == "town_seats")
    row = gpd.GeoSeries([Point(117.8, 31.6)]).to_frame("geometry").assign(
        name="黄麓镇", kind="镇", confidence="low", accuracy="approximate").iloc[0]
    shown = dict(tooltip_text(row, seats))
    assert shown["位置可信度"] == "低（据第三方网页估计，约 ±3–5 公里）"
    assert shown["位置精度"].startswith("大致位置")


def test_every_setting_the_app_reads_has_a_chinese_name():
    for key in (YEAR_SETTING, accounts.IDLE_SETTING, accounts.MAX_SETTING, accounts.PROXIES_SETTING):
        assert key in SETTINGS and not any("a" <= ch.lower() <= "z" for ch in SETTINGS[key]), key
    assert setting_label(YEAR_SETTING) == YEAR_LABEL == "起始年份"


def test_a_layer_stored_under_another_name_says_why():
    assert renamed_note("地块", "地块") == ""
    assert renamed_note(" 地块 ", "地块") == ""
    assert renamed_note("地块", "地块（2）") == "已有名为「地块」的图层，为不覆盖它，此图层命名为「地块（2）」。"


def test_a_renamed_upload_is_explained_in_the_store_and_the_message(tmp_path):
    from store.gpkg import GpkgStore

    store = GpkgStore(tmp_path / "workspace.gpkg")
    try:
        layer = gpd.GeoDataFrame({"名称": ["点"]}, geometry=[Point(117.8, 31.6)], crs="EPSG:4490")
        store.add_layer("地块", layer, "张三")
        second = store.add_layer("地块", layer, "张三")
        assert second.name == "地块（2）" and "已有名为「地块」的图层" in renamed_note("地块", second.name)
    finally:
        store.engine.dispose()

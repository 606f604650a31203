"""What the office pages say, without a browser: before → after of a change, what may be undone by whom, Beijing
days as the store's UTC bounds, escaping of names from files in the log, who added a layer, and the pages a role sees."""

from __future__ import annotations

from datetime import date, datetime

import geopandas as gpd
from shapely.geometry import Point

from core import roles
from store.base import ChangeRecord
from views import PAGES, allowed_pages, requested_mode, who_may_open
from views.pages.admin import parse_value
from views.pages.changes import delta_text, log_table, summary_text, target_name, undo_permission, utc_bounds
from views.login import User
from views.upload import added_text


def record(action: str, target: str = "甲", before=None, after=None, kind: str = "layer") -> ChangeRecord:
    return ChangeRecord(1, datetime(2026, 5, 1, 1, 30), "张三", kind, action, target, "摘要", before, after)


def test_before_and_after_are_said_field_by_field_in_chinese():
    rename = record("layer.rename", before={"layer_id": 4, "name": "甲"}, after={"layer_id": 4, "name": "乙"})
    assert delta_text(rename) == "名称：甲 → 乙"  # the internal id is not shown
    role = record("account.role", kind="account", before={"role": "editor"}, after={"role": "viewer"})
    assert delta_text(role) == "角色：编辑 → 查看"
    tour = record("document.put", "tour", kind="document", before={"version": 1, "content": "一二三"},
                  after={"version": 2, "content": "一二三四五"})
    assert delta_text(tour) == "版本：1 → 2；内容：3 字 → 5 字"
    add = record("layer.add", after={"layer_id": 4, "name": "甲", "features": 12, "source": "甲.zip"})
    assert delta_text(add) == "名称：（无） → 甲；要素数：（无） → 12；来源：（无） → 甲.zip"


def test_settings_and_corrections_are_said_by_their_chinese_names():
    """变更记录 names a setting by its label (起始年份, not plan_start_year), accuracy in words, no internal ids."""
    year = record("setting.put", "plan_start_year", kind="setting", before=None, after={"value": 2018})
    assert target_name(year) == "起始年份" and delta_text(year) == "值：（无） → 2018"
    assert target_name(record("setting.put", "session_idle_hours", kind="setting")) == "登录闲置时限（小时）"
    older = ChangeRecord(2, datetime(2026, 5, 1), "张三", "setting", "setting.put", "plan_start_year",
                         "设置「plan_start_year」：（未设置） → 2018", None, {"value": 2018})
    assert summary_text(older) == "设置「起始年份」：（未设置） → 2018"  # a row recorded before the labels
    moved = record("correction.add", "edz_south", kind="correction",
                   before={"uid": None, "accuracy": "schematic"},
                   after={"uid": "3f2a9c", "accuracy": "located", "source": "天地图", "source_date": "2026-05-01",
                          "method": "在地图上绘制"})
    assert delta_text(moved) == ("位置精度：示意位置（规划未给出，编者所画） → 位置有出处；来源：（无） → 天地图；"
                                 "来源日期：（无） → 2026-05-01；校正方式：（无） → 在地图上绘制")
    assert target_name(moved, {"edz_south": "南区"}) == "南区"
    unit = record("account.role", "填报员", kind="account", before={"role": "viewer", "unit": None},
                  after={"role": "reporter", "unit": "市经信委"})
    assert delta_text(unit) == "角色：查看 → 填报；牵头单位：（无） → 市经信委"
    imported = record("progress.report", "市经信委", kind="progress",
                      after={"batch": "ab12", "count": 2, "items": ["4.1-1", "4.2-1"]})
    assert delta_text(imported) == "条数：（无） → 2；事项：（无） → 4.1-1、4.2-1"


def test_what_can_be_undone_and_which_permission_that_needs():
    assert undo_permission(record("layer.add")) == "remove"
    assert undo_permission(record("layer.remove")) == "remove"
    assert undo_permission(record("layer.rename")) == "rename"
    assert undo_permission(record("document.put", "tour", before={"version": 1, "content": "x"})) == "edit_tour"
    assert undo_permission(record("document.put", "tour")) is None  # the first save has nothing to go back to
    assert undo_permission(record("setting.put", "x")) is None
    assert undo_permission(record("setting.put", "x", before={"value": 1})) == "manage_settings"
    assert undo_permission(record("account.add", kind="account")) is None
    assert undo_permission(record("layer.purge")) is None
    assert undo_permission(record("progress.report", "住建局", kind="progress", after={"batch": "b"})) == "report_progress"
    assert undo_permission(record("correction.add", kind="correction")) is None
    viewer, editor = User("甲", roles.VIEWER, False), User("乙", roles.EDITOR, False)
    assert not viewer.can(undo_permission(record("layer.add"))) and editor.can(undo_permission(record("layer.add")))


def test_every_declared_undo_is_a_store_method_and_a_known_permission():
    from store.base import Store
    from store.labels import ACTIONS, KINDS
    for action in ACTIONS.values():
        assert action.kind in KINDS, action.id
        if action.undo:
            assert callable(getattr(Store, action.undo, None)), action.id
        assert action.undo_permission is None or action.undo_permission in roles.PERMISSIONS, action.id


def test_beijing_days_become_the_stores_utc_bounds():
    since, until = utc_bounds(date(2026, 5, 1), date(2026, 5, 1))
    assert since == datetime(2026, 4, 30, 16, 0) and until == datetime(2026, 5, 1, 16, 0)  # 00:00–24:00 UTC+8
    assert utc_bounds(None, None) == (None, None)


def test_names_from_files_are_escaped_in_the_log():
    hostile = record("layer.add", target="<img src=x onerror=alert(1)>", after={"name": "<script>x</script>"})
    html = log_table([hostile])
    assert "<img" not in html and "<script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;script&gt;x&lt;/script&gt;" in html


def test_a_layer_says_who_added_it_when_and_from_which_file(tmp_path):
    from store.gpkg import GpkgStore

    store = GpkgStore(tmp_path / "workspace.gpkg")
    try:
        info = store.add_layer("甲", gpd.GeoDataFrame({"名称": ["点"]}, geometry=[Point(117.8, 31.6)], crs="EPSG:4490"),
                               "张三", source="点位.csv")
        text = added_text(info)
        assert text.startswith("张三 20") and text.endswith(" 添加 · 1 个要素 · 来自 点位.csv")
    finally:
        store.engine.dispose()


def test_settings_values_are_read_as_typed():
    assert parse_value("2023") == 2023 and parse_value("true") is True and parse_value("巢湖") == "巢湖"
    assert parse_value(' [1, 2] ') == [1, 2]


def test_only_managers_are_offered_account_management():
    for role in roles.ROLE_NAMES:
        offered = allowed_pages(User("某人", role, False))
        assert ("accounts" in offered) == (role == roles.ADMIN)
        assert {"map", "overview", "present", "tour", "changes"} <= set(offered) <= set(PAGES)


def test_a_page_names_who_may_open_it_and_admin_is_the_account_page():
    assert requested_mode("admin") == "accounts" and requested_mode(None) == "map" and requested_mode("nonsense") == "map"
    assert who_may_open("accounts") == ["管理"] and who_may_open("correct") == ["编辑", "管理"]
    assert who_may_open("map") == ["查看", "填报", "编辑", "管理"]

"""The office on one map, in the real app: the login page, each role's limits, the change log with who did what,
restoring a removed layer from the 回收站, and the tour kept in the store (a restart, and two editors at once)."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

import browser as bh
from store.gpkg import GpkgStore
from presentation.tour import DEFAULT_TOUR, load_tour, tour_from_yaml

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "巢湖规划2026!"
ACCOUNTS = {"管理员": "管理", "编辑员": "编辑", "查看员": "查看", "错密员": "查看", "降级员": "编辑"}
SHARED = "共享图层"


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """The app on a GeoPackage store with four accounts and one layer added by the 管理员: (url, workspace)."""
    ws = tmp_path_factory.mktemp("office-ws")
    store = GpkgStore(ws / "workspace.gpkg")
    for name, role in ACCOUNTS.items():
        store.add_account(name, PASSWORD, role, "测试")
    store.add_layer(SHARED, gpd.GeoDataFrame({"名称": ["共享地块"]}, geometry=[Point(117.85, 31.62).buffer(0.01)],
                                             crs="EPSG:4490"), "管理员", source="共享.geojson")
    store.engine.dispose()
    url, stop = bh.start_streamlit(bh.REPO / "streamlit_app.py", cwd=bh.REPO, timeout=180,
                                   log_path=bh.ARTIFACTS / "streamlit-office.log", env_extra={"CHAOHU_WORKSPACE": str(ws)})
    try:
        yield url, ws
    finally:
        stop()


def login(page, url: str, name: str, password: str = PASSWORD, wait_map: bool = True, query: str = ""):
    """Log in through the app's login page (bh.login); a wrong password is not waited on as signed in."""
    bh.login(page, url, name, password, wait_map, query, signed_in=password == PASSWORD)


def sidebar(page) -> str:
    return page.inner_text('[data-testid="stSidebar"]')


def page_switch(page):
    """The sidebar's page switch (by its label 页面: a stale copy left by a run being replaced has none)."""
    return page.locator('[data-testid="stSidebar"]').get_by_role("radiogroup", name="页面")


def pages_offered(page) -> list[str]:
    return page_switch(page).locator("label").all_inner_texts()


def go(page, name: str):
    """Switch page with the sidebar's page switch (the login lives in this browser tab's session)."""
    bh._wait_idle(page)  # the last action's run has finished drawing
    page_switch(page).locator("label").filter(has_text=name).click()
    bh._wait_idle(page)


def geojson_file(tmp_path, stem: str, names: list[str]):
    """A small GeoJSON of polygons named `names` near 巢湖市's centre."""
    features = [{"type": "Feature", "properties": {"名称": n},
                 "geometry": Polygon([(117.70 + 0.03 * i, 31.70), (117.72 + 0.03 * i, 31.70), (117.72 + 0.03 * i, 31.72),
                                      (117.70 + 0.03 * i, 31.72)]).__geo_interface__} for i, n in enumerate(names)]
    path = tmp_path / f"{stem}.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


def layer_index(page, name: str) -> int:
    """Position of a layer in the 我的数据 list (its name box, its 删除 button)."""
    bh.open_group(page, "我的数据")
    boxes = page.locator('input[aria-label="图层名称"]')
    return [boxes.nth(i).input_value() for i in range(boxes.count())].index(name)


def name_box(page, name: str):
    """The name box of a layer in the 我的数据 list."""
    return page.locator('input[aria-label="图层名称"]').nth(layer_index(page, name))


def upload(page, path):
    """Add a file through the 我的数据 form; the report's text once it says 已添加."""
    bh.open_group(page, "我的数据")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_role("button", name="添加到地图").click()
    try:
        page.wait_for_selector('.upload-report[data-kind="success"]', timeout=180_000)
    finally:
        bh.screenshot(page, f"office-upload-{path.stem}")
    return page.locator(".upload-report").inner_text()


def test_login_refuses_a_wrong_password_in_chinese_and_logout_ends_the_session(office, page):
    url, _ = office
    login(page, url, "错密员", "不是这个密码", wait_map=False)
    alert = page.locator(".chaohu-login-message")
    page.wait_for_function("() => document.querySelector('.chaohu-login-message')?.innerText", timeout=60_000)
    assert alert.inner_text() == "账号或密码不正确。"
    assert page.locator('iframe[title*="streamlit_folium"]').count() == 0  # nothing of the map before a login
    login(page, url, "错密员")
    assert "当前用户：错密员（查看）" in sidebar(page)
    assert "未配置账号" not in sidebar(page)
    page.get_by_role("button", name="退出登录").click()
    # exact: "登录" alone also names the 退出登录 button still on the page until the logout's run has drawn the form
    page.get_by_role("button", name="登录", exact=True).wait_for(timeout=60_000)
    page.reload()  # the session is over, not merely hidden
    page.get_by_role("button", name="登录", exact=True).wait_for(timeout=60_000)
    assert page.locator('iframe[title*="streamlit_folium"]').count() == 0


def test_a_viewer_sees_no_upload_rename_delete_or_tour_editing(office, page):
    url, _ = office
    login(page, url, "查看员")
    bh.open_group(page, "我的数据")
    side = sidebar(page)
    assert SHARED in side and "管理员" in side and "添加 · 1 个要素 · 来自 共享.geojson" in side  # who added it, when
    assert "不能上传或修改图层" in side
    assert page.locator('[data-testid="stFileUploader"]').count() == 0
    assert page.get_by_role("button", name="添加到地图").count() == 0
    assert page.get_by_role("button", name="删除").count() == 0
    assert page.get_by_label("图层名称").count() == 0
    assert "账号管理" not in pages_offered(page) and "变更记录" in pages_offered(page)
    go(page, "编辑汇报")
    page.get_by_text("汇报内容").first.wait_for(timeout=60_000)
    assert page.get_by_role("button", name="保存修改").count() == 0 and page.get_by_role("button", name="添加").count() == 0
    page.goto(url + "/?mode=accounts")  # not offered, and not reachable by URL either (the login lasts: no new login)
    page.get_by_role("heading", name="无权访问").wait_for(timeout=180_000)  # said, not silently another page
    bh._wait_idle(page)
    assert page.get_by_text("添加账号").count() == 0 and page.get_by_role("heading", name="账号管理").count() == 0


def test_an_editor_uploads_under_their_name_and_sees_no_account_management(office, page, tmp_path):
    url, _ = office
    login(page, url, "编辑员")
    assert "账号管理" not in pages_offered(page)
    bh.open_group(page, "我的数据")
    assert page.get_by_role("button", name="删除").count() >= 1
    report = upload(page, geojson_file(tmp_path, "编辑上传", ["编辑上传地块"]))
    assert "已添加「编辑上传」1 个要素" in report
    bh.wait_user_features(page, ["编辑上传地块"])  # the uploaded layer on the map
    assert "编辑员 " in sidebar(page) and "来自 编辑上传.geojson" in sidebar(page)


def test_a_change_is_refused_when_the_role_was_lowered_after_the_page_was_drawn(office, page):
    """The page hides what a role may not do, but the store's role is asked again before every change."""
    url, ws = office
    login(page, url, "降级员")
    bh.open_group(page, "我的数据")
    assert page.get_by_role("button", name="删除").count() >= 1
    store = GpkgStore(ws / "workspace.gpkg")
    try:
        store.set_role("降级员", "查看", "管理员")  # meanwhile, an administrator lowers the role
        page.get_by_role("button", name="删除").nth(layer_index(page, SHARED)).click()
        report = page.locator('.layer-report[data-kind="error"]')
        report.wait_for(timeout=60_000)
        assert report.inner_text() == "删除未完成：「查看」角色无权删除和恢复图层，请联系管理员。"
        assert SHARED in store.layer_names() and store.changes(action="layer.remove", target=SHARED) == []
        page.get_by_role("button", name="删除").first.wait_for(state="detached", timeout=60_000)  # and the page follows
    finally:
        store.set_role("降级员", "编辑", "管理员")
        store.engine.dispose()


def test_an_administrator_manages_accounts(office, page):
    url, ws = office
    login(page, url, "管理员")
    go(page, "账号管理")
    table = page.locator("table.accounts")
    table.wait_for(timeout=60_000)
    for name, role in ACCOUNTS.items():
        assert page.locator(f'tr[data-account="{name}"]').inner_text().split("\t")[:2] == [name, role]
    page.get_by_label("账号名称").fill("新同事")
    page.get_by_label("初始密码（至少 8 个字符）").fill("新同事的密码123")
    page.get_by_label("再次输入密码").fill("新同事的密码123")
    page.get_by_role("button", name="添加账号").click()
    page.get_by_text("已添加账号「新同事」（编辑）。").wait_for(timeout=60_000)
    assert page.locator('tr[data-account="新同事"]').inner_text().split("\t")[:2] == ["新同事", "编辑"]
    store = GpkgStore(ws / "workspace.gpkg")
    try:
        assert [(r.user, r.summary) for r in store.changes(action="account.add", limit=1)] == [("管理员", "添加账号「新同事」（编辑）")]
    finally:
        store.engine.dispose()


def test_the_change_log_shows_who_added_renamed_and_removed_and_a_restore_brings_the_layer_back(office, page, tmp_path):
    url, _ = office
    login(page, url, "编辑员")
    upload(page, geojson_file(tmp_path, "日志图层", ["日志地块"]))
    bh.wait_user_features(page, ["日志地块"])  # the uploaded layer on the map
    box = name_box(page, "日志图层")
    box.fill("日志图层改名")
    box.press("Enter")
    page.locator('.layer-report[data-kind="success"]').wait_for(timeout=60_000)
    assert "已改名为「日志图层改名」" in page.locator(".layer-report").inner_text()
    bh._wait_idle(page)
    index = layer_index(page, "日志图层改名")
    page.get_by_role("button", name="删除").nth(index).click()
    page.get_by_text("已将「日志图层改名」移入回收站").wait_for(timeout=60_000)
    bh.wait_user_features(page, ["日志地块"], present=False)  # the removed layer gone from the map

    go(page, "变更记录")
    table = page.locator("table.change-log")
    table.wait_for(timeout=60_000)
    rows = [r.split("\t") for r in table.locator("tbody tr").all_inner_texts()]
    mine = [(r[2], r[4], r[5]) for r in rows if r[5].startswith("日志图层")]
    assert mine[:3] == [("编辑员", "删除图层（移入回收站）", "日志图层改名"), ("编辑员", "重命名图层", "日志图层"),
                        ("编辑员", "添加图层", "日志图层")]
    rename = next(r for r in rows if r[4] == "重命名图层" and r[5] == "日志图层")
    assert rename[7] == "名称：日志图层 → 日志图层改名"  # before → after
    # the user filter keeps only that user's changes
    page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text("用户", exact=True)).locator("input").click()
    page.get_by_role("option", name="管理员", exact=True).click()
    page.wait_for_function("""() => [...document.querySelectorAll('table.change-log tbody tr td:nth-child(3)')]
                                  .every(td => td.innerText === '管理员')""", timeout=60_000)
    assert "日志图层" not in page.locator("table.change-log").inner_text()

    item = page.locator(".bin-item").filter(has_text="日志图层改名")
    assert "编辑员" in item.inner_text() and "还可恢复 30 天" in item.inner_text()
    bins = page.locator(".bin-item")
    index = [bins.nth(i).inner_text() for i in range(bins.count())].index(item.inner_text())
    page.get_by_role("button", name="恢复").nth(index).click()
    page.get_by_text("已恢复图层「日志图层改名」。").wait_for(timeout=60_000)
    go(page, "规划地图")
    bh.wait_for_app(page, timeout=180_000)
    bh.wait_user_features(page, ["日志地块"])  # the restored layer back on the map


def test_two_editors_of_the_tour_never_overwrite_each_other(office, browser):
    url, ws = office
    first, second = bh.new_page(browser), bh.new_page(browser)

    def slide(pg, n):
        return pg.locator('[data-testid="stExpander"]').nth(n)

    def stored():
        store = GpkgStore(ws / "workspace.gpkg")
        try:
            return tour_from_yaml(store.document("tour").content)
        finally:
            store.engine.dispose()

    def save(pg, n, title):
        slide(pg, n).get_by_label("标题").fill(title)
        slide(pg, n).get_by_role("button", name="保存修改").click()  # typed and saved at once: no rerun in between
        pg.get_by_text(f"{n + 1}. {title}").wait_for(timeout=60_000)
        bh._wait_idle(pg)

    try:
        for pg in (first, second):
            login(pg, url, "编辑员", wait_map=False)
            go(pg, "编辑汇报")
            pg.get_by_role("heading", name="编辑汇报").wait_for(timeout=60_000)
            bh._wait_idle(pg)
            bh.open_expander(pg, slide(pg, 0))
            bh._wait_idle(pg)
        original = [s.title for s in load_tour(DEFAULT_TOUR).slides]
        save(first, 0, "甲改的标题")
        # the second editor's page still shows the version before: moving a slide there is refused, not applied
        slide(second, 0).get_by_role("button", name="下移").click()
        alert = second.locator('[data-testid="stAlertContentError"]')
        alert.wait_for(timeout=60_000)
        assert "已被编辑员" in alert.inner_text() and "尚未保存" in alert.inner_text()
        second.get_by_text("1. 甲改的标题").wait_for(timeout=60_000)  # and it now shows the first editor's version
        assert [s.title for s in stored().slides][:2] == ["甲改的标题", original[1]]

        # typing into a slide someone else changed meanwhile: the typed text is named, not dropped silently
        bh._wait_idle(second)
        save(first, 0, "甲再改的标题")
        box = slide(second, 0).get_by_label("标题")
        box.fill("乙改的标题")
        box.press("Enter")
        warning = second.locator('[data-testid="stAlertContentWarning"]')
        warning.wait_for(timeout=60_000)
        assert "乙改的标题" in warning.inner_text() and "尚未保存" in warning.inner_text()
        second.get_by_text("1. 甲再改的标题").wait_for(timeout=60_000)
        assert stored().slides[0].title == "甲再改的标题"

        # different slides edited on two pages: both saves are kept
        bh._wait_idle(second)
        bh.open_expander(second, slide(second, 1))
        bh._wait_idle(second)
        bh.open_expander(first, slide(first, 2))
        bh._wait_idle(first)
        save(first, 2, "甲改的第三页")
        save(second, 1, "乙改的第二页")  # on a page drawn before the first editor's save
        titles = [s.title for s in stored().slides]
        assert titles[:3] == ["甲再改的标题", "乙改的第二页", "甲改的第三页"]
        assert titles[3:] == original[3:]
    finally:
        first.context.close()
        second.context.close()


def start(workspace, **env):
    """The app on `workspace` (plus env); (url, stop)."""
    return bh.start_streamlit(bh.REPO / "streamlit_app.py", cwd=bh.REPO, timeout=180, log_path=bh.ARTIFACTS / "streamlit-office.log",
                              env_extra={"CHAOHU_WORKSPACE": str(workspace), **env})


def test_the_tour_saved_in_postgis_survives_an_app_restart(page, pg_cluster, tmp_path):
    database = pg_cluster.new_database()
    url, stop = start(tmp_path, CHAOHU_DATABASE_URL=database)
    try:
        _edit_first_title(page, url)
    finally:
        stop()
    assert not (tmp_path / "tour.yaml").exists()  # in the database, not in the app's folder
    url, stop = start(tmp_path, CHAOHU_DATABASE_URL=database)  # the app restarted
    try:
        page.goto(url + "/?mode=tour")
        page.get_by_text("1. 存在数据库里的标题").wait_for(timeout=120_000)
        assert "第 1 版，本机用户" in page.inner_text("body")
        go(page, "变更记录")
        page.locator("table.change-log").wait_for(timeout=60_000)
        assert "保存「汇报」第 1 版" in page.locator("table.change-log").inner_text()
    finally:
        stop()


def _edit_first_title(page, url: str) -> None:
    """In the open app (no accounts): retitle the first slide 存在数据库里的标题 and save."""
    page.goto(url + "/?mode=tour")
    page.get_by_role("heading", name="编辑汇报").wait_for(timeout=120_000)
    assert "未配置账号：所有人可编辑（单机模式）" in sidebar(page)
    page.locator('[data-testid="stExpander"]').first.locator("summary").click()
    page.locator('[data-testid="stExpander"]').first.get_by_label("标题").fill("存在数据库里的标题")
    page.locator('[data-testid="stExpander"]').first.get_by_role("button", name="保存修改").click()
    page.get_by_text("1. 存在数据库里的标题").wait_for(timeout=60_000)

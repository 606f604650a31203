"""A login that lasts, in the real app and Chromium: through a reload, a new tab on a copied link, a server restart and
the 汇报 page and back; and an account removed on the command line can do nothing more from a page still open."""

from __future__ import annotations

import pytest

import browser as bh
from loaders.__main__ import main as loaders_main
from store.accounts import COOKIE
from store.gpkg import GpkgStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "巢湖规划2026!"


def _signed_in(page, name: str):
    page.get_by_text(f"当前用户：{name}").wait_for(timeout=180_000)


def _login_form(page):
    return page.get_by_label("账号", exact=True)


def test_a_login_lasts_across_reloads_tabs_and_the_tour_and_ends_with_the_account(start_app, page, tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    store = GpkgStore(ws / "workspace.gpkg")
    store.add_account("管理员", PASSWORD, "管理", "测试")
    store.add_account("编辑员", PASSWORD, "编辑", "管理员")
    store.engine.dispose()
    url = start_app(workspace=ws, timeout=180)

    page.goto(url)
    _login_form(page).wait_for(timeout=120_000)
    assert page.locator('[data-testid="stFileUploader"]').count() == 0  # nothing to upload into before a login
    _login_form(page).fill("编辑员")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    _signed_in(page, "编辑员")
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find(COOKIE) < 0  # the page's scripts cannot read it

    page.reload()
    _signed_in(page, "编辑员")
    other = page.context.new_page()  # a new tab on a copied link
    other.goto(page.url)
    _signed_in(other, "编辑员")
    other.close()
    restarted = start_app(workspace=ws, timeout=180)  # another server process on the same store (a restart)
    page.goto(restarted)
    _signed_in(page, "编辑员")

    page.goto(url + "/?mode=present")  # back on the first server
    leave = page.get_by_text("← 退出汇报")
    leave.wait_for(timeout=120_000)
    assert _login_form(page).count() == 0
    leave.click()
    _signed_in(page, "编辑员")
    assert _login_form(page).count() == 0
    bh._wait_idle(page)

    monkeypatch.setenv("CHAOHU_WORKSPACE", str(ws))
    from store import forget_stores

    forget_stores()
    assert loaders_main(["accounts", "remove", "编辑员", "--by", "管理员"]) == 0  # python -m loaders accounts remove
    forget_stores()

    page.locator('[data-testid="stSidebar"]').get_by_role("radiogroup", name="页面").locator("label").nth(1).click()
    _login_form(page).wait_for(timeout=120_000)
    assert page.get_by_text("请重新登录").count() >= 1
    assert "当前用户：编辑员" not in page.inner_text("body")

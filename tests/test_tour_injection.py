"""A slide's title and text, the tour's title and an account name are shown as typed and never run or fetched:
in the presentation page (汇报模式 in the app and the offline HTML of 编辑汇报) and on the 编辑汇报 page itself."""

from __future__ import annotations

import json
import re

import pytest

import browser as bh
from presentation.tour import Slide, Tour
from presentation.tour_html import tour_html

#: What an 编辑 could type: an image whose error handler runs script, the old page's data placeholder, a comment
#: opener that swallowed the rest of the page, a script end tag, and Markdown that fetches an outside image.
HOSTILE = "<img src=x onerror=window.__xss=1>"
COMMENT = "<!--<script>"
SCRIPT_END = "</script><script>window.__xss=2</script>"
MARKDOWN = "![x](http://example.invalid/a.png)"
ACCOUNT = "![y](http://example.invalid/b.png)"


def hostile_tour() -> Tour:
    return Tour(title=f"汇报 {HOSTILE}", slides=(
        Slide(title=HOSTILE, text="__DATA__", places=("edz_juchao",), layers=("city_boundary", "lake", "juchao_edz")),
        Slide(title=COMMENT, text=SCRIPT_END, places=("ft_huanglu",), layers=("city_boundary", "feature_towns")),
        Slide(title=MARKDOWN, text="__SCRIPT__ __SLIDES__", places=("ft_huailin",), layers=("city_boundary", "feature_towns")),
    ))


TITLES = [HOSTILE, COMMENT, MARKDOWN]


@pytest.fixture(scope="module")
def hostile_page(catalog, plan) -> str:
    return tour_html(hostile_tour(), plan, catalog)


def test_hostile_titles_and_texts_are_escaped_text_in_the_page(hostile_page):
    page = hostile_page
    assert "&lt;img src=x onerror=window.__xss=1&gt;" in page and "<img src=x" not in page
    assert "&lt;!--&lt;script&gt;" in page and COMMENT not in page
    assert "&lt;/script&gt;&lt;script&gt;window.__xss=2&lt;/script&gt;" in page and SCRIPT_END not in page
    assert page.count("</script>") == 4  # Leaflet, the data, the map's placer, the tour's script: nothing added
    # the data element holds the texts as JSON with no markup in it, and gives them back as typed
    raw = re.search(r'<script id="tour-data" type="application/json">(.*?)</script>', page, flags=re.S).group(1)
    assert "<" not in raw and ">" not in raw
    data = json.loads(raw)
    assert [s["title"] for s in data["slides"]] == TITLES and data["title"] == f"汇报 {HOSTILE}"
    assert "<title>汇报 &lt;img src=x onerror=window.__xss=1&gt;</title>" in page


def _present(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.tour && window.tour.ready && !window.tour.moving", timeout=30_000)


def test_the_offline_presentation_shows_hostile_titles_literally_and_still_presents(page, hostile_page, tmp_path):
    path = tmp_path / "汇报.html"
    path.write_text(hostile_page, encoding="utf-8")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _present(page, path.as_uri())
    assert page.locator("#panel .slide").count() == len(TITLES)
    for i, title in enumerate(TITLES):
        if i:
            page.keyboard.press("ArrowRight")
            page.wait_for_function("n => window.tour.index === n && !window.tour.moving", arg=i, timeout=30_000)
        assert page.inner_text(".slide.active .slide-title") == title
        assert page.inner_text("#counter").replace(" ", "") == f"{i + 1}/{len(TITLES)}"
        assert page.evaluate("window.tour.placesInView()") and page.evaluate("window.tour.drawn()") > 0
    assert page.inner_text(".slide[data-index='1'] .slide-text") == SCRIPT_END
    page.keyboard.press("Home")
    page.wait_for_function("() => window.tour.index === 0")
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#panel img, #panel script").count() == 0
    assert page.evaluate("document.title") == f"汇报 {HOSTILE}"
    assert errors == []
    assert not [u for u in page.requests if "example.invalid" in u or u.endswith("/x")]


@pytest.fixture
def hostile_office(start_app, tmp_path_factory, monkeypatch):
    """The app whose store holds the hostile tour, saved by an account whose name is Markdown."""
    from presentation.tour import store_tour
    from store import forget_stores

    ws = tmp_path_factory.mktemp("hostile-tour-ws")
    monkeypatch.setenv("CHAOHU_WORKSPACE", str(ws))
    monkeypatch.delenv("CHAOHU_DATABASE_URL", raising=False)
    store_tour(hostile_tour(), ACCOUNT, expected_version=0)
    forget_stores()
    return start_app(workspace=ws)


def test_the_app_shows_the_hostile_tour_as_text_in_both_tour_pages(page, hostile_office):
    # 汇报模式: the page in its frame presents, and no script ran in the frame or in the app's own page
    page.goto(hostile_office + "/?mode=present")
    frame = page.wait_for_selector("iframe", timeout=120_000).content_frame()
    frame.wait_for_function("window.tour && window.tour.ready && !window.tour.moving", timeout=120_000)
    assert frame.inner_text(".slide.active .slide-title") == HOSTILE
    assert frame.locator("#panel .slide").count() == len(TITLES)
    assert page.evaluate("typeof window.__xss") == "undefined" and frame.evaluate("typeof window.__xss") == "undefined"
    # 编辑汇报: the titles in the slides' headers and the account in 「第 1 版，…」 as typed, no image fetched
    page.goto(hostile_office + "/?mode=tour")
    page.get_by_role("heading", name="编辑汇报").wait_for(timeout=120_000)
    bh._wait_idle(page)
    body = page.inner_text("body")
    assert f"3. {MARKDOWN}" in body and f"1. {HOSTILE}" in body and f"2. {COMMENT}" in body
    assert f"第 1 版，{ACCOUNT} 于" in body
    assert page.locator('img[src*="example.invalid"]').count() == 0
    assert not [u for u in page.requests if "example.invalid" in u]
    assert page.evaluate("typeof window.__xss") == "undefined"

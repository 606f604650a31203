"""汇报模式 in a browser: the exported HTML, opened from file:// with the network blocked, presents every slide."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import browser as bh

from layers.catalog import load_catalog
from core.declarations import LAYERS
from core.formatting import map_note
from loaders.plan import load_plan
from presentation.tour import DEFAULT_TOUR, load_tour
from presentation.tour_html import tour_html

#: What presentation clickers and keyboards send to go forward / back.
FORWARD_KEYS = ("ArrowRight", "PageDown", "Space")
BACK_KEYS = ("ArrowLeft", "PageUp")


@pytest.fixture(scope="module")
def tour():
    return load_tour(DEFAULT_TOUR)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, tour):
    """The tour exported to a file, as it would be copied to a USB stick."""
    path = tmp_path_factory.mktemp("usb") / "汇报.html"
    path.write_text(tour_html(tour, load_plan(), load_catalog()), encoding="utf-8")
    return path


@pytest.fixture
def offline_page(browser):
    """A page whose every non-file request is aborted and recorded."""
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    blocked = []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.blocked = blocked
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    try:
        yield page
    finally:
        context.close()


#: The screens the tour must work on: an office laptop and a meeting-room display.
SCREENS = ({"width": 1366, "height": 768}, {"width": 1920, "height": 1080})

def _settled(page):
    """Wait until the map has finished flying to the current slide."""
    page.wait_for_function("window.tour && window.tour.ready && !window.tour.moving", timeout=15_000)


def test_exported_tour_presents_every_slide_offline_with_the_keyboard(offline_page, exported, tour):
    page = offline_page
    page.goto(exported.as_uri())
    _settled(page)
    total = len(tour.slides)
    assert page.evaluate("window.tour.slides.length") == total
    for i, slide in enumerate(tour.slides):
        if i:
            page.keyboard.press(FORWARD_KEYS[i % len(FORWARD_KEYS)])
            page.wait_for_function("n => window.tour.index === n", arg=i)
            _settled(page)
        assert page.inner_text(".slide.active .slide-title") == slide.title
        assert page.is_visible(".slide.active .slide-title")
        assert page.inner_text("#counter").replace(" ", "") == f"{i + 1}/{total}"
        assert page.is_visible("#note") and page.inner_text("#note") == map_note()
        assert page.evaluate("window.tour.placesInView()"), f"{slide.title}: places not in view"
        assert page.evaluate("window.tour.drawn()") > 0, f"{slide.title}: map not drawn"
        page.screenshot(path=str(exported.parent / f"slide-{i + 1}.png"))
    page.keyboard.press("PageDown")  # past the end stays on the last slide
    _settled(page)
    assert page.evaluate("window.tour.index") == total - 1
    for k, key in enumerate(BACK_KEYS, 1):
        page.keyboard.press(key)
        page.wait_for_function("n => window.tour.index === n", arg=total - 1 - k)
    _settled(page)
    assert page.inner_text(".slide.active .slide-title") == tour.slides[total - 1 - len(BACK_KEYS)].title
    assert page.evaluate("window.tour.placesInView()")
    assert page.blocked == [] and page.errors == []


def test_exported_tour_uses_its_embedded_chinese_font(offline_page, exported):
    page = offline_page
    page.goto(exported.as_uri())
    _settled(page)
    loaded = page.evaluate("""async () => { await document.fonts.ready;
        return [...document.fonts].filter(f => f.family.replace(/"/g, '') === 'TourCJK').map(f => f.status); }""")
    assert loaded == ["loaded"]
    family = page.evaluate("getComputedStyle(document.querySelector('.slide.active .slide-title')).fontFamily")
    assert family.startswith('"TourCJK"') or family.startswith("TourCJK")
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.slide.active .slide-title')).fontSize)")
    assert size >= 40  # readable from the back of a room on a 1600-pixel screen


def _labelled_names(catalog, slide) -> set[str]:
    """Names of the slide's own places drawn with a permanent label on it."""
    labelled = {spec.id for spec in LAYERS if spec.labels and spec.id in slide.layers}
    f = catalog.features
    return set(f.loc[f["id"].isin(slide.places) & f["layer"].isin(labelled), "name"])


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s['width']}x{s['height']}")
def test_every_slide_fits_the_screen_with_labels_that_never_overlap(browser, exported, tour, catalog, screen):
    context = browser.new_context(viewport=screen, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(exported.as_uri())
        _settled(page)
        for i, slide in enumerate(tour.slides):
            if i:
                page.keyboard.press("ArrowRight")
                page.wait_for_function("n => window.tour.index === n", arg=i)
                _settled(page)
            state = page.evaluate(bh.TOUR_SLIDE_STATE_JS)
            where = f"slide {i + 1} ({slide.title}) at {screen['width']}x{screen['height']}"
            assert state["pairs"] == [], where
            assert state["panelOverflow"] <= 1 and state["panelBottom"] <= state["height"] + 1, where
            assert state["covered"], f"{where}: map drawn inside a smaller rectangle"
            assert state["mapRight"] <= state["panelLeft"] + 1, where  # the map lies beside the text, not under it
            assert page.evaluate("window.tour.placesInView()"), f"{where}: places cut off"
            own = _labelled_names(catalog, slide)
            if own:  # the slide's own places win collisions: most of them keep their names
                assert len(own & set(state["shown"])) * 2 >= len(own), (where, own, state["shown"])
            labels = page.evaluate("window.tour.labels")
            assert state["shown"] and labels["shown"] >= labels["crowded"], f"{where}: labels hidden wholesale {labels}"
        page.keyboard.press("Home")  # back to the overall slide: its whole city beside the panel
        page.wait_for_function("() => window.tour.index === 0")
        _settled(page)
        assert page.evaluate("window.tour.placesInView(0)")
    finally:
        context.close()


def test_zooming_in_shows_more_labels_and_still_none_overlap(offline_page, exported, catalog):
    page = offline_page
    page.goto(exported.as_uri() + "#9")  # 责任分工: every town's name on the whole city
    _settled(page)
    before = page.evaluate(bh.TOUR_SLIDE_STATE_JS)
    urban = {"亚父街道", "卧牛山街道", "凤凰山街道", "半汤街道", "天河街道"}
    seats = catalog.layers["townships"]
    centre = seats[seats["name"].isin(urban)].geometry.union_all().centroid
    page.evaluate("([lat, lon]) => window.tour.map.setZoomAround(L.latLng(lat, lon), window.tour.map.getZoom() + 2, "
                  "{animate: false})", [centre.y, centre.x])  # the presenter zooms into the city centre
    try:  # the labels are placed again after the zoom (later on a busy machine)
        page.wait_for_function(f"""([urban, n]) => {{ const s = ({bh.TOUR_SLIDE_STATE_JS})();
                                   return urban.filter(t => s.shown.includes(t)).length > n; }}""",
                               arg=[sorted(urban), len(urban & set(before["shown"]))], timeout=15_000)
    except PlaywrightTimeout:
        pass  # the assertion below says what is shown
    after = page.evaluate(bh.TOUR_SLIDE_STATE_JS)
    assert after["pairs"] == [] and before["pairs"] == []
    assert len(urban & set(after["shown"])) > len(urban & set(before["shown"]))  # the dense centre opens up


def test_a_resized_window_keeps_the_presenters_zoom_and_refits_an_untouched_slide(offline_page, exported):
    page = offline_page
    page.goto(exported.as_uri() + "#3")
    _settled(page)
    page.set_viewport_size({"width": 1366, "height": 768})  # the projector's resolution is switched
    page.wait_for_function("() => !window.tour.moving && window.tour.placesInView()", timeout=15_000)
    fitted = page.evaluate("window.tour.map.getZoom()")
    page.evaluate("window.tour.map.setZoom(window.tour.map.getZoom() + 2, {animate: false})")  # the presenter zooms in
    page.evaluate("""() => { const fit = window.tour.fitPanel; window.tour.fittedAt = [];  // note each resize handled
        window.tour.fitPanel = function () { window.tour.fittedAt.push(document.getElementById('map').clientWidth);
                                             return fit.apply(this, arguments); }; }""")
    page.set_viewport_size({"width": 1600, "height": 900})
    # the resize is handled 100 ms after it settles: wait until it was handled at the new width
    page.wait_for_function("""() => { const w = window.tour.fittedAt; const now = document.getElementById('map').clientWidth;
                                      return w.length > 0 && w[w.length - 1] === now && !window.tour.moving; }""",
                           timeout=15_000)
    assert page.evaluate("window.tour.map.getZoom()") == fitted + 2  # not thrown back to the slide's frame
    page.keyboard.press("ArrowRight")  # the next slide is framed again
    page.wait_for_function("() => window.tour.index === 3")
    # framed once the flight and any resize the new slide's panel causes are over
    page.wait_for_function("() => !window.tour.moving && window.tour.placesInView()", timeout=15_000)


#: The smallest text the presenter shows, in CSS pixels, and where: every visible text node's font size, and every
#: chart's smallest text (its SVG's data-min-text, in viewBox units) times the scale the chart is drawn at.
SMALLEST_TEXT_JS = """
() => { let least = Infinity, where = '';
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const node = walk.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || !el.getClientRects().length || el.closest('svg')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const size = parseFloat(style.fontSize);
    if (size < least) { least = size; where = node.textContent.trim().slice(0, 30); }
  }
  document.querySelectorAll('.slide.active .chart svg').forEach(svg => {
    const box = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
    const size = parseFloat(svg.dataset.minText) * Math.min(box.width / vb.width, box.height / vb.height);
    if (size < least) { least = size; where = 'chart ' + svg.closest('figure').className; }
  });
  return {least, where};
}
"""


def smallest_text_on_every_slide(page, count: int, frame=None) -> list[tuple[int, dict]]:
    """(slide number, {least, where}) of every slide, stepped through with the page's keyboard (`frame`: the
    presentation's frame, when it is not the page itself)."""
    frame, out = frame or page, []
    for i in range(count):
        if i:
            page.keyboard.press("ArrowRight")
            frame.wait_for_function("n => window.tour.index === n", arg=i)
        _settled(frame)
        out.append((i + 1, frame.evaluate(SMALLEST_TEXT_JS)))
    return out


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s['width']}x{s['height']}")
def test_no_text_of_the_exported_tour_is_smaller_than_12_px(browser, exported, tour, screen):
    context = browser.new_context(viewport=screen, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(exported.as_uri())
        small = [(n, s) for n, s in smallest_text_on_every_slide(page, len(tour.slides)) if s["least"] < 12 - 1e-6]
        assert small == [], small
    finally:
        context.close()


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s['width']}x{s['height']}")
def test_every_place_slide_8_highlights_is_named(browser, exported, tour, catalog, screen):
    """Slide 8 (战略性新兴产业) highlights parks and a project, layers that carry no names of their own."""
    context = browser.new_context(viewport=screen, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(exported.as_uri() + "#8")
        _settled(page)
        slide = tour.slides[7]
        assert page.evaluate("window.tour.index") == 7 and page.inner_text(".slide.active .slide-title") == slide.title
        f = catalog.features
        names = set(f.loc[f["id"].isin(slide.places), "name"])
        assert len(names) == len(slide.places) and {"锦江产业园", "镁基轻合金新材料产业园"} <= names
        state = page.evaluate(bh.TOUR_SLIDE_STATE_JS)
        assert names <= set(state["shown"]), (names - set(state["shown"]), state["shown"])
        assert state["pairs"] == []
    finally:
        context.close()


#: The line above the presentation in 汇报模式 and the page around it: boxes, whether its text is cut short, whether the
#: page scrolls (the line could be scrolled away), and the presentation frame's box.
PRESENT_BAR_JS = """
() => { const bar = document.querySelector('.chaohu-present-bar'), main = document.querySelector('[data-testid="stMain"]');
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return {bar: box(bar), parts: [...bar.children].map(box), cut: bar.scrollWidth - bar.clientWidth,
          scrolls: main.scrollHeight - main.clientHeight, frame: box(document.querySelector('iframe')),
          width: innerWidth, height: innerHeight}; }
"""


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s['width']}x{s['height']}")
def test_present_mode_shows_its_top_bar_whole_and_no_text_under_12_px(app_url, browser, tour, screen):
    context = browser.new_context(viewport=screen, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(app_url + "/?mode=present")
        handle = page.wait_for_selector('iframe[title="st.iframe"], iframe[srcdoc]', state="attached", timeout=60_000)
        frame = handle.content_frame()
        frame.wait_for_function("window.tour && window.tour.ready", timeout=60_000)
        got = page.evaluate(PRESENT_BAR_JS)
        inside = lambda b: b[0] >= 0 and b[1] >= 0 and b[2] <= got["width"] and b[3] <= got["height"]  # noqa: E731
        assert all(inside(b) for b in [got["bar"], *got["parts"], got["frame"]]), got
        assert got["cut"] <= 0 and got["scrolls"] <= 0, got  # the whole line shown, nothing to scroll it away
        assert got["frame"][1] >= got["bar"][3] - 0.5 and got["frame"][3] >= got["height"] - 1, got  # the frame fills the rest
        page.mouse.click(got["frame"][0] + 40, got["frame"][1] + 40)  # focus the presentation, as a presenter would
        small = [(n, s) for n, s in smallest_text_on_every_slide(page, len(tour.slides), frame) if s["least"] < 12 - 1e-6]
        assert small == [], small
        assert page.evaluate(PRESENT_BAR_JS)["bar"] == got["bar"]  # stepping through the slides scrolled nothing
    finally:
        context.close()

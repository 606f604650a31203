"""专题制图: the printed view has its title, legend, scale and sources, embeds the CJK font, is not blank, and its
scale is true — measured on the PDF: the scale bar, and a place's size on paper against its size on the ground."""

from __future__ import annotations

import io
import subprocess

import numpy as np
import pytest
from PIL import Image

import pdfpage
from core.declarations import LAYERS
from core.formatting import map_note
from geo.crs import MEASURE
from reports.printmap import (PNG_DPI, PageSetup, PrintError, PrintView, extent, layout, nice_scale, print_bytes,
                              true_north)

SHOWN = tuple(s.id for s in LAYERS if s.visible)
PSC = "psc_science_city"  # 巢湖半岛科学城, about 8.8 × 9.7 km
PSC_CENTRE = (31.629, 117.561)
DPI = 300
#: The highlight's outline on paper (mm): 2 px × 0.55 pt/px × 2.4, as reports/printmap.py draws it.
HIGHLIGHT_LINE_MM = 2 * 0.55 * 2.4 / 72 * 25.4


@pytest.fixture(scope="module")
def printed(tmp_path_factory, catalog):
    """Two prints as a planner makes them: the science city highlighted at 1:100,000 on A4 landscape, and the
    南区 area at 1:25,000 on A3 portrait."""
    out = tmp_path_factory.mktemp("print")
    cases = {
        "a4": (PrintView("半岛科学城专题图", SHOWN, center=PSC_CENTRE, highlight=(PSC,)), PageSetup("A4", "landscape", 100_000)),
        "a3": (PrintView("南区一带", SHOWN, center=(31.585, 117.87)), PageSetup("A3", "portrait", 25_000)),
    }
    paths = {}
    for key, (view, setup) in cases.items():
        paths[key] = out / f"{key}.pdf"
        paths[key].write_bytes(print_bytes(catalog, view, setup, "pdf"))
    return paths, cases


@pytest.mark.slow
@pytest.mark.parametrize("key", ["a4", "a3"])
def test_scale_bar_on_the_pdf_matches_the_chosen_scale(printed, key, tmp_path):
    paths, cases = printed
    scale = cases[key][1].scale
    length_mm, km = pdfpage.scale_bar(paths[key], tmp_path)
    on_ground_km = length_mm * scale / 1e6
    assert on_ground_km == pytest.approx(km, rel=0.012), (length_mm, km, scale)  # outline width included
    assert f"比例尺 1:{scale:,}" in pdfpage.text(paths[key])


@pytest.mark.slow
def test_a_place_measures_on_paper_its_ground_size_divided_by_the_scale(printed, catalog, tmp_path):
    paths, cases = printed
    page = pdfpage.pixels(paths["a4"], DPI, tmp_path).astype(int)
    x, y, w, h = layout(cases["a4"][1]).frame  # the map frame only (the legend shows the colour too)
    mm = DPI / 25.4
    page = page[int((210 - y - h) * mm):int((210 - y) * mm), int(x * mm):int((x + w) * mm)]
    r, g, b = page[..., 0], page[..., 1], page[..., 2]
    yellow = (r > 230) & (g > 190) & (g < 225) & (b < 40)  # the highlight colour #ffd000, nothing else is this yellow
    ys, xs = np.nonzero(yellow)
    assert len(xs) > 1000
    width_mm = (xs.max() - xs.min() + 1) / DPI * 25.4 - HIGHLIGHT_LINE_MM
    height_mm = (ys.max() - ys.min() + 1) / DPI * 25.4 - HIGHLIGHT_LINE_MM
    minx, miny, maxx, maxy = catalog.features[catalog.features["id"] == PSC].to_crs(MEASURE).total_bounds
    scale = cases["a4"][1].scale
    assert width_mm == pytest.approx((maxx - minx) * 1000 / scale, abs=0.4)  # 88 mm: within 0.4 mm = 40 m
    assert height_mm == pytest.approx((maxy - miny) * 1000 / scale, abs=0.4)


@pytest.mark.slow
def test_printed_view_names_title_legend_scale_note_and_sources(printed):
    paths, _ = printed
    text = pdfpage.text(paths["a4"])
    for expected in ("半岛科学城专题图", "图例", "巢湖半岛科学城", "半岛科学城路网（新建）", "重点项目", "选中地点",
                     "比例尺 1:100,000", "北", "EPSG:4548", map_note(), "数据更新", "来源", "GSHHG"):
        assert expected in text, expected
    assert "gazetteer" not in text and ".tsv" not in text and ".py" not in text  # sources by name, not file names
    fonts = subprocess.run(["pdffonts", str(paths["a4"])], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines()[2:] if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts


@pytest.mark.slow
@pytest.mark.parametrize("key", ["a4", "a3"])
def test_printed_labels_do_not_overlap_and_the_page_is_not_blank(printed, key, tmp_path):
    paths, cases = printed
    x, y, w, h = layout(cases[key][1]).frame
    page_h = cases[key][1].size_mm[1]
    top, bottom = (page_h - y - h) * pdfpage.PT_PER_MM, (page_h - y) * pdfpage.PT_PER_MM
    left, right = x * pdfpage.PT_PER_MM, (x + w) * pdfpage.PT_PER_MM
    in_map = [wd for wd in pdfpage.words(paths[key]) if left <= (wd.x0 + wd.x1) / 2 <= right
              and top <= (wd.y0 + wd.y1) / 2 <= bottom]
    assert len(in_map) >= 5
    assert pdfpage.overlapping(in_map) == []
    pixels = pdfpage.pixels(paths[key], 50, tmp_path)
    assert pixels.std() > 20 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50


@pytest.mark.slow
def test_a_filtered_view_prints_only_the_places_the_filter_leaves(catalog):
    view = PrintView("筛选后的地图", SHOWN, only=frozenset({"ft_huanglu", "ft_huailin"}), note="筛选：示例")
    pdf = print_bytes(catalog, view, PageSetup("A4", "portrait", None), "pdf")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "黄麓建筑科创小镇" in text and "槐林渔乐小镇" in text and "筛选：示例" in text
    assert "中垾体育小镇" not in text and "重点项目" not in text  # filtered out, and not in the legend either


@pytest.mark.slow
def test_png_is_300_dpi_a4_with_drawn_content(catalog):
    png = print_bytes(catalog, PrintView("", SHOWN), PageSetup("A4", "landscape", None), "png")
    image = Image.open(io.BytesIO(png))
    assert image.size == pytest.approx((297 / 25.4 * PNG_DPI, 210 / 25.4 * PNG_DPI), abs=1)  # A4 at 300 dpi
    assert image.info["dpi"] == pytest.approx((PNG_DPI, PNG_DPI), abs=0.01)
    assert np.asarray(image.convert("L")).std() > 20


def test_fitted_print_shows_the_whole_view_at_a_round_scale(catalog):
    view = PrintView("", SHOWN, bounds=(117.5, 31.5, 117.7, 31.7))
    setup = PageSetup("A3", "landscape", None)
    (minx, miny, maxx, maxy), scale = extent(view, setup, catalog)
    from reports.printmap import _grid_bounds

    bx0, by0, bx1, by1 = _grid_bounds(view.bounds)
    assert minx <= bx0 and miny <= by0 and maxx >= bx1 and maxy >= by1  # the whole view is on the page
    assert scale == nice_scale(scale) and 50_000 < scale < 200_000
    _x, _y, w, h = layout(setup).frame
    assert (maxx - minx) / (w / 1000) == pytest.approx(scale) and (maxy - miny) / (h / 1000) == pytest.approx(scale)
    assert nice_scale(187_342) == 190_000 and nice_scale(52_000) == 52_000


def test_true_north_leans_west_east_of_the_central_meridian():
    """East of 117°E true north is turned anticlockwise from the grid's up by the meridian convergence,
    about (λ − 117°)·sin φ (0.28° at 半岛)."""
    import math

    from pyproj import Transformer

    x, y = 550_000, 3_500_000  # EPSG:4548 metres near 半岛
    lon, lat = Transformer.from_crs(MEASURE, "EPSG:4490", always_xy=True).transform(x, y)
    expected = (lon - 117) * math.sin(math.radians(lat))
    assert true_north((x - 10, y - 10, x + 10, y + 10)) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("setup, words", [
    (PageSetup("B5"), "纸张"), (PageSetup("A4", "diagonal"), "方向"), (PageSetup("A4", "portrait", 30_000), "比例尺"),
])
def test_a_print_the_office_does_not_offer_is_refused_in_chinese(setup, words, catalog):
    with pytest.raises(PrintError) as exc:
        print_bytes(catalog, PrintView("", SHOWN), setup)
    assert words in exc.value.message


def test_a_print_of_only_water_is_told_apart_from_one_showing_plan_places(catalog):
    from reports.printmap import plan_places_in

    lake = PrintView("湖面", SHOWN, center=(31.56, 117.55))  # the middle of 巢湖: at 1:10,000 only water is printed
    assert plan_places_in(catalog, lake, PageSetup("A4", "landscape", 10_000)) == []
    assert plan_places_in(catalog, lake, PageSetup("A4", "landscape", 200_000))  # farther out the towns show
    science_city = PrintView("半岛", SHOWN, center=PSC_CENTRE)
    assert PSC in plan_places_in(catalog, science_city, PageSetup("A4", "landscape", 25_000))
    plan_layers_off = PrintView("半岛", tuple(s.id for s in LAYERS if s.visible and not s.plan), center=PSC_CENTRE)
    assert plan_places_in(catalog, plan_layers_off, PageSetup("A4", "landscape", 25_000)) == []
    lit = PrintView("半岛", plan_layers_off.layers, center=PSC_CENTRE, highlight=(PSC,))  # drawn over any layer
    assert plan_places_in(catalog, lit, PageSetup("A4", "landscape", 25_000)) == [PSC]
    nothing_left = PrintView("半岛", SHOWN, center=PSC_CENTRE, only=frozenset())  # a filter that leaves no place
    assert plan_places_in(catalog, nothing_left, PageSetup("A4", "landscape", 25_000)) == []

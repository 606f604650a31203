"""Progress where planners see it, without a browser: the panel's items and timeline (escaped), the progress map's
colours and legend, live figures in the 汇报, and the plan's words shown as 规划要求 with their 时限 everywhere."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import pytest

from core.declarations import BY_ID
from core.progress import CATEGORY_COLORS, DONE, NO_ITEMS, NOT_REPORTED
from layers.mapview import MapClient, feature_collection, legend_html
from layers.progressmap import progress_map
from tracking.board import Board
from tracking.load import plan_items
from tracking.records import ProgressRecord
from presentation.tour import Slide, Tour, TourError, resolve_figure
from presentation.tour_html import tour_html
from reports.summary import summarize
from presentation.progress_panel import measure_progress_html, place_progress_html

HOSTILE = "<img src=x onerror=alert(1)>已开工"


@pytest.fixture(scope="module")
def items(plan):
    return plan_items(plan)


def rec(item_id, status, on, value=None, rid=1, note="", withdrawn=False):
    return ProgressRecord(id=rid, item_id=item_id, status=status, value=value, note=note, unit="市经信委", reporter="张三",
                          reported_on=on, batch=f"b{rid}", source="", recorded_at=datetime(2026, 11, 1), withdrawn=withdrawn)


def test_the_panel_shows_each_item_with_its_state_and_history_newest_first_escaped(items):
    board = Board(items, [rec("3.2-d1", "推进中", date(2026, 9, 1), rid=1, note=HOSTILE),
                          rec("3.2-d1", DONE, date(2026, 10, 15), rid=2),
                          rec("3.2-d1", "滞后", date(2026, 10, 20), rid=3, withdrawn=True)], None, date(2026, 11, 26))
    html = place_progress_html(board, "pj_mg50kt", "五万吨镁基轻合金新材料项目")
    assert re.findall(r'data-item="([^"]+)"', html) == ["3.2-d1"]
    d1 = html.split('data-item="3.2-d1"')[1]
    assert d1.index("2026-10-15") < d1.index("2026-09-01")  # newest first
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;已开工" in html
    assert "（已撤回）" in html and 'class="withdrawn"' in html
    assert "规划要求：开工建设（12月底前）" in html and "年份未定" in html
    assert "滞后" in d1  # the withdrawn report stays in the history, marked
    assert "尚无填报" not in d1
    empty = place_progress_html(board, "edz_juchao", "居巢经开区")
    assert NO_ITEMS in empty and "data-item" not in empty
    roll = measure_progress_html(board, "3.2")
    assert f"{DONE} 1" in roll and 'data-item="3.2"' in roll


def test_the_progress_map_colours_each_place_by_its_items_with_a_legend(catalog, items):
    board = Board(items, [rec("3.2-d1", DONE, date(2026, 10, 15))], None, date(2026, 11, 26))
    ids = list(catalog.plan_features()["id"])
    colors = board.place_colors(ids)
    m = progress_map(catalog.layers, colors, {pid: f"提示{pid}" for pid in ids})
    page = m.get_root().render()
    drawn = {p["id"]: p for p in map(json.loads, re.findall(r'"properties": (\{[^{}]*\})', page)) if "_category" in p}
    assert set(drawn) == {pid for pid in ids if catalog.feature(pid) is not None}
    assert (drawn["pj_mg50kt"]["_category"], drawn["pj_mg50kt"]["_color"]) == (DONE, CATEGORY_COLORS[DONE])
    assert "<td>实施进展</td><td>提示pj_mg50kt</td>" in drawn["pj_mg50kt"]["_tip"]
    assert drawn["rd_zhizhong"]["_color"] == CATEGORY_COLORS[NOT_REPORTED]
    assert drawn["edz_juchao"]["_category"] == NO_ITEMS
    legend = next(c for c in m._children.values() if isinstance(c, MapClient)).config["legend"]
    assert "实施进展（按关联事项的最新填报）" in legend and f'data-category="{DONE}"' in legend
    assert f'data-category="{NOT_REPORTED}"' in legend


def test_a_slide_shows_live_progress_resolved_when_it_is_drawn(plan, catalog, items):
    board = Board(items, [rec("4.2-t3", "推进中", date(2026, 11, 20), 12.3)], None, date(2026, 11, 26))
    fig = resolve_figure(plan, "progress:4.2-t3", board)
    assert (fig.value, fig.unit) == ("12.3公里 / 25.85公里", "") and "2026-11-20" in fig.source and "推进中" in fig.source
    assert resolve_figure(plan, "progress:4.2", board).value == NOT_REPORTED
    with pytest.raises(TourError, match="“9.9” 不是跟踪事项"):
        resolve_figure(plan, "progress:9.9", board)
    tour = Tour(title="进展", slides=(Slide(title="路网进展", figures=("progress:4.2-t3",), layers=("peninsula_roads",)),))
    page = tour_html(tour, plan, catalog)  # resolved from the store in effect (the test run's empty workspace)
    assert '<span class="num">未填报 / 25.85公里</span>' in page


def test_a_tour_of_many_progress_slides_reads_the_reports_once_per_check_and_per_draw(plan, catalog, items, monkeypatch):
    from presentation import tour as tour_module
    from presentation.tour_pdf import tour_pdf

    board = Board(items, [rec("4.2-t3", "推进中", date(2026, 11, 20), 12.3)], None, date(2026, 11, 26))
    reads = []
    monkeypatch.setattr(tour_module, "load_board", lambda plan: reads.append(1) or board)
    slides = tuple(Slide(title=f"进展 {n}", figures=("progress:4.2-t3", "progress:4.2"), layers=("peninsula_roads",))
                   for n in range(6))
    tour = Tour(title="进展", slides=(Slide(title="目标", figures=("measures",)), *slides))
    tour_module.check_tour(tour, plan, set(catalog.features["id"]), set(BY_ID))
    assert len(reads) == 1  # six slides with progress figures: the reports are read once, not once per slide
    page = tour_html(tour, plan, catalog)
    assert len(reads) == 2 and page.count('<span class="num">12.3公里 / 25.85公里</span>') == 6  # checked and drawn from one read
    assert tour_pdf(tour, plan, catalog, board)[:4] == b"%PDF" and len(reads) == 2  # a board handed down is used as is
    tour_module.check_tour(Tour(title="计划", slides=(Slide(title="目标", figures=("measures",)),)), plan, set(), set())
    assert len(reads) == 2  # no slide shows progress: nothing is read


def test_the_place_panel_is_drawn_from_the_feature_handed_to_it(plan, catalog, monkeypatch):
    from layers.catalog import Catalog
    from presentation.panel import place_html

    feature = catalog.feature("pj_mg50kt")
    lookups = []
    original = Catalog.feature
    monkeypatch.setattr(Catalog, "feature", lambda self, fid: lookups.append(fid) or original(self, fid))
    panel = place_html(catalog, plan, feature)
    assert f'data-place="pj_mg50kt"><h3>{feature["name"]}</h3>' in panel and "关联措施" in panel
    assert lookups == []  # the panel and its correction block use the feature given, never looking the id up again


def test_the_plans_required_action_reads_as_a_requirement_with_its_deadline(catalog, plan):
    spec = BY_ID["projects"]
    fc = feature_collection(catalog.layers["projects"], spec)
    props = next(f["properties"] for f in fc["features"] if f["properties"]["id"] == "pj_mg50kt")
    assert "<td>规划要求</td><td>开工建设（12月底前）</td>" in props["_tip"]
    roads = legend_html([BY_ID["peninsula_roads"]])
    assert "半岛科学城路网（规划要求：新建）" in roads and "规划要求：续建" in roads
    town = catalog.feature("pj_mg50kt")["town"]
    features = summarize(catalog, plan, town).features
    assert features.loc[features["id"] == "pj_mg50kt", "status"].item() == "开工建设（12月底前）"


def test_the_requirement_filter_lists_each_requirement_with_its_deadlines(catalog):
    from layers.query import status_label, statuses

    labels = {s: status_label(catalog, s) for s in statuses(catalog)}
    assert labels["开工建设"] == "开工建设（12月底前）"
    assert labels["建设"] == "建设（部分如期）" and labels["新建"] == "新建"

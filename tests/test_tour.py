"""汇报模式: the tour's figures come from the plan data, edits are kept, the PDF handout has one page per slide."""

from __future__ import annotations

import re
import shutil
import subprocess

import matplotlib.image as mpimg
import pytest

from core.declarations import BY_ID
from core.settings import PLAN_DIR
from loaders.plan import load_plan
from presentation import charts
from presentation.tour import (
    DEFAULT_TOUR, Slide, TourError, add_slide, all_deadlines, check_tour, load_tour, move_slide,
    remove_slide, resolve_figure, save_tour, slide_figures, slide_from_view, store_tour, stored_tour, tour_changes, tour_from_yaml,
    tour_yaml, update_slide,
)
from presentation.tour_html import tour_data, tour_html
from presentation.tour_pdf import tour_pdf


@pytest.fixture(scope="module")
def tour():
    return load_tour(DEFAULT_TOUR)


@pytest.fixture(scope="module")
def shipped_html(tour, plan, catalog) -> str:
    """The exported tour of the shipped plan (built once: each build draws every slide's map)."""
    return tour_html(tour, plan, catalog)


def _section(page: str, title: str) -> str:
    """The HTML of the slide whose title is `title`."""
    for section in re.findall(r'<section class="slide.*?</section>', page, flags=re.S):
        if f'<h1 class="slide-title">{title}</h1>' in section:
            return section
    raise AssertionError(f"no slide titled {title}")


def test_default_tour_walks_through_the_plan(tour, plan, catalog):
    check_tour(tour, plan, set(catalog.features["id"]), set(BY_ID))
    titles = " ".join(s.title for s in tour.slides)
    for subject in ("总体目标", "341", "居巢经开区", "巢湖半岛科学城", "合巢产业新城", "柘皋产业新城", "特色小镇",
                    "传统优势产业", "战略性新兴产业", "时间节点"):
        assert subject in titles
    assert [s.chart for s in tour.slides if s.chart] == ["goals", "leads", "deadlines"]


def test_slide_texts_carry_no_typed_numbers(tour):
    """Numbers on slides come only from figure references; a typed number could drift from the plan. The plan's own
    deadline phrases (6月底前) are words, kept where a requirement is quoted so it never reads as done."""
    from loaders.plan import DUE_PHRASES

    for slide in tour.slides:
        text = slide.text
        for phrase in DUE_PHRASES:
            text = text.replace(phrase, "")
        assert not re.search(r"\d", text), slide.title
    slide = next(s for s in tour.slides if "南区集中供热" in s.text)
    assert "华能巢湖电厂6月底前完成" in slide.text  # the plan's deadline, not a claim that it is done


def test_figures_are_the_plan_data(plan):
    overall = resolve_figure(plan, "goal:output_total")
    goal = next(g for g in plan.goals if g.id == "output_total")
    assert (overall.value, overall.unit) == (f"{goal.value}–{goal.value_max}", goal.unit) == ("800–1000", "亿元")
    roads = resolve_figure(plan, "target:4.2-t3")
    assert (roads.value, roads.unit, roads.source) == ("25.85", "公里", "措施 4.2")
    assert resolve_figure(plan, "target:4.2-t2").value == "9"
    assert (resolve_figure(plan, "target:6.1-t2").value, resolve_figure(plan, "target:6.1-t2").unit) == ("2000", "亩")
    assert resolve_figure(plan, "industries:战略性新兴产业").value == "4"
    assert resolve_figure(plan, "deadlines").value == str(sum(len(m.deadlines) for m in plan.measures))


@pytest.mark.parametrize("ref, words", [
    ("target:4.2-t9", "目标 “4.2-t9” 不在 measures.yaml 中"),
    ("goal:no_such_goal", "不在 goals.yaml 中"),
    ("road_length", "不认识的关键数字引用"),
])
def test_unknown_figure_reference_fails_loudly_in_chinese(plan, ref, words):
    with pytest.raises(TourError, match=words):
        resolve_figure(plan, ref)


def test_tour_naming_a_missing_place_is_refused(tour, plan, catalog):
    broken = update_slide(tour, 2, places=("edz_juchao", "no_such_place"))
    with pytest.raises(TourError, match="第 3 页.*no_such_place"):
        tour_html(broken, plan, catalog)


@pytest.mark.slow
def test_changing_a_figure_in_the_data_changes_the_slide(tmp_path, tour, catalog, shipped_html):
    plan_dir = tmp_path / "plan"
    shutil.copytree(PLAN_DIR, plan_dir)
    measures = plan_dir / "measures.yaml"
    text = measures.read_text(encoding="utf-8")
    assert text.count("value: 25.85") == 1
    measures.write_text(text.replace("25.85", "31.4"), encoding="utf-8")  # value, words, phrase and text agree
    title = next(s.title for s in tour.slides if "target:4.2-t3" in s.figures)

    before = _section(shipped_html, title)
    after = _section(tour_html(tour, load_plan(plan_dir), catalog), title)
    assert '<span class="num">25.85</span>' in before
    assert '<span class="num">31.4</span>' in after and "25.85" not in after


def test_deadline_slide_lists_every_deadline_under_its_lead_unit(tour, plan, shipped_html):
    page = shipped_html
    slide = next(s for s in tour.slides if s.list == "deadlines")
    section = _section(page, slide.title)
    groups = dict(re.findall(r'<div class="deadline-group"><h3>(.*?)</h3>(.*?)</div>', section, flags=re.S))
    rows = all_deadlines(plan)
    assert len(rows) == sum(len(m.deadlines) for m in plan.measures)
    for row in rows:
        for lead in row.leads:
            assert row.deadline.what in groups[lead] and row.deadline.by in groups[lead]


@pytest.fixture(params=["gpkg", "postgis"])
def office(request, tmp_path, monkeypatch):
    """The settings point at an empty store: the workspace GeoPackage, or a fresh PostGIS database."""
    from store import forget_stores

    monkeypatch.setenv("CHAOHU_WORKSPACE", str(tmp_path))
    if request.param == "postgis":
        monkeypatch.setenv("CHAOHU_DATABASE_URL", request.getfixturevalue("pg_cluster").new_database())
    else:
        monkeypatch.delenv("CHAOHU_DATABASE_URL", raising=False)
    yield request.param
    forget_stores()


def test_edited_tour_is_kept_in_the_store(office, tour):
    assert load_tour() == tour and stored_tour().version == 0  # nothing saved yet: the shipped default
    edited = move_slide(tour, 0, 2)
    edited = update_slide(edited, 0, text="新的说明")
    edited = add_slide(edited, Slide(title="新增一页", places=("edz_juchao",), layers=("juchao_edz",)))
    assert store_tour(edited, "张三", expected_version=0) == 1
    reloaded = stored_tour()
    assert reloaded.tour == edited and reloaded.version == 1 and reloaded.updated_by == "张三"
    assert [s.title for s in reloaded.tour.slides][:3] == [tour.slides[1].title, tour.slides[2].title, tour.slides[0].title]
    assert reloaded.tour.slides[0].text == "新的说明" and reloaded.tour.slides[-1].title == "新增一页"
    assert load_tour(DEFAULT_TOUR) == tour  # the default is never overwritten


def test_two_editors_never_overwrite_each_other(office, tour):
    from store import ConflictError, open_store

    first, second = stored_tour(), stored_tour()  # both open the editor at version 0
    store_tour(update_slide(first.tour, 0, title="甲的标题"), "甲", expected_version=first.version)
    with pytest.raises(ConflictError) as refused:
        store_tour(update_slide(second.tour, 1, title="乙的标题"), "乙", expected_version=second.version)
    assert "甲" in refused.value.message and "尚未保存" in refused.value.message
    kept = stored_tour()
    assert kept.version == 1 and kept.tour.slides[0].title == "甲的标题" and kept.tour.slides[1].title == tour.slides[1].title
    # reloaded, the second editor's change lands on top of the first's
    store_tour(update_slide(kept.tour, 1, title="乙的标题"), "乙", expected_version=kept.version)
    assert [s.title for s in stored_tour().tour.slides[:2]] == ["甲的标题", "乙的标题"]
    saves = open_store().changes(kind="document", target="tour")
    assert [(r.user, r.summary) for r in saves] == [("乙", "保存「汇报」第 2 版：第2张「乙的标题」：标题修改"),
                                                    ("甲", "保存「汇报」第 1 版：第1张「甲的标题」：标题修改")]


def test_a_save_names_the_slides_it_changed(tour):
    """The change log says which slides a save touched, numbered as planners count them, not only how long it is."""
    third = tour.slides[2].title
    edited = update_slide(tour, 2, text="新的说明", places=("edz_juchao",))
    assert tour_changes(tour, edited) == f"第3张「{third}」：说明、地点修改"
    n = len(tour.slides)
    grown = add_slide(edited, Slide(title="新增一页"))
    assert tour_changes(tour, grown) == f"第3张「{third}」：说明、地点修改；新增第{n + 1}张「新增一页」"
    assert tour_changes(tour, remove_slide(tour, 3)) == f"删除原第4张「{tour.slides[3].title}」"
    assert tour_changes(tour, move_slide(tour, 4, 1)) == f"第5张「{tour.slides[4].title}」移到第2张"
    assert tour_changes(tour, tour.model_copy(update={"title": "新标题"})) == "汇报标题修改"
    assert tour_changes(tour, tour) == ""
    assert tour_changes(None, tour) == f"共 {n} 张"


def test_a_tour_saved_by_an_older_version_in_the_workspace_is_still_read(tmp_path, monkeypatch, tour):
    monkeypatch.setenv("CHAOHU_WORKSPACE", str(tmp_path))
    monkeypatch.delenv("CHAOHU_DATABASE_URL", raising=False)
    older = update_slide(tour, 0, title="旧版保存的标题")
    (tmp_path / "tour.yaml").write_text(tour_yaml(older), encoding="utf-8")
    assert stored_tour().tour == older and stored_tour().version == 0
    store_tour(update_slide(older, 0, title="新的标题"), "张三", expected_version=0)
    assert load_tour().slides[0].title == "新的标题"  # once saved in the store, the store's copy counts


def test_lead_chart_counts_the_measures_each_unit_leads(plan):
    counts = dict(charts.lead_counts(plan))
    assert counts["市发改委"] == len(plan.measures_led_by("fgw"))
    assert sum(counts.values()) == sum(len(m.lead) for m in plan.measures)
    for name in charts.CHARTS:
        assert charts.chart_svg(name, plan).startswith("<svg")
        assert charts.chart_png(name, plan, dpi=50)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_pdf_has_one_readable_page_per_slide(tmp_path, tour, plan, catalog):
    pdf = tmp_path / "tour.pdf"
    pdf.write_bytes(tour_pdf(tour, plan, catalog))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == len(tour.slides)
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert width > height  # landscape
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"NotoSansCJK.*yes\s+yes", fonts)  # Chinese glyphs embedded
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [re.sub(r"\s", "", p) for p in text.split("\f")]
    for slide, page in zip(tour.slides, pages):
        assert slide.title in page
        for figure in slide_figures(plan, slide):
            assert figure.value in page
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(tour.slides)
    for image in images:
        pixels = mpimg.imread(image)
        assert pixels[..., :3].std() > 0.05, image.name  # not a blank page


def test_slide_added_from_the_current_view_shows_that_view(tmp_path, tour, plan, catalog):
    view = (117.80, 31.50, 117.90, 31.60)
    slide = slide_from_view("我的视图", layers=("juchao_edz", "lake"), view=view)
    edited = load_tour(save_tour(add_slide(tour, slide), tmp_path / "tour.yaml"))
    assert edited.slides[-1].view == view
    assert tour_data(edited, plan, catalog)["slides"][-1]["bounds"] == [[31.50, 117.80], [31.60, 117.90]]


def test_recurring_deadlines_are_a_band_across_the_year_not_points_on_dates(plan):
    """每月/每半年 name no month: the chart must not put them at months 6 and 12 as if they were dates."""
    from matplotlib.collections import PathCollection
    from matplotlib.patches import Rectangle

    fig = charts.chart_figure("deadlines", plan)
    ax = fig.axes[0]
    rows = all_deadlines(plan)
    points = [tuple(xy) for c in ax.collections if isinstance(c, PathCollection) for xy in c.get_offsets()]
    recurring = [y for y, r in enumerate(rows) if r.deadline.recurring]
    assert recurring  # the plan has 每月 and 每半年 requirements
    assert not [p for p in points if round(p[1]) in recurring]  # no dated point on a recurring row
    bands = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() >= 11]
    assert sorted(round(b.get_y() + b.get_height() / 2) for b in bands) == recurring  # one band per cadence
    for y, r in enumerate(rows):
        if not r.deadline.recurring:
            assert (r.deadline.month or charts.ON_TIME_X, y) in points  # one-off dates stay points at their month
    words = " ".join(t.get_text() for t in ax.texts)
    assert "每半年 · " in words and "每月 · " in words


def test_a_slide_keeps_the_maps_filters_and_shows_only_what_they_leave(tour, plan, catalog):
    from layers.query import Filters, matching_places

    slide = slide_from_view("经信委牵头", layers=("city_boundary", "projects", "industrial_parks"), filters={"unit": "jxw"})
    edited = tour.model_copy(update={"slides": (*tour.slides, slide)})
    data = tour_data(edited, plan, catalog)["slides"][-1]
    only = matching_places(catalog, plan, Filters(unit="jxw"))
    assert only and data["only"] == sorted(only)
    assert all(s["only"] is None for s in tour_data(tour, plan, catalog)["slides"])  # no filter: everything shown
    (south, west), (north, east) = data["bounds"]
    boxes = catalog.features[catalog.features["id"].isin(only)].total_bounds
    assert west <= boxes[0] and south <= boxes[1] and east >= boxes[2] and north >= boxes[3]  # framed on them
    assert tour_from_yaml(tour_yaml(edited)) == edited
    assert "filters" not in tour_yaml(tour)  # the shipped tour's file is unchanged by the new field


def test_a_tour_saved_with_filters_loads_them_as_the_map_pages_filters():
    from layers.query import Filters

    saved = "title: 汇报\nslides:\n- title: 经信委牵头\n  filters:\n    unit: jxw\n    deadline: 年底前\n"  # as tours were written
    slide = tour_from_yaml(saved).slides[0]
    assert slide.filters == Filters(unit="jxw", deadline="年底前") and slide.filters.active()
    assert tour_yaml(tour_from_yaml(saved)) == saved  # written back the same way
    with pytest.raises(ValueError, match="filters.colour"):
        tour_from_yaml(saved.replace("unit: jxw", "colour: red"))  # a key the map's filters do not have


def test_a_slide_filter_the_plan_does_not_know_is_refused_in_chinese(tour, plan, catalog):
    broken = tour.model_copy(update={"slides": (*tour.slides, slide_from_view("x", filters={"unit": "no_unit"}))})
    with pytest.raises(TourError, match="第 11 页.*牵头单位.*no_unit"):
        check_tour(broken, plan, set(catalog.features["id"]), set(BY_ID))


def test_the_first_three_slides_say_what_the_plan_says(tour, plan, shipped_html):
    """The output card keeps the plan's 3-5年, the “341” card says 一批 as the plan does (not 1 个), and 居巢经开区's
    slide keeps 6月底前."""
    source = (PLAN_DIR / "source.txt").read_text(encoding="utf-8")
    assert "力争通过3-5年的努力,使全市制造业产值达到800-1000亿元" in source and "积极培育一批生产性服务业" in source
    first, second, third = (_section(shipped_html, s.title) for s in tour.slides[:3])
    assert "全市制造业产值（3-5年）" in first and "800–1000" in first
    services = re.search(r'<div class="figure" data-ref="industries:生产性服务业">.*?</div></div>', second, flags=re.S)
    assert services and '<span class="num">一批</span>' in services.group(0) and "个" not in services.group(0)
    assert '<span class="num">3</span><span class="unit">个</span>' in second  # 三大传统优势产业: the plan's number
    assert "华能巢湖电厂6月底前完成" in third


def test_the_plans_count_words_for_the_341_groups_match_its_industries(plan):
    from loaders.plan import INDUSTRY_GROUP_COUNTS

    for group, counted in INDUSTRY_GROUP_COUNTS.items():
        members = [i for i in plan.industries if i.group == group]
        assert members and (isinstance(counted, str) or counted == len(members)), group

"""The presentation tour as data: slides, loading and saving, editing, and key figures resolved from the plan.

The office's edited tour is a document of the shared store ("tour"): saved with the version it was edited at, so
that two editors never silently overwrite each other (the later save is refused with a Chinese ConflictError).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core import atomic, settings
from core.errors import ChaohuError
from core.formatting import value_text
from layers.query import Filters, matching_places
from loaders.plan import INDUSTRY_GROUP_COUNTS, Deadline, Measure, Plan, target_phrase
from tracking.load import load_board
from store import LOCAL_USER, open_store

#: The shipped default tour; the office's edited tour is the store's document `TOUR_DOCUMENT`.
DEFAULT_TOUR = settings.PLAN_DIR / "tour.yaml"
TOUR_DOCUMENT = "tour"
#: Where versions before the store kept the edited tour (in the workspace folder); read when the store has none.
TOUR_FILE = "tour.yaml"
#: Shown where a deadline's measure names no lead unit (the plan's 组织保障 part).
NO_LEAD = "未列牵头单位"

Chart = Literal["goals", "leads", "deadlines"]


class TourError(ChaohuError):
    """The tour file is missing, malformed or references something that does not exist (Chinese message)."""


class Slide(BaseModel):
    """One slide: places to zoom to and highlight, layers shown, title, short text, figure references, chart."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1)
    text: str = ""
    places: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    chart: Chart | None = None
    #: The map view to show as (west, south, east, north) in degrees, e.g. the planner's view when the slide was added.
    view: tuple[float, float, float, float] | None = None
    list: Literal["deadlines"] | None = None
    #: Plan places shown on this slide's map, narrowed as the map page's filters narrow them (none set: all).
    filters: Filters = Filters()


class Tour(BaseModel):
    """An ordered list of slides with the presentation's title."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1)
    slides: tuple[Slide, ...]


# ---------------------------------------------------------------- files


def workspace_tour_path() -> Path:
    """Where versions before the store kept the edited tour: `<workspace>/tour.yaml` (still read, never written)."""
    return settings.current().workspace_dir / TOUR_FILE


def _parse(text: str, where: str) -> Tour:
    """A validated tour from YAML text; TourError in Chinese naming `where` when it cannot be used."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TourError(f"{where}：演示文件 YAML 格式错误（{exc}）") from None
    try:
        return Tour.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p + 1) if isinstance(p, int) else p for p in err["loc"])
        raise TourError(f"{where}：演示文件字段 {loc} 有误（{err['msg']}）") from None


def read_tour(path: Path) -> Tour:
    """Read and validate one tour file; TourError in Chinese when it cannot be used."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TourError(f"{path}：无法读取演示文件（{exc.strerror}）") from None
    return _parse(text, str(path))


@dataclass(frozen=True)
class StoredTour:
    """The tour as the office has it now, and the store version it was read at (0: never saved, the default shown)."""

    tour: Tour
    version: int
    updated_by: str = ""
    updated_at: datetime | None = None


def stored_tour() -> StoredTour:
    """The office's edited tour from the store with its version; else an older workspace `tour.yaml`; else the default."""
    doc = open_store().document(TOUR_DOCUMENT)
    if doc is not None:
        return StoredTour(_parse(doc.content, "共享数据库中的汇报"), doc.version, doc.updated_by, doc.updated_at)
    legacy = workspace_tour_path()
    return StoredTour(read_tour(legacy if legacy.is_file() else DEFAULT_TOUR), 0)


def load_tour(path: Path | None = None) -> Tour:
    """The tour to present: `path` if given, else the office's edited tour in the store, else the shipped default."""
    if path is not None:
        return read_tour(Path(path))
    return stored_tour().tour


def tour_yaml(tour: Tour) -> str:
    """The tour as YAML text (Chinese kept readable)."""
    data = tour.model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def tour_from_yaml(text: str) -> Tour:
    """A tour from its YAML text (the inverse of tour_yaml)."""
    return Tour.model_validate(yaml.safe_load(text))


def save_tour(tour: Tour, path: Path) -> Path:
    """Write the tour to a file atomically (an export or a copy); returns the path written."""
    return atomic.write_text(Path(path), tour_yaml(tour))


def store_tour(tour: Tour, user: str = LOCAL_USER, expected_version: int | None = None) -> int:
    """Save the office's tour in the store as `user` (recorded in the change log, naming the slides changed since the
    tour it replaces, ``tour_changes``); the new version.

    With `expected_version` (the version the editor was showing) a save made by someone else in between is refused
    with ConflictError (Chinese, names who and when) and nothing is written.
    """
    try:
        before = stored_tour().tour
    except TourError:  # a stored tour no longer valid: the log says what the new one is, not what changed
        before = None
    return open_store().put_document(TOUR_DOCUMENT, tour_yaml(tour), user, expected_version=expected_version,
                                     what=tour_changes(before, tour)).version


#: A slide's fields as the tour editor names them (what a save changed, in the change log).
SLIDE_FIELDS = {"title": "标题", "text": "说明", "places": "地点", "layers": "图层", "figures": "关键数字",
                "chart": "图表", "view": "地图范围", "list": "清单", "filters": "筛选条件"}


def _slide_changes(before: Slide, after: Slide) -> str:
    """The fields of a slide that differ: 「说明、地点修改」."""
    changed = [label for name, label in SLIDE_FIELDS.items() if getattr(before, name) != getattr(after, name)]
    return f"{'、'.join(changed)}修改"


def tour_changes(before: Tour | None, after: Tour) -> str:
    """What a save changes, slide by slide, numbered as planners count them: 「第3张「园区」：说明修改；新增第11张
    「新页」；删除原第4张「旧页」；第5张「柘皋」移到第2张」 ("" when nothing changed, 「共 N 张」 with nothing before)."""
    if before is None:
        return f"共 {len(after.slides)} 张"
    old, new = [x.model_dump_json() for x in before.slides], [x.model_dump_json() for x in after.slides]
    added, removed, changed = [], [], []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        changed += [(j1 + k, before.slides[i1 + k], after.slides[j1 + k]) for k in range(pairs)]
        removed += list(range(i1 + pairs, i2))
        added += list(range(j1 + pairs, j2))
    moved = []
    for i in list(removed):
        j = next((j for j in added if new[j] == old[i]), None)
        if j is not None:
            removed.remove(i)
            added.remove(j)
            moved.append((i, j))
    parts = (["汇报标题修改"] if before.title != after.title else []) + [
        f"第{j + 1}张「{b.title}」：{_slide_changes(a, b)}" for j, a, b in changed] + [
        f"新增第{j + 1}张「{after.slides[j].title}」" for j in added] + [
        f"删除原第{i + 1}张「{before.slides[i].title}」" for i in removed] + [
        f"第{i + 1}张「{before.slides[i].title}」移到第{j + 1}张" for i, j in sorted(moved)]
    return "；".join(parts)


# ---------------------------------------------------------------- editing (pure)


def move_slide(tour: Tour, i: int, j: int) -> Tour:
    """The tour with slide i moved to position j."""
    slides = list(tour.slides)
    slides.insert(j, slides.pop(i))
    return tour.model_copy(update={"slides": tuple(slides)})


def add_slide(tour: Tour, slide: Slide, at: int | None = None) -> Tour:
    """The tour with a slide inserted at `at` (default: at the end)."""
    slides = list(tour.slides)
    slides.insert(len(slides) if at is None else at, slide)
    return tour.model_copy(update={"slides": tuple(slides)})


def update_slide(tour: Tour, i: int, **changes) -> Tour:
    """The tour with slide i's fields changed (validated like a loaded slide)."""
    slide = Slide.model_validate({**tour.slides[i].model_dump(), **changes})
    slides = list(tour.slides)
    slides[i] = slide
    return tour.model_copy(update={"slides": tuple(slides)})


def remove_slide(tour: Tour, i: int) -> Tour:
    """The tour without slide i."""
    return tour.model_copy(update={"slides": tour.slides[:i] + tour.slides[i + 1:]})


def slide_from_view(title: str, places=(), layers=(), view=None, text: str = "", filters=None) -> Slide:
    """A new slide from what the planner sees now: selected places, visible layers, filters and the map's (w, s, e, n) view."""
    return Slide(title=title, text=text, places=tuple(places), layers=tuple(layers),
                 view=tuple(float(v) for v in view) if view is not None else None,
                 filters=filters or {})


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class KeyFigure:
    """A figure as a slide shows it: label, number text, unit, qualifier and where in the plan it comes from."""

    ref: str
    label: str
    value: str
    unit: str
    qualifier: str
    source: str

    @property
    def text(self) -> str:
        """One line, e.g. `全市制造业产值 达到 800–1000 亿元`."""
        return f"{self.label} {self.value} {self.unit}{self.qualifier}".strip()


_QUALIFIER = {"以上": "以上", "左右": "左右", "级": "级", "达到": ""}


def _figure(ref: str, figure, source: str) -> KeyFigure:
    """A goal or target as a slide shows it: split into number and unit when that is exactly the plan's wording,
    else the plan's words whole (由5亿元增加到10亿元, 百亿级) — never a number stripped of its qualifier."""
    value, unit, qualifier = value_text(figure.value, figure.value_max), figure.unit, _QUALIFIER.get(figure.comparator or "", "")
    words = target_phrase(figure).replace(" ", "").replace("-", "–")
    if figure.comparator == "达到":  # "reach": the figure itself says it
        words = words.removeprefix("达到")
    if words != f"{value}{unit}{qualifier}":
        value, unit, qualifier = target_phrase(figure), "", ""
    return KeyFigure(ref, figure.what, value, unit, qualifier, source)


def _goal_figure(plan: Plan, ref: str, goal_id: str) -> KeyFigure:
    goal = next((g for g in plan.goals if g.id == goal_id), None)
    if goal is None:
        raise TourError(f"关键数字 “{ref}” 引用的目标 “{goal_id}” 不在 goals.yaml 中")
    group = next((g.title for g in plan.goal_groups if g.id == goal.group), "总体目标")
    figure = _figure(ref, goal, f"目标·{group}")
    if goal.horizon:  # 力争通过3-5年的努力: the figure is the plan's only with its horizon
        figure = replace(figure, label=f"{figure.label}（{goal.horizon}）")
    return figure


def _target_figure(plan: Plan, ref: str, target_id: str) -> KeyFigure:
    measure = next((m for m in plan.measures if any(t.id == target_id for t in m.targets)), None)
    if measure is None:
        raise TourError(f"关键数字 “{ref}” 引用的目标 “{target_id}” 不在 measures.yaml 中（目标 id 形如 4.2-t3）")
    t = plan.target(target_id)
    return _figure(ref, t, f"措施 {measure.id}")


def _progress_figure(ref: str, item_id: str, board) -> KeyFigure:
    """A live progress figure: a target as done/target (12.3公里 / 25.85公里), any other item as its reported status."""
    if item_id not in board.items:
        raise TourError(f"关键数字 “{ref}” 引用的事项 “{item_id}” 不是跟踪事项（如 4.2、4.1-d1、4.2-t3 或地点 id）")
    state = board.state(item_id)
    item, rec = state.item, state.record
    when = f"{rec.reported_on.isoformat()} {rec.unit}填报" if rec else "尚无填报"
    if item.quantified:  # reported / the plan's own words (3支左右, 百亿级, 由5亿元增加到10亿元): qualifiers kept
        return KeyFigure(ref, f"{item.title}（实施进展）", state.done_text(), "", "",
                         f"{state.status}，{when}；数据截至 {board.on.isoformat()}")
    return KeyFigure(ref, f"{item.title}（实施进展）", state.status, "", "", f"{when}；数据截至 {board.on.isoformat()}")


#: The figure counting every item past its date and not 已完成 (the same count as 实施进展 and 概览).
OVERDUE_REF = "overdue"


def _overdue_figure(ref: str, board) -> KeyFigure:
    """The number of overdue items on the board the other pages read (起始年份 applied; — while it is unset)."""
    if board.year is None:
        return KeyFigure(ref, "逾期事项（实施进展）", "—", "", "", f"起始年份未设置，不判断逾期；数据截至 {board.on.isoformat()}")
    return KeyFigure(ref, "逾期事项（实施进展）", str(board.total().overdue), "项", "",
                     f"时限已过且未填报已完成（起始年份 {board.year}）；数据截至 {board.on.isoformat()}")


def resolve_figure(plan: Plan, ref: str, board=None) -> KeyFigure:
    """A figure reference (goal:…, target:…, industries:…, measures, deadlines, progress:…) computed from the plan;
    progress:<item id> from the units' reports when the slide is drawn (the store in effect unless `board` is given)."""
    kind, _, arg = ref.partition(":")
    if kind == "progress":
        return _progress_figure(ref, arg, board if board is not None else load_board(plan))
    if ref == OVERDUE_REF:
        return _overdue_figure(ref, board if board is not None else load_board(plan))
    if kind == "goal":
        return _goal_figure(plan, ref, arg)
    if kind == "target":
        return _target_figure(plan, ref, arg)
    if kind == "industries":
        members = [i for i in plan.industries if i.group == arg]
        if not members:
            raise TourError(f"关键数字 “{ref}”：industries.yaml 中没有类别为 “{arg}” 的产业")
        source = "“341”产业体系：" + "、".join(i.name for i in members)
        counted = INDUSTRY_GROUP_COUNTS.get(arg, len(members))
        if isinstance(counted, str):  # 一批: the plan gives no number, nor does the slide
            return KeyFigure(ref, arg, counted, "", "", source)
        return KeyFigure(ref, arg, str(len(members)), "个", "", source)
    if kind == "measures" and not arg:
        return KeyFigure(ref, "方案措施", str(len(plan.measures)), "条", "", f"{len(plan.sections)} 个部分")
    if kind == "deadlines" and not arg:
        return KeyFigure(ref, "时间要求", str(len(all_deadlines(plan))), "项", "", "全部措施")
    raise TourError(f"不认识的关键数字引用 “{ref}”（应为 goal:目标id、target:目标id、industries:类别、measures、deadlines "
                    "、progress:事项编号 或 overdue）")


def slide_figures(plan: Plan, slide: Slide, board=None) -> list[KeyFigure]:
    """Every figure of a slide, resolved from the plan (and, for progress figures, the reports; TourError when unknown).
    Drawing or checking a whole tour passes the board `tour_board` read once, never one read per slide."""
    if board is None and shows_progress(slide):
        board = load_board(plan)
    return [resolve_figure(plan, ref, board) for ref in slide.figures]


def shows_progress(slide: Slide) -> bool:
    """Whether a slide has a live progress:… or overdue figure (read from the units' reports when it is drawn)."""
    return any(ref.startswith("progress:") or ref == OVERDUE_REF for ref in slide.figures)


def tour_board(plan: Plan, tour: Tour, board=None):
    """The progress board a tour's slides draw their progress:… figures from: `board` when the caller has one, else
    read once from the store in effect; None when no slide shows progress (nothing is read)."""
    if board is not None or not any(shows_progress(slide) for slide in tour.slides):
        return board
    return load_board(plan)


# ---------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class DeadlineRow:
    """One deadline of the plan with its measure and lead units."""

    measure: Measure
    deadline: Deadline
    leads: tuple[str, ...]

    @property
    def text(self) -> str:
        """`中材装配式建筑产业园项目 开工建设（6月底前）`."""
        who = f"（{self.deadline.who}）" if self.deadline.who else ""
        return f"{self.deadline.what}{who} {self.deadline.action}"


def all_deadlines(plan: Plan) -> list[DeadlineRow]:
    """Every deadline of the plan in plan order, with its measure's lead unit names."""
    rows = []
    for m in plan.measures:
        leads = tuple(plan.unit(u).name for u in m.lead) or (NO_LEAD,)
        rows.extend(DeadlineRow(m, d, leads) for d in m.deadlines)
    return rows


def deadlines_by_lead(plan: Plan) -> dict[str, list[DeadlineRow]]:
    """Deadlines grouped by lead unit name (a jointly led measure appears under each lead), in plan order."""
    out: dict[str, list[DeadlineRow]] = {}
    for row in all_deadlines(plan):
        for lead in row.leads:
            out.setdefault(lead, []).append(row)
    return out


# ---------------------------------------------------------------- checking


def check_tour(tour: Tour, plan: Plan, feature_ids: set[str], layer_ids: set[str], board=None) -> None:
    """Every place, layer and figure a slide names must exist; TourError (Chinese) names the first that does not.
    Progress figures are checked against `board` (read once when not given and some slide shows progress)."""
    if not tour.slides:
        raise TourError("演示没有任何幻灯片")
    board = tour_board(plan, tour, board)
    for n, slide in enumerate(tour.slides, 1):
        where = f"第 {n} 页（{slide.title}）"
        for place in slide.places:
            if place not in feature_ids:
                raise TourError(f"{where}：地点 “{place}” 不在地图图层中（或没有位置）")
        for layer in slide.layers:
            if layer not in layer_ids:
                raise TourError(f"{where}：图层 “{layer}” 不存在")
        _check_filters(plan, slide.filters, where)
        try:
            slide_figures(plan, slide, board)
        except TourError as exc:
            raise TourError(f"{where}：{exc}") from None


def _check_filters(plan: Plan, filters: Filters, where: str) -> None:
    """A slide's filters must name a measure, lead unit, industry and deadline phrase the plan has."""
    known = {
        "measure": ("措施", {m.id for m in plan.measures}),
        "unit": ("牵头单位", {u for m in plan.measures for u in m.lead}),
        "industry": ("产业", {i.id for i in plan.industries}),
        "deadline": ("时间要求", {d.by for m in plan.measures for d in m.deadlines}),
    }
    for key, (label, values) in known.items():
        value = getattr(filters, key)
        if value and value not in values:
            raise TourError(f"{where}：筛选条件「{label}」的值 “{value}” 不在方案数据中")


# ---------------------------------------------------------------- places


def slide_places(catalog, slide: Slide):
    """The catalogue features a slide highlights."""
    features = catalog.features
    return features[features["id"].isin(list(slide.places))]


def slide_only(catalog, plan: Plan, slide: Slide) -> set[str] | None:
    """Ids of the plan places the slide's filters leave on its map, or None when it has no filter (all shown)."""
    if not slide.filters.active():
        return None
    return matching_places(catalog, plan, slide.filters)


def slide_extent(catalog, slide: Slide, plan: Plan | None = None) -> tuple[float, float, float, float]:
    """(west, south, east, north) the slide shows: its places and view, else what its filters leave, else the city."""
    boxes = [tuple(slide.view)] if slide.view else []
    places = slide_places(catalog, slide)
    if not places.empty:
        boxes.append(tuple(float(v) for v in places.total_bounds))
    only = slide_only(catalog, plan, slide) if plan is not None and not boxes else None
    if only:
        boxes.append(tuple(float(v) for v in catalog.features[catalog.features["id"].isin(only)].total_bounds))
    if not boxes:
        boxes.append(tuple(float(v) for v in catalog.city_outline().total_bounds))
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))

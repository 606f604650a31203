"""The plan data says what the published plan says, and broken data fails with one Chinese message."""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from core.errors import ChaohuError
from core.settings import PLAN_DIR
from loaders.plan import PlanDataError, load_plan, repair_text, target_phrase

SOURCE = (PLAN_DIR / "source.txt").read_text(encoding="utf-8")
PLAN = load_plan()
REPAIRED = repair_text(SOURCE)
CN_ITEMS = "一二三四五六七八九十"
# A figure the plan states as a quantity (number + unit), e.g. 1-2个, 25.85公里, 10%.
FIGURE = re.compile(r"\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?(?:个|条|亩|%|亿元|支|公里|家)")
DEADLINE_WORDS = re.compile(r"\d+月底前|年底前|如期|每半年|每月")
BRACKET = re.compile(r"\(牵头单位:(?P<lead>[^,()]+),配合单位:(?P<coop>[^,()]+)(?:,(?P<tail>[^()]+))?\)$")


def parse_source_measures(text: str) -> list[dict]:
    """Split the published text into measures on its own: numbering restarting at 1 starts a section."""
    measures, section = [], 0
    for line in text.splitlines():
        arabic = re.match(r"^(\d+)\.(.+)$", line)
        chinese = re.match(rf"^\(([{CN_ITEMS}])\)(.+)$", line)
        if not (arabic or chinese):
            continue
        item = int(arabic.group(1)) if arabic else CN_ITEMS.index(chinese.group(1)) + 1
        body = (arabic or chinese).group(2)
        section += item == 1
        bracket = BRACKET.search(body)
        measures.append({
            "id": f"{section}.{item}",
            "text": body[: bracket.start()] if bracket else body,
            "bracket": bracket.groupdict() if bracket else None,
        })
    return measures


SOURCE_MEASURES = parse_source_measures(REPAIRED)


def split_bracket(bracket: dict | None) -> tuple[list[str], list[str], list[str], str | None]:
    """(lead names, coop unit names, town names, scope phrase) as the bracket writes them."""
    if bracket is None:
        return [], [], [], None
    is_town = lambda name: name.endswith(("镇", "乡", "街道")) and not name.startswith("各")  # noqa: E731
    coop = bracket["coop"].split("、")
    tail = bracket["tail"]
    scope = tail if tail and tail.startswith("各") else None
    towns = [n for n in coop if is_town(n)] + (tail.split("、") if tail and not scope else [])
    return bracket["lead"].split("、"), [n for n in coop if not is_town(n)], towns, scope


def figures(value) -> set[str]:
    """How a number can be written in the plan: 2000, 25.85, and 百 for 100 (百亿级)."""
    return {f"{value:g}"} | ({"百"} if value == 100 else set())


# ---------------------------------------------------------------- structure


def test_34_measures_in_11_sections_with_the_plans_counts():
    assert len(PLAN.measures) == 34
    assert list(PLAN.section_counts().values()) == [3, 3, 4, 3, 4, 3, 3, 3, 2, 3, 3]
    parsed_counts = [sum(m["id"].split(".")[0] == str(n) for m in SOURCE_MEASURES) for n in range(1, 12)]
    assert list(PLAN.section_counts().values()) == parsed_counts


def test_section_titles_are_marked_editorial():
    """The published text lost the headings: every title we show is ours and must say so."""
    assert all(s.editorial for s in PLAN.sections)


def test_measure_ids_and_titles_look_as_users_expect():
    assert PLAN.measure("1.3").title == "加快特色小镇建设"
    assert PLAN.measure("4.2").title == "推进巢湖半岛科学城规划建设"
    assert PLAN.measure("11.1").title == "强化工作推进机制"


# ---------------------------------------------------------------- faithful to the source


def test_repairs_are_all_needed_and_leave_no_mangled_characters():
    for repair in PLAN.repairs:
        assert repair.source in SOURCE, f"repair {repair.source!r} no longer matches source.txt"
    assert not re.search(r"蕞|\?|#", REPAIRED)


def test_every_measure_text_is_the_source_paragraph_in_order():
    assert [m.id for m in PLAN.measures] == [m["id"] for m in SOURCE_MEASURES]
    for data, source in zip(PLAN.measures, SOURCE_MEASURES):
        assert data.text == source["text"], data.id
        assert data.text in REPAIRED


def test_lead_and_coop_units_match_each_closing_bracket():
    for data, source in zip(PLAN.measures, SOURCE_MEASURES):
        lead, coop, _, _ = split_bracket(source["bracket"])
        assert [PLAN.unit(u).names for u in data.lead] == [PLAN.unit_by_name(n).names for n in lead], data.id
        assert [PLAN.unit(u).names for u in data.coop] == [PLAN.unit_by_name(n).names for n in coop], data.id


def test_towns_and_scope_phrase_match_each_closing_bracket():
    for data, source in zip(PLAN.measures, SOURCE_MEASURES):
        _, _, towns, scope = split_bracket(source["bracket"])
        assert list(data.towns) == towns, data.id
        assert data.towns_scope == scope, data.id
    assert [m.id for m in PLAN.measures_naming_town("槐林镇")] == ["1.3", "2.1"]


def test_every_bracket_unit_is_in_units_yaml_and_every_unit_is_used():
    named = set()
    for source in SOURCE_MEASURES:
        lead, coop, _, _ = split_bracket(source["bracket"])
        named.update(lead + coop)
    missing = [n for n in named if PLAN.unit_by_name(n) is None]
    assert not missing
    assert {u.id for u in PLAN.units} == {PLAN.unit_by_name(n).id for n in named}
    assert all(alias in SOURCE for u in PLAN.units for alias in u.names)


def test_the_peninsula_office_is_one_unit_under_both_spellings():
    assert PLAN.unit_by_name("半岛建设办") == PLAN.unit_by_name("市半岛建设办")
    office = PLAN.unit_by_name("半岛建设办").id
    assert [m.id for m in PLAN.measures_led_by(office)] == ["4.2"]


def test_deadline_and_target_phrases_are_in_the_measure_and_cover_every_stated_figure():
    for m in PLAN.measures:
        for d in m.deadlines:
            assert d.phrase in m.text and d.what in d.phrase and d.by in d.phrase, m.id
            stated_month = re.match(r"(\d+)月", d.by)
            assert d.month == (int(stated_month.group(1)) if stated_month else d.month)
        for t in m.targets:
            assert t.phrase in m.text, m.id
            for v in (t.value, t.value_max, t.baseline):
                assert v is None or figures(v) & set(re.findall(r"\d+(?:\.\d+)?|百", t.phrase)), (m.id, v)
        quoted = "".join(t.phrase for t in m.targets)
        assert all(f in quoted for f in FIGURE.findall(m.text)), m.id
        dated = "".join(d.phrase for d in m.deadlines)
        assert all(w in dated for w in DEADLINE_WORDS.findall(m.text)), m.id


def test_targets_have_plan_wide_ids_a_slide_can_cite():
    ids = [t.id for m in PLAN.measures for t in m.targets]
    assert len(ids) == len(set(ids))
    for m in PLAN.measures:
        for t in m.targets:
            assert t.id.startswith(f"{m.id}-t") and PLAN.target(t.id) is t
    roads = PLAN.target("4.2-t3")
    assert f"{roads.value:g}{roads.unit}" in PLAN.measure("4.2").text
    with pytest.raises(KeyError):
        PLAN.target("4.2-t99")


def test_recurring_meetings_are_not_dated_deadlines():
    meetings = PLAN.measure("11.1").deadlines
    assert meetings and all(d.recurring and d.month is None for d in meetings)


def test_every_goal_figure_occurs_in_the_source_and_every_stated_goal_figure_is_recorded():
    goal_paragraphs = [line for line in REPAIRED.splitlines() if "800-1000亿元" in line or line.startswith("——")]
    assert len(goal_paragraphs) == 4
    for g in PLAN.goals:
        assert g.phrase in REPAIRED, g.id
        for v in (g.value, g.value_max):
            assert v is None or f"{v:g}" in g.phrase, (g.id, v)
        if g.comparator:
            assert g.comparator in g.phrase, g.id
    quoted = "".join(g.phrase for g in PLAN.goals)
    for paragraph in goal_paragraphs:
        assert all(f in quoted for f in FIGURE.findall(paragraph))
    for group in PLAN.goal_groups:
        assert f"—— {group.title}" in REPAIRED


def test_the_341_industries_are_the_ones_the_plan_names():
    system = next(line for line in REPAIRED.splitlines() if "“341”产业体系" in line)
    assert all(i.name in system for i in PLAN.industries)
    by_group = [sum(i.group == g for i in PLAN.industries) for g in ("传统优势产业", "战略性新兴产业", "生产性服务业")]
    assert by_group == [3, 4, 1]
    assert all(PLAN.measures_for_industry(i.id) for i in PLAN.industries)


def test_every_figure_has_the_plans_own_words_with_its_qualifier():
    """Panels and slides show target_phrase(…): the plan's words, never a shortened number (3支左右, not 3 支)."""
    quantities = [t for m in PLAN.measures for t in m.targets] + list(PLAN.goals)
    for f in quantities:
        words = target_phrase(f)
        assert words in REPAIRED and words in f.phrase, f
        if f.comparator:
            assert f.comparator in words, f
        for v in (f.value, f.value_max, getattr(f, "baseline", None)):
            assert v is None or figures_in(words) & figures(v), (f, v)
    assert target_phrase(PLAN.target("4.1-t1")) == "3支左右"
    assert target_phrase(PLAN.target("2.1-t2")) == "百亿级"
    assert target_phrase(PLAN.target("6.3-t1")) == "由5亿元增加到10亿元"
    assert [target_phrase(g) for g in PLAN.goals if g.comparator == "以上"] == ["16%以上", "10%以上", "25%以上"]


def figures_in(words: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?|百", words))


def test_the_industry_classification_of_measures_is_marked_editorial():
    note = PLAN.industry_classification
    assert note.editorial and "编者" in note.note


def test_pre_2018_unit_names_are_kept_and_noted():
    for name in ("市国税局", "市地税局", "市消防大队"):
        unit = PLAN.unit_by_name(name)
        assert unit.name in SOURCE and "旧名称" in (unit.full_name_note or ""), name


# ---------------------------------------------------------------- broken data


def broken_copy(tmp_path: Path, file: str, change) -> Path:
    """A copy of data/plan with one file's data changed by `change(data)`."""
    target = tmp_path / "plan"
    shutil.copytree(PLAN_DIR, target)
    data = yaml.safe_load((target / file).read_text(encoding="utf-8"))
    change(data)
    (target / file).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def _set(row: dict, **fields) -> None:
    row.update(fields)


BROKEN = {
    "missing id": ("measures.yaml", lambda d: d["measures"][4].pop("id"), ["第 5 条", "字段 id", "缺少"]),
    "duplicate id": ("measures.yaml", lambda d: _set(d["measures"][4], id="2.1"), ["第 5 条", "id=2.1", "重复"]),
    "unknown section": ("measures.yaml", lambda d: _set(d["measures"][4], section=12), ["第 5 条", "id=2.2", "字段 section"]),
    "unknown lead unit": (
        "measures.yaml", lambda d: _set(d["measures"][4], lead=["xyz"]),
        ["第 5 条（id=2.2）字段 lead", "“xyz” 不在 units.yaml 中"],
    ),
    "malformed deadline": (
        "measures.yaml", lambda d: _set(d["measures"][5]["deadlines"][0], by="六月底"),
        ["第 6 条（id=2.3）", "deadlines 第 1 项的 by", "六月底"],
    ),
    "malformed id": ("measures.yaml", lambda d: _set(d["measures"][0], id="1-1"), ["第 1 条", "字段 id", "格式"]),
    "unit without a name": ("units.yaml", lambda d: d["units"][2].pop("name"), ["units.yaml", "第 3 条", "字段 name"]),
    "duplicate target id": (
        "measures.yaml", lambda d: _set(d["measures"][14]["targets"][1], id="5.2-t1"),
        ["第 15 条（id=5.2）", "targets 第 2 项的 id", "“5.2-t1” 重复"],
    ),
    "target id of another measure": (
        "measures.yaml", lambda d: _set(d["measures"][14]["targets"][0], id="4.2-t9"),
        ["第 15 条（id=5.2）", "targets 第 1 项的 id", "4.2-t9"],
    ),
    "shortened target words": (
        "measures.yaml", lambda d: _set(d["measures"][10]["targets"][0], words="3支"),
        ["第 11 条（id=4.1）", "targets 第 1 项的 words", "左右"],
    ),
    "target words not in the phrase": (
        "measures.yaml", lambda d: _set(d["measures"][3]["targets"][1], words="100亿元"),
        ["第 4 条（id=2.1）", "targets 第 2 项的 words", "不在摘句"],
    ),
    "goal words without the qualifier": (
        "goals.yaml", lambda d: _set(d["goals"][1], words="16%"), ["goals 第 2 条（id=output_growth）", "words", "以上"],
    ),
    "classification not marked": (
        "industries.yaml", lambda d: d["classification"].pop("editorial"), ["industries.yaml 的 classification", "缺少"],
    ),
    "unknown industry": (
        "measures.yaml", lambda d: _set(d["measures"][3], industries=["steel"]),
        ["第 4 条（id=2.1）字段 industries", "steel"],
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_data_fails_with_one_chinese_message_naming_file_row_and_field(tmp_path, case):
    file, change, expected = BROKEN[case]
    with pytest.raises(ChaohuError) as caught:  # the project's one error family: callers catch only ChaohuError
        load_plan(broken_copy(tmp_path, file, change))
    assert caught.type is PlanDataError
    message = str(caught.value)
    assert file in message
    for part in expected:
        assert part in message, message


def test_yaml_syntax_error_names_the_file_and_line(tmp_path):
    target = broken_copy(tmp_path, "goals.yaml", lambda d: None)
    (target / "goals.yaml").write_text("goals:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(PlanDataError, match=r"goals\.yaml 第 \d+ 行"):
        load_plan(target)


def test_a_key_written_twice_in_one_row_is_an_error_not_silently_dropped(tmp_path):
    target = broken_copy(tmp_path, "units.yaml", lambda d: None)
    text = (target / "units.yaml").read_text(encoding="utf-8")
    (target / "units.yaml").write_text(text.replace("  name: 市委组织部\n", "  name: 市委组织部\n  name: 市委宣传部\n", 1),
                                       encoding="utf-8")
    with pytest.raises(PlanDataError, match=r"units\.yaml 第 \d+ 行.*“name” 重复"):
        load_plan(target)


@pytest.fixture
def run_entry(cli):
    """`python -m loaders.plan ARGS` as a user would run it, in this process."""
    from loaders.plan import main

    return lambda *args: cli(main, *args)


def test_entry_point_prints_a_one_line_summary(run_entry):
    done = run_entry()
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("规划数据有效：34 条措施，11 个部分，")
    assert f"{len(PLAN.units)} 个单位" in done.stdout
    assert len(done.stdout.strip().splitlines()) == 1


def test_entry_point_prints_the_chinese_error_and_exits_2_without_traceback(tmp_path, run_entry):
    file, change, expected = BROKEN["unknown lead unit"]
    done = run_entry("--dir", str(broken_copy(tmp_path, file, change)))
    assert done.returncode == 2
    assert "measures.yaml" in done.stderr and expected[1] in done.stderr
    assert "Traceback" not in done.stderr + done.stdout

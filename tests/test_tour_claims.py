"""The shipped 汇报 slides say only what the plan says: every number and every claim about the measures in a
slide's title or text is checked against the plan data, third-party names are marked, and a slide about a
place shows that place's targets, not city-wide ones."""

from __future__ import annotations

import re

import pytest
import yaml

from loaders.places import load_places_yaml
from core.settings import PLAN_DIR
from loaders.plan import Plan, repair_text

TOUR = yaml.safe_load((PLAN_DIR / "tour.yaml").read_text(encoding="utf-8"))
PLAN_TEXT = repair_text((PLAN_DIR / "source.txt").read_text(encoding="utf-8"))

NUMERAL = re.compile(r"[0-9]+(?:\.[0-9]+)?|[〇零一二两三四五六七八九十百千]+")
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
#: “每条措施都写明牵头单位（和配合单位）”, optionally after 除（最后）N条（标题、标题）外.
EVERY_MEASURE = re.compile(
    r"(?:除(?P<last>最后)?(?P<count>\S{1,3}?)条(?:措施)?(?:（(?P<titles>[^）]*)）)?外，?)?"
    r"(?:方案的)?每条措施都写明(?P<what>牵头单位(?:和配合单位)?|配合单位)")
#: “共N条措施”, “N个部分”, “N项时间要求”: counts of the whole plan.
COUNTS = {
    "条措施": lambda plan: len(plan.measures),
    "个部分": lambda plan: len(plan.sections),
    "项时间要求": lambda plan: sum(len(m.deadlines) for m in plan.measures),
}
COUNT = re.compile(r"(?:共|全部|方案的?|分)(?P<n>[0-9]+|[〇零一二两三四五六七八九十百]+)\s*(?P<what>" + "|".join(COUNTS) + ")")


def cn_number(text: str) -> int:
    """34, 三十四, 十一, 二 → int (small counts as slides state them)."""
    if text.isdigit():
        return int(text)
    if "百" in text:
        head, _, rest = text.partition("百")
        return cn_number(head or "一") * 100 + (cn_number(rest.lstrip("零")) if rest else 0)
    if "十" in text:
        head, _, rest = text.partition("十")
        return (_DIGITS[head] if head else 1) * 10 + (_DIGITS[rest] if rest else 0)
    return _DIGITS[text]


def check_claims(text: str, plan: Plan) -> list[str]:
    """What in a slide's title or text the plan data contradict or do not back (empty when all holds).

    A number is backed when it is part of a verified claim (counts, “每条措施都写明…” with its exceptions) or
    when it is quoted from the plan (the numeral and the character after it occur in the plan text: 四横, 千亿).
    """
    problems, consumed = [], []
    for claim in EVERY_MEASURE.finditer(text):
        consumed.append(claim.span())
        needs_coop = "配合单位" in claim["what"]
        needs_lead = "牵头单位" in claim["what"]
        missing = [m for m in plan.measures if (needs_lead and not m.lead) or (needs_coop and not m.coop)]
        said = [m for m in plan.measures if claim["titles"] and m.title in claim["titles"]]
        if not claim["count"]:
            if missing:
                problems.append(f"“{claim[0]}”：措施 {'、'.join(m.id for m in missing)} 没有写明{claim['what']}")
            continue
        if cn_number(claim["count"]) != len(missing):
            problems.append(f"“{claim[0]}”：未写明{claim['what']}的措施有 {len(missing)} 条，不是 {claim['count']} 条")
        if claim["titles"] and said != missing:
            problems.append(f"“{claim[0]}”：括号中的措施与未写明的措施（{'、'.join(m.title for m in missing)}）不符")
        if claim["last"] and missing != list(plan.measures[-len(missing):]):
            problems.append(f"“{claim[0]}”：未写明的措施不是最后几条")
    for claim in COUNT.finditer(text):
        consumed.append(claim.span())
        actual = COUNTS[claim["what"]](plan)
        if cn_number(claim["n"]) != actual:
            problems.append(f"“{claim[0]}”：方案数据为 {actual}{claim['what']}")
    for number in NUMERAL.finditer(text):
        start, end = number.span()
        if any(a <= start and end <= b for a, b in consumed):
            continue
        quoted = text[start:end + 1]
        if end >= len(text) or not re.match(r"[\w“”《》]", text[end]) or quoted not in PLAN_TEXT:
            problems.append(f"数字 “{text[max(0, start - 4):end + 2]}” 既不是规划原文，也不是可核对的说法")
    return problems


def _slides():
    return [pytest.param(slide, id=f"{n}-{slide['title']}") for n, slide in enumerate(TOUR["slides"], 1)]


@pytest.mark.parametrize("slide", _slides())
def test_slide_states_only_what_the_plan_data_back(slide, plan):
    for words in (slide["title"], slide.get("text", "")):
        assert check_claims(words, plan) == [], words


@pytest.mark.parametrize("slide", _slides())
def test_slide_marks_third_party_names(slide):
    """亚父园区, 夏阁园区 and the like are names from third-party pages, never the plan's: a slide may use one only
    when it says so."""
    places = load_places_yaml()
    for names in places["other_names"]:
        for name in names:
            for words in (slide["title"], slide.get("text", "")):
                if name in words:
                    assert "第三方" in words, f"“{name}” is a third-party name: {words}"


@pytest.mark.parametrize("slide", _slides())
def test_a_slide_about_a_place_shows_that_places_targets(slide, plan):
    """A slide titled with a plan place (居巢经开区 …) shows targets of measures naming that place, not city-wide
    targets of measures that only list it as a cooperating unit (6.1's land targets are the whole city's)."""
    places = load_places_yaml()
    named = {n for name, aliases in zip(places["name"], places["aliases"]) for n in (name, *aliases)
             if len(n) >= 4 and n in slide["title"]}
    for ref in slide.get("figures", []):
        kind, _, target_id = ref.partition(":")
        if kind != "target" or not named:
            continue
        measure = plan.measure(target_id.split("-t")[0])
        assert any(n in measure.text for n in named), f"{ref} (措施 {measure.id}) does not name {named}"


@pytest.mark.parametrize("words, fragment", [
    ("方案的每条措施都写明牵头单位和配合单位；下图为各单位牵头的措施条数。", "11.1、11.2、11.3"),
    ("除最后两条（建立评价考核体系、营造合力推进氛围）外，方案的每条措施都写明牵头单位。", "不是 两 条"),
    ("除最后三条（强化工作推进机制、建立评价考核体系、加快诚信体系建设）外，方案的每条措施都写明牵头单位。", "不符"),
    ("方案共三十五条措施，分十一个部分。", "34条措施"),
    ("全市清理批而未供用地两千亩。", "两千亩"),
    ("新建九条主次干道。", "九条主"),
])
def test_the_claim_check_catches_what_the_plan_contradicts(words, fragment, plan):
    problems = check_claims(words, plan)
    assert any(fragment in p for p in problems), problems


def test_claims_the_plan_backs_pass(plan):
    assert check_claims("方案共三十四条措施，分十一个部分，完善“四横四纵”路网体系，冲刺千亿。", plan) == []
    lead_less = [m for m in plan.measures if not m.lead]
    assert [m.id for m in lead_less] == ["11.1", "11.2", "11.3"]

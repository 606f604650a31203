"""The enterprises and partners the measures name: each row quotes its measure, and none the plan names is missing."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from loaders.enterprises import EnterprisesError, enterprise_problems, enterprises_of_measure, load_enterprises
from loaders.places import load_place_links, load_places_yaml, place_names

#: How the measures introduce the organisations they rely on, are led by, cooperate with or task.
ACTOR_PATTERNS = (
    r"依托(.+?)(?:等|推进|为|,|。|;|成立)", r"以([^,。;]+?)为龙头", r"引导([^,。;]+?)(?:等龙头企业|发挥)",
    r"(?:深化|加强|推进)与(.+?)(?:等大型企业|等高等院校|联动|合作|签订)", r"推进(\S{2,6}?)与(\S{2,6}?)联手合作",
    r"由(\S{2,8}?)\d+月", r"发挥(\S{2,10}?)(?:龙头|作用|的)", r"支持([^,。;、]+?)(?:、符合条件|主持)",
)
#: What those patterns also catch that is no organisation (or is a responsible unit of the bracket).
NOT_ORGANISATIONS = {"多层次资本市场", "企业信用信息公示系统", "合肥市公共信用信息共享服务平台", "各类人才协会", "市工商联"}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return load_enterprises()


@pytest.fixture(scope="module")
def places():
    return load_places_yaml()


def test_every_row_quotes_its_measure_and_names_the_organisation(table, plan, places):
    for row in table.itertuples(index=False):
        text = plan.measure(row.measure_id).text
        assert row.phrase in text, (row.name, row.measure_id)
        assert row.as_written in row.phrase, (row.name, row.measure_id)
    assert enterprise_problems(table, plan, places) == []


@pytest.mark.parametrize("name, measure_ids", [
    ("云海镁业", {"3.2", "5.2"}), ("皖维集团", {"3.2", "5.2", "8.2"}), ("宜安科技", {"3.2"}), ("环巢光电", {"3.1"}),
    ("南京领傲智能科技有限公司", {"3.1"}), ("中粮", {"2.2", "5.2"}), ("光明槐祥", {"2.2"}), ("富煌", {"5.2"}),
    ("富煌集团", {"8.2"}), ("中材", {"5.2"}), ("华夏幸福", {"4.3"}), ("华能巢湖电厂", {"4.1"}),
    ("北大未名生物医药", {"3.4"}), ("今辰药业", {"3.4"}), ("五粮泰", {"3.4"}), ("安徽巢湖经开区", {"4.1"}),
    ("中科大", {"1.2"}), ("浙江大学", {"1.2"}), ("巢湖学院", {"1.2", "7.1"}),
])
def test_the_organisations_the_issue_lists_are_in_the_table_by_measure(table, name, measure_ids):
    assert set(table.loc[table["name"] == name, "measure_id"]) == measure_ids


def test_no_organisation_a_measure_names_is_missing(table, plan, places):
    """Read every measure the way the table was made: each name after 依托/以…为龙头/引导/与…合作/由/发挥/支持 is in
    the table for that measure, or is a plan place (a project or platform), or is listed as no organisation."""
    place_words = {n for pid in places["id"] for n in place_names(places, pid)}
    for m in plan.measures:
        listed = set(table.loc[table["measure_id"] == m.id, "as_written"])
        for pattern in ACTOR_PATTERNS:
            for found in re.finditer(pattern, m.text):
                for group in found.groups():
                    for name in re.split("、|与", group):
                        name = name.strip("“”")
                        assert name in listed or name in place_words or name in NOT_ORGANISATIONS, (m.id, name)


def test_a_map_place_that_is_an_organisation_carries_the_same_links(table, places):
    frame = load_place_links()
    links = set(zip(frame["place_id"], frame["measure_id"]))
    for row in table[table["place_id"] != ""].itertuples(index=False):
        assert (row.place_id, row.measure_id) in links, (row.name, row.place_id, row.measure_id)
    plant = table[table["name"] == "华能巢湖电厂"].iloc[0]
    assert (plant["place_id"], plant["related_place_id"]) == ("pj_huaneng_heating", "pj_south_heating")


def test_the_measures_panel_can_list_its_organisations(table):
    assert enterprises_of_measure(table, "5.2")["as_written"].tolist() == ["云海", "皖维", "富煌", "中材", "中粮"]
    assert enterprises_of_measure(table, "9.1").empty


def test_wrong_rows_are_reported(table, plan, places):
    bad = table.copy()
    bad.loc[bad["name"] == "宜安科技", "phrase"] = "以宜安科技为唯一龙头"
    bad.loc[bad["name"] == "环巢光电", "related_place_id"] = "ip_huanglu_opto"
    problems = enterprise_problems(bad, plan, places)
    assert any("宜安科技" in p and "不在措施原文中" in p for p in problems)
    assert any("环巢光电" in p and "ip_huanglu_opto" in p for p in problems)


def test_a_broken_file_fails_with_a_chinese_message(tmp_path):
    path = tmp_path / "enterprises.csv"
    path.write_text("name,kind,measure_id,as_written,phrase,place_id,related_place_id,note\n"
                    "某公司,公司,3.2,某公司,某公司,,,\n", encoding="utf-8")
    with pytest.raises(EnterprisesError, match="第 2 行（某公司）：kind"):
        load_enterprises(path)
    path.write_text("name,measure_id\n云海镁业,3.2\n", encoding="utf-8")
    with pytest.raises(EnterprisesError, match="表头"):
        load_enterprises(path)

"""Search as a planner types: lead units, pinyin and initials, several words, a measure's number."""

from __future__ import annotations

from layers.query import matches, search, spellings, words


def labels(catalog, plan, text: str) -> list[str]:
    return [hit["label"] for hit in search(catalog, plan, text)]


def test_a_lead_unit_is_found_and_names_its_measures(catalog, plan):
    hits = search(catalog, plan, "市经信委")
    units = [h for h in hits if h["kind"] == "unit"]
    assert len(units) == 1
    led = [m.id for m in plan.measures if units[0]["id"] in m.lead]
    assert plan.unit(units[0]["id"]).name == "市经信委"
    assert f"（{len(led)} 条措施）" in units[0]["label"] and led


def test_pinyin_and_initials_find_huanglu(catalog, plan):
    for typed in ("huanglu", "HuangLu", "hl", "ｈｕａｎｇｌｕ"):
        found = labels(catalog, plan, typed)
        assert any(label.startswith("黄麓建筑科创小镇") for label in found), (typed, found)
    assert not any(label.startswith("柘皋") for label in labels(catalog, plan, "huanglu"))


def test_every_word_of_a_query_must_match(catalog, plan):
    found = labels(catalog, plan, "半岛 科学城")
    assert found[0] == "巢湖半岛科学城（巢湖半岛科学城）"
    assert any(label.startswith("措施 4.2") for label in found)
    assert labels(catalog, plan, "半岛　黄麓") == []  # full-width space; no place is both
    assert labels(catalog, plan, "   ") == []


def test_a_measure_number_finds_the_measure(catalog, plan):
    hits = search(catalog, plan, "4.2")
    assert hits[0] == {"kind": "measure", "id": "4.2", "label": f"措施 4.2 {plan.measure('4.2').title}"}


def test_spellings_and_words():
    assert spellings("黄麓镇") == ("黄麓镇", "huangluzhen", "hlz")
    assert words(" 半岛，科学城 ") == ["半岛", "科学城"]
    assert matches("柘皋产业新城", ["zhegao"]) and matches("柘皋产业新城", ["zgcy"])
    assert not matches("柘皋产业新城", ["zhegao"], pinyin=False)


def test_other_names_of_a_zone_find_the_place(catalog, plan):
    """巢湖经开区 (short for the provincial 安徽巢湖经开区, which no source places) leads to the measure naming it; the
    names third-party pages use (居巢经济开发区, 安巢经开区, 亚父园区) find their place and say whose name it is."""
    for typed in ("巢湖经开区", "安徽巢湖经开区", "安徽巢湖经济开发区", "安巢经开区"):
        first = search(catalog, plan, typed)[0]
        assert first["kind"] == "measure" and first["id"] == "4.1", (typed, first)
        assert first["label"].startswith("安徽巢湖经开区（规划未给位置，未上图；见措施 4.1）"), first
    first = search(catalog, plan, "居巢经济开发区")[0]
    assert first == {"kind": "place", "id": "edz_juchao", "label": "居巢经开区（居巢经开区），第三方网页称「居巢经济开发区」"}
    assert search(catalog, plan, "亚父园区")[0]["id"] == "edz_south"
    assert search(catalog, plan, "居巢经开区")[0] == {"kind": "place", "id": "edz_juchao", "label": "居巢经开区（居巢经开区）"}


def test_a_place_without_a_position_leads_to_the_place_it_lies_in(catalog, plan):
    first = search(catalog, plan, "南区集中供热")[0]
    assert first == {"kind": "place", "id": "edz_south", "label": "南区集中供热（未单独上图，位于「南区」）"}

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

"""Correcting a place's position, on both store engines: each correction is history with who, when, 来源 and the
geometry before and after; a revert is recorded too; bad input is refused in Chinese with nothing stored; an editor
working on a stale position is refused instead of overwriting; corrections travel between installations as one
GeoPackage and a place corrected differently on both sides is listed as a conflict, not overwritten."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, MultiPoint, Point, box

from corrections import checks as c
from corrections.share import export_gpkg, import_gpkg
from loaders.places import load_places_yaml
from store import ConflictError, StoreError
from store.gpkg import GpkgStore
from store.migrate import migrate
from store.postgis import PostgisStore

REPO = Path(__file__).resolve().parent.parent
CITY = gpd.read_file(REPO / "data/shapefiles/city_boundary.shp").query("is_city == 1").to_crs("EPSG:4548").geometry.iloc[0]


def metric_box(cx: float, cy: float, w: float, h: float):
    """A w × h metre rectangle centred on (cx, cy) in EPSG:4548, as EPSG:4490 lon/lat."""
    return gpd.GeoSeries([box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)], crs="EPSG:4548").to_crs("EPSG:4490").iloc[0]


def inside_city(dx: float = 0.0) -> tuple[float, float]:
    """A point well inside 巢湖市 (EPSG:4548), shifted east by dx metres."""
    p = CITY.representative_point()
    return p.x + dx, p.y


def shipped(place_id: str):
    places = load_places_yaml()
    return places.loc[places["id"] == place_id].iloc[0]


def park(dx: float = 0.0):
    return metric_box(*inside_city(dx), 1200, 800)


def test_a_correction_is_history_and_a_revert_is_an_entry_too(store):
    first = c.correct(store, "ip_jinjiang", park(), "园区管委会 2025 年范围图", "2025-03-01", "located", "张三")
    second = c.correct(store, "ip_jinjiang", park(3000), "招商局地块图", "2025-06", "approximate", "李四")
    assert second.before_geometry.equals_exact(first.geometry, 1e-12) and second.before_accuracy == "located"
    assert first.before_geometry.equals_exact(shipped("ip_jinjiang").geometry, 1e-9)
    assert first.before_accuracy == "schematic"
    assert store.corrections_in_effect()["ip_jinjiang"].uid == second.uid

    undo = c.revert(store, "ip_jinjiang", "王五")
    assert (undo.action, undo.reverts, undo.made_by) == ("revert", second.uid, "王五")
    assert undo.geometry.equals_exact(first.geometry, 1e-12) and undo.source == "园区管委会 2025 年范围图"
    assert store.corrections_in_effect()["ip_jinjiang"].uid == first.uid
    c.revert(store, "ip_jinjiang", "王五")
    assert "ip_jinjiang" not in store.corrections_in_effect()  # back on the shipped position
    with pytest.raises(StoreError, match="没有生效的校正"):
        c.revert(store, "ip_jinjiang", "王五")

    entries = store.correction_entries("ip_jinjiang")
    assert [(e.action, e.made_by) for e in entries] == [("correct", "张三"), ("correct", "李四"), ("revert", "王五"),
                                                       ("revert", "王五")]
    assert [(e.source, e.source_date, e.accuracy) for e in entries[:2]] == [
        ("园区管委会 2025 年范围图", "2025-03-01", "located"), ("招商局地块图", "2025-06", "approximate")]
    log = store.changes(kind="correction")
    assert [r.action for r in log] == ["correction.revert", "correction.revert", "correction.add", "correction.add"]
    assert "锦江产业园" in log[-1].summary and "园区管委会 2025 年范围图" in log[-1].summary
    assert log[-1].after["uid"] == first.uid and log[0].user == "王五"


def test_bad_input_is_refused_in_chinese_and_nothing_is_stored(store):
    x, y = max(shapely.get_coordinates(CITY), key=lambda xy: xy[0])  # the easternmost vertex: 10 km east of it is 10 km out
    far = gpd.GeoSeries([Point(x + 10_000, y).buffer(300)], crs="EPSG:4548").to_crs("EPSG:4490").iloc[0]
    road = LineString([(117.55, 31.63), (117.57, 31.655)])
    refused = {
        "wrong kind": (lambda: c.correct(store, "ip_jinjiang", road, "来源", user="张三"),
                       "「锦江产业园」属于「产业园区与基地」（面图层），只能用面校正；收到的是 1 条线"),
        "outside": (lambda: c.correct(store, "ip_jinjiang", far, "来源", user="张三"), "巢湖市界外，距市界约"),
        "empty source": (lambda: c.correct(store, "ip_jinjiang", park(), "  ", user="张三"), "请填写来源"),
        "unknown place": (lambda: c.correct(store, "ip_nowhere", park(), "来源", user="张三"), "没有编号为「ip_nowhere」的规划地点"),
        "two points": (lambda: c.correct(store, "pj_mg50kt", MultiPoint([(117.8, 31.6), (117.81, 31.6)]), "来源"),
                       "只能给一个点"),
        "future date": (lambda: c.correct(store, "ip_jinjiang", park(), "来源", dt.date.today() + dt.timedelta(days=3)),
                        "晚于今天"),
    }
    for what, (call, words) in refused.items():
        with pytest.raises(c.CorrectionError) as err:
            call()
        message = err.value.message
        assert message.endswith(("。", "）", "未保存。")) and re.search(r"[\u4e00-\u9fff]{4}", message), message
        if what == "outside":
            km = float(re.search(r"约 ([\d.]+) 公里", message).group(1))
            assert km == pytest.approx(9.7, abs=0.051), message  # the disc's edge is 0.3 km nearer than its centre
        else:
            assert words in message, (what, message)
    assert store.correction_entries() == [] and store.changes() == []


def test_an_editor_working_on_a_stale_position_is_refused_not_lost(store):
    seen = c.correct(store, "pj_mg50kt", Point(117.80, 31.70), "项目公示图", "2025", user="张三")
    c.correct(store, "pj_mg50kt", Point(117.81, 31.70), "现场核实", "2025", user="李四", expected=seen.uid)
    with pytest.raises(ConflictError, match="已被李四于 .* 校正"):
        c.correct(store, "pj_mg50kt", Point(117.82, 31.70), "旧图", "2025", user="王五", expected=seen.uid)
    with pytest.raises(ConflictError):
        c.revert(store, "pj_mg50kt", "王五", expected=seen.uid)
    assert [e.made_by for e in store.correction_entries()] == ["张三", "李四"]


def test_a_line_drawn_in_parts_and_a_polygon_drawn_in_parts_are_one_geometry_of_the_layer():
    place = c.plan_place("rd_zhizhong")
    drawn = [{"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[117.55, 31.63], [117.56, 31.64]]}},
             {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[117.56, 31.64], [117.57, 31.66]]}}]
    line = c.shaped(c.geometry_from_drawings(drawn), place)
    assert line.geom_type == "LineString" and len(line.coords) == 3  # joined where the parts meet
    squares = [{"type": "Polygon", "coordinates": [[[117.8, 31.6], [117.81, 31.6], [117.81, 31.61], [117.8, 31.61], [117.8, 31.6]]]},
               {"type": "Polygon", "coordinates": [[[117.805, 31.6], [117.815, 31.6], [117.815, 31.61], [117.805, 31.61], [117.805, 31.6]]]}]
    merged = c.shaped(c.geometry_from_drawings(squares), c.plan_place("ip_jinjiang"))
    assert merged.geom_type == "Polygon" and merged.area == pytest.approx(0.015 * 0.01)
    assert c.check_date("2025年3月") == "2025-03" and c.check_date("2024/10/01") == "2024-10-01"
    assert c.check_accuracy("大致位置") == "approximate"
    with pytest.raises(c.CorrectionError, match="只能是「位置有出处」"):
        c.check_accuracy("schematic")


def _other(kind: str, request, tmp_path):
    """An empty store on the other engine (so a round trip crosses engines both ways)."""
    if kind == "gpkg":
        return PostgisStore(request.getfixturevalue("pg_cluster").new_database())
    return GpkgStore(tmp_path / "other.gpkg")


def test_corrections_travel_as_one_geopackage_and_a_conflict_is_listed_not_overwritten(store, request, tmp_path):
    there = _other(store.kind, request, tmp_path)
    try:
        c.correct(store, "ip_jinjiang", park(), "园区管委会 2025 年范围图", "2025-03-01", user="张三")
        c.revert(store, "ip_jinjiang", "张三")
        ours = c.correct(store, "ip_jinjiang", park(2000), "园区管委会 2025 年第二版", "2025-09", user="张三")
        road = c.correct(store, "rd_zhizhong", LineString([(117.55, 31.63), (117.57, 31.655)]), "交通局竣工图", "2024-12",
                         "approximate", "李四")
        theirs = c.correct(there, "ip_jinjiang", park(-2500), "镇政府示意图", "2025-01", user="赵六")

        path = tmp_path / "校正记录.gpkg"
        assert export_gpkg(store, path) == 4
        table = gpd.read_file(path, layer="corrections")
        assert table["action"].tolist() == ["correct", "revert", "correct", "correct"]
        assert set(table["place_name"]) == {"锦江产业园", "治中路"} and table["made_by"].tolist()[-1] == "李四"
        assert table["before_wkt"].iloc[0].startswith("POLYGON") and table["made_at"].iloc[0].endswith("+08:00")

        report = import_gpkg(there, path, "王五")
        assert report.places == ["rd_zhizhong"] and report.entries == 1 and not report.problems
        assert [x.place_id for x in report.conflicts] == ["ip_jinjiang"]
        said = report.conflicts[0].text
        assert "本机为来源「镇政府示意图」" in said and "导入文件为来源「园区管委会 2025 年第二版」" in said
        assert there.corrections_in_effect()["ip_jinjiang"].uid == theirs.uid  # not overwritten
        got = there.corrections_in_effect()["rd_zhizhong"]
        assert (got.uid, got.made_by, got.made_at, got.source, got.source_date, got.accuracy) == (
            road.uid, "李四", road.made_at, "交通局竣工图", "2024-12", "approximate")
        assert got.geometry.equals_exact(road.geometry, 1e-12) and got.before_geometry.equals_exact(road.before_geometry, 1e-9)
        assert got.origin == path.name
        assert import_gpkg(there, path, "王五").entries == 0  # nothing new the second time

        taken = import_gpkg(there, path, "王五", take=["ip_jinjiang"])
        assert taken.taken == ["ip_jinjiang"] and not taken.conflicts
        now = there.corrections_in_effect()["ip_jinjiang"]
        assert now.geometry.equals_exact(ours.geometry, 1e-12) and now.source == "园区管委会 2025 年第二版"
        assert now.made_by == "王五" and "导入时采用" in now.method and now.before_geometry.equals_exact(theirs.geometry, 1e-12)
        assert [r.action for r in there.changes(kind="correction")][:2] == ["correction.import", "correction.import"]
    finally:
        there.engine.dispose()


def test_moving_a_workspace_to_postgis_carries_its_corrections(tmp_path, pg_cluster):
    laptop = GpkgStore(tmp_path / "laptop.gpkg")
    office = PostgisStore(pg_cluster.new_database())
    try:
        made = c.correct(laptop, "pj_mg50kt", Point(117.80, 31.70), "项目公示图", "2025", user="张三")
        counts = migrate(laptop, office, "管理员")
        assert counts["corrections"] == 1
        assert office.corrections_in_effect()["pj_mg50kt"].uid == made.uid
        after = c.correct(office, "pj_mg50kt", Point(117.81, 31.70), "现场核实", "2025", user="李四")
        assert after.id > made.id  # the id sequence moved past the copied rows
    finally:
        office.engine.dispose()


def _entry(place_id: str, layer: str, geometry, uid: str = "u1", action: str = "correct", reverts=None):
    from datetime import datetime

    from store.corrections import CorrectionEntry

    return CorrectionEntry(id=1, uid=uid, place_id=place_id, layer=layer, action=action, geometry=geometry,
                           accuracy="located", source="管委会图", source_date="2025", before_geometry=None,
                           before_accuracy="approximate", method="在地图上绘制", reverts=reverts, made_by="张三",
                           made_at=datetime(2025, 5, 1, 1, 30))


def test_the_overlay_changes_copies_rederives_a_parent_and_reports_a_vanished_place():
    from core.declarations import LAYERS
    from loaders.base import read_layer
    from corrections.overlay import Corrections

    frames = {s.id: read_layer(s) for s in LAYERS}
    places = load_places_yaml()
    south = park()  # 南区 moved: the 居巢经开区 extent (the union of its parts) follows
    overlay = Corrections.from_entries([_entry("edz_south", "juchao_edz", south), _entry("ip_gone", "industrial_parks", park(), "u2")])
    laid, new_places = overlay.apply(frames, places)
    edz = laid["juchao_edz"].set_index("id")
    assert edz.loc["edz_south", "geometry"].equals(south) and edz.loc["edz_south", "correction"] == "已校准：管委会图（2025）"
    assert edz.loc["edz_south", "note"].startswith("（校准前）") and edz.loc["edz_juchao", "correction"] == ""
    assert edz.loc["edz_juchao", "geometry"].contains(south)
    assert not frames["juchao_edz"].set_index("id").loc["edz_juchao", "geometry"].contains(south)  # the input is untouched
    assert new_places.set_index("id").loc["edz_south", "geometry"].equals(south)
    assert overlay.problems == ["位置校正记录中的地点「ip_gone」已不在规划数据中，该校正未显示。"]
    reverted = Corrections.from_entries([_entry("edz_south", "juchao_edz", south),
                                         _entry("edz_south", "juchao_edz", None, "u3", "revert", reverts="u1")])
    assert reverted.current == {} and len(reverted.entries_of("edz_south")) == 2
    assert reverted.apply(frames, places)[0]["juchao_edz"]["correction"].eq("").all()


def test_a_feature_of_an_uploaded_layer_becomes_the_place_s_geometry(store):
    layer = gpd.GeoDataFrame({"名称": ["一号地块", "锦江园区红线"]}, geometry=[park(-2000), park(1500)], crs="EPSG:4490")
    store.add_layer("园区范围（管委会）", layer, "张三")
    entry = c.adopt_layer(store, "园区范围（管委会）", "ip_jinjiang", "管委会红线图", feature=2, source_date="2025-04-01", user="张三")
    assert entry.geometry.equals_exact(park(1500), 1e-9) and entry.method == "采用图层「园区范围（管委会）」第 2 个要素"
    with pytest.raises(c.CorrectionError, match="图层「园区范围（管委会）」中有 2 个要素，请指定采用第几个（1–2）"):
        c.adopt_layer(store, "园区范围（管委会）", "ip_jinjiang", "管委会红线图")
    with pytest.raises(c.CorrectionError, match="没有第 3 个要素（共 2 个"):
        c.adopt_layer(store, "园区范围（管委会）", "ip_jinjiang", "管委会红线图", feature=3)
    assert len(store.correction_entries()) == 1


def test_two_editors_saving_at_once_one_wins_the_other_is_told(store):
    """Both started from the shipped position; the corrections lock serialises them: one is stored, one refused."""
    from concurrent.futures import ThreadPoolExecutor

    def save(who: str, dx: float):
        try:
            return c.correct(store, "ip_jinjiang", park(dx), f"{who}的图", "2025", user=who, expected=None).made_by
        except ConflictError as exc:
            return exc.message

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(save, ["张三", "李四"], [0, 2500]))
    stored = [r for r in results if r in ("张三", "李四")]
    assert len(stored) == 1 and any("与您开始编辑时不同" in r for r in results), results
    assert [e.made_by for e in store.correction_entries()] == stored


@pytest.mark.parametrize("name", ["../../x/township_areas.gpkg", "ABSOLUTE", "..\\..\\x\\township_areas.gpkg"])
def test_an_uploaded_corrections_file_is_saved_under_a_name_the_app_makes_never_the_client_s(store, tmp_path, monkeypatch, name):
    import hashlib
    import tempfile

    from corrections.share import import_upload

    source = GpkgStore(tmp_path / "source.gpkg")
    road = c.correct(source, "rd_zhizhong", LineString([(117.55, 31.63), (117.57, 31.655)]), "交通局竣工图", "2024-12",
                     "approximate", "李四")
    export_gpkg(source, tmp_path / "export.gpkg")
    data = (tmp_path / "export.gpkg").read_bytes()
    source.engine.dispose()

    nest = tmp_path / "a" / "b"  # the temporary folder the upload lands in sits two levels below a/
    nest.mkdir(parents=True)
    (tmp_path / "a" / "x").mkdir()  # the folder '../../x/' names from inside it: a probe's write would succeed
    monkeypatch.setattr(tempfile, "tempdir", str(nest))
    victim = tmp_path / "victim.gpkg"
    victim.write_bytes(b"official data")
    name = str(victim) if name == "ABSOLUTE" else name
    official = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (REPO / "data/official").rglob("*") if p.is_file()}
    before = set(tmp_path.rglob("*"))

    report = import_upload(store, data, name, "王五")

    shown = Path(name.replace("\\", "/")).name
    got = store.corrections_in_effect()["rd_zhizhong"]
    assert report.entries == 1 and got.uid == road.uid
    assert got.origin == shown  # the client's name is kept as text: its last part only
    assert victim.read_bytes() == b"official data"
    assert set(tmp_path.rglob("*")) == before  # nothing left or created outside the private folder (gone too)
    assert not (tmp_path / "a" / "x" / "township_areas.gpkg").exists()
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (REPO / "data/official").rglob("*") if p.is_file()} == official
    change = store.changes(kind="correction")[0]
    assert shown in change.summary and "/" not in change.summary and "\\" not in change.summary


def test_a_corrections_file_over_its_limit_is_refused_in_chinese(store, tmp_path):
    from core.inputs import TooLarge, UPLOAD_MB
    from corrections.share import import_upload

    with pytest.raises(TooLarge, match=f"文件过大：「big.gpkg」51 MB，超过校正记录文件的上限 {UPLOAD_MB['corrections']} MB"):
        import_upload(store, b"\0" * (51 * 1024**2), "../big.gpkg", "王五")
    assert store.correction_entries() == []

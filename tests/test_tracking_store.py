"""Progress records in the store, on both engines (GeoPackage and a real PostGIS): appended with their change-log
row in one transaction, never rewritten, a wrong import withdrawn (and reinstated) as a whole, moved by migrate."""

from __future__ import annotations

from datetime import date

import pytest

from core import roles
from core.progress import YEAR_SETTING
from tracking.errors import ProgressError
from tracking.load import load_board, plan_year, set_plan_year
from tracking.records import ProgressInput
from store import StoreError
from store.progress import EvidenceInput

from progressdata import accepted


def report(item_id: str = "4.2-t3", status: str = "推进中", value=12.3, on=date(2026, 11, 20), note="") -> ProgressInput:
    return ProgressInput(item_id=item_id, status=status, value=value, note=note, reported_on=on)


def test_reports_are_appended_with_who_and_when_and_one_log_row(store):
    batch = store.add_progress([report(), report("4.2", "推进中", None)], "市半岛建设办", "张三", "半岛.xlsx")
    store.add_progress([report(value=20.1, on=date(2026, 11, 25))], "市半岛建设办", "李四")
    records = store.progress_records("4.2-t3")
    assert [(r.value, r.reporter, r.unit, r.reported_on) for r in records] == [
        (12.3, "张三", "市半岛建设办", date(2026, 11, 20)), (20.1, "李四", "市半岛建设办", date(2026, 11, 25))]
    assert records[0].batch == batch.batch and records[0].source == "半岛.xlsx" and not records[0].withdrawn
    log = store.changes(kind="progress")
    assert [(c.action, c.user, c.target) for c in log] == [("progress.report", "李四", "市半岛建设办"),
                                                           ("progress.report", "张三", "市半岛建设办")]
    assert log[1].label == "填报进展" and "4.2-t3 推进中" in log[1].summary and log[1].after["count"] == 2


def test_nothing_implausible_is_stored_and_a_refused_batch_writes_nothing(store):
    for bad in (report(status="完成"), report(value=float("inf")), report(value=-1.0), report(on="2026-11-20")):
        with pytest.raises(StoreError):
            store.add_progress([report("4.2"), bad], "市半岛建设办", "张三")
    with pytest.raises(StoreError, match="填报单位和填报人"):
        store.add_progress([report()], "", "张三")
    assert store.progress_records() == [] and store.changes(kind="progress") == []


def test_a_withdrawn_import_stays_in_the_history_and_undo_brings_it_back(store, plan):
    accepted(store, [report(value=5.0, on=date(2026, 10, 1))])
    wrong = accepted(store, [report(status="已完成", value=25.85, on=date(2026, 11, 2))], user="王五")
    assert load_board(plan, store, date(2026, 11, 26)).state("4.2-t3").status == "已完成"
    assert store.withdraw_progress(wrong.batch, "赵六", "误填") == 1
    board = load_board(plan, store, date(2026, 11, 26))
    state = board.state("4.2-t3")
    assert (state.status, state.value) == ("推进中", 5.0)
    assert [r.withdrawn for r in state.history] == [False, True]  # still there, marked
    with pytest.raises(StoreError, match="已经撤回"):
        store.withdraw_progress(wrong.batch, "赵六")
    withdraw = store.changes(action="progress.withdraw")[0]
    assert store.undo(withdraw.id, "赵六") == "已恢复该次进展填报（1 条）"
    assert load_board(plan, store, date(2026, 11, 26)).state("4.2-t3").status == "已完成"
    report_change = store.changes(action="progress.report")[0]
    assert "已撤回" in store.undo(report_change.id, "赵六")
    assert [b.state for b in store.progress_batches()] == ["withdrawn", "accepted"]
    assert len(store.progress_records()) == 2  # nothing was ever deleted


def test_the_plan_year_is_a_setting_only_an_administrator_changes(store):
    assert plan_year(store) is None
    with pytest.raises(roles.PermissionDenied, match="「编辑」角色无权修改设置"):
        set_plan_year(2018, "张三", roles.EDITOR, store)
    with pytest.raises(ProgressError, match="不合理"):
        set_plan_year(1990, "张三", roles.ADMIN, store)
    assert set_plan_year("2018", "管理员", roles.ADMIN, store) == 2018 and plan_year(store) == 2018
    change = store.changes(kind="setting")[0]
    assert (change.target, change.user, change.after) == (YEAR_SETTING, "管理员", {"value": 2018})
    set_plan_year(None, "管理员", roles.ADMIN, store)
    assert plan_year(store) is None


@pytest.mark.slow
def test_migrating_the_workspace_to_postgis_keeps_progress_and_withdrawals(tmp_path, pg_cluster, plan):
    from store.gpkg import GpkgStore
    from store.migrate import migrate
    from store.postgis import PostgisStore

    source = GpkgStore(tmp_path / "ws.gpkg")
    photo = EvidenceInput("4.2-t3", "现场.png", "image/png", b"\x89PNG\r\n\x1a\n-bytes", 31.6, 117.86, "2026-11-18")
    kept = accepted(source, [report()], evidence=[photo])
    gone = source.add_progress([report("4.2", "滞后", None)], "市半岛建设办", "李四")
    source.withdraw_progress(gone.batch, "王五")
    source.add_reminder("市半岛建设办", ["4.2-t3"], "请报送", "王五")
    source.publish_bulletin("2026-11", {"headline": "一"}, b"xlsx", b"%PDF", "王五")
    target = PostgisStore(pg_cluster.new_database())
    counts = migrate(source, target, "管理员")
    assert counts["progress"] == 2 and counts["progress_withdrawals"] == 1
    assert counts["progress_reviews"] == 1 and counts["progress_evidence"] == 1
    [moved] = target.progress_evidence(kept.batch)
    assert target.evidence_file(moved.id)[1] == photo.data and target.progress_batch(kept.batch).state == "accepted"
    assert counts["reminders"] == 1 and counts["bulletins"] == 1
    assert target.published_bulletin(1).pdf == b"%PDF"  # the published files as they were
    assert target.add_reminder("市半岛建设办", ["4.2"], "", "张三").id == 2  # ids continue after the copied ones
    assert [(r.item_id, r.withdrawn) for r in target.progress_records()] == [("4.2-t3", False), ("4.2", True)]
    target.add_progress([report(value=13.0)], "市半岛建设办", "张三")  # ids continue after the copied ones
    assert [r.id for r in target.progress_records()] == [1, 2, 3]
    assert kept.batch in {b.batch for b in target.progress_batches()}
    source.engine.dispose()
    target.engine.dispose()

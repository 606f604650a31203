"""A report counts only once the office accepts it (both engines): 待审核 changes nothing on the board but is counted
as pending, 采纳 makes it count, 退回 keeps the reason for the unit; each review is one transaction with its change-log
row (undoable), and the command line's `review`, `batches` and `status --json` say the same. An online report is
checked as a workbook row is, and its evidence files by their bytes and limits; a photo's EXIF position is read."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from PIL import Image

from core import roles
from core.clock import today
from core.inputs import MAX_EVIDENCE_FILES, limit_bytes
from store import StoreError, forget_stores
from tracking.__main__ import main
from tracking.bulletin import EVIDENCE_COLUMN, by_unit, item_table, make_bulletin
from tracking.errors import ProgressError
from tracking.evidence import check_evidence, photo_position
from tracking.load import load_board, plan_items
from tracking.records import ProgressInput
from tracking.service import OnlineRow, Tracking
from filebuild import photo_jpeg as jpeg

FUND = "6.3-t1"  # 风险补偿基金 由5亿元增加到10亿元, led by 市金融办
UNIT = "市金融办"
#: 居巢经开区, about 5 km south-west of the city's centre.
NEAR = (31.575, 117.83)


def fund(value: float, on: date = date(2026, 11, 20)) -> ProgressInput:
    return ProgressInput(item_id=FUND, status="推进中", value=value, note="", reported_on=on)


def test_a_report_counts_only_after_the_office_accepts_it(store, plan):
    items = plan_items(plan)
    batch = store.add_progress([fund(7.5)], UNIT, "金融办联络员")
    board = load_board(plan, store, date(2026, 11, 26), items)
    state = board.state(FUND)
    assert (state.status, state.completion, state.pending) == ("未填报", None, 1)  # unchanged, awaiting review
    assert store.progress_batch(batch.batch).state_label == "待审核"
    store.review_progress(batch.batch, "王工", accept=True)
    state = load_board(plan, store, date(2026, 11, 26), items).state(FUND)
    assert (state.status, state.completion, state.pending) == ("推进中", 0.5, 0)
    change = store.changes(kind="progress")[0]
    assert (change.action, change.user, change.label, change.target) == ("progress.accept", "王工", "采纳进展填报", UNIT)
    with pytest.raises(StoreError, match="已经审核（已采纳，王工），不能重复审核"):
        store.review_progress(batch.batch, "李工", accept=False, reason="重复")
    assert store.undo(change.id, "王工") == "已撤销审核，该次进展填报恢复为待审核"  # reversible: pending again
    assert load_board(plan, store, date(2026, 11, 26), items).state(FUND).status == "未填报"
    assert store.progress_batch(batch.batch).state == "pending"


def test_a_returned_report_never_counts_and_keeps_its_reason(store, plan):
    items = plan_items(plan)
    batch = store.add_progress([fund(5)], UNIT, "金融办联络员")
    with pytest.raises(StoreError, match="退回须写明原因"):
        store.review_progress(batch.batch, "王工", accept=False, reason="  ")
    with pytest.raises(StoreError, match="没有编号为 nosuch 的进展填报"):
        store.review_progress("nosuch", "王工", accept=True)
    returned = store.review_progress(batch.batch, "王工", accept=False, reason="完成值单位应为亿元，请核对")
    assert (returned.state_label, returned.reason, returned.reviewed_by) == ("已退回", "完成值单位应为亿元，请核对", "王工")
    assert [b.reason for b in store.progress_batches(UNIT)] == ["完成值单位应为亿元，请核对"]
    state = load_board(plan, store, date(2026, 11, 26), items).state(FUND)
    assert (state.status, state.pending) == ("未填报", 0)
    assert "退回「市金融办」的进展填报 1 条" in store.changes(action="progress.return")[0].summary
    again = store.add_progress([fund(5)], UNIT, "金融办联络员")  # the unit reports again after a return
    store.withdraw_progress(again.batch, "王工", "重复")
    with pytest.raises(StoreError, match="已经撤回，不能再审核"):
        store.review_progress(again.batch, "王工", accept=True)


def test_only_the_office_reviews(store, plan):
    t = Tracking(plan=plan, items=plan_items(plan), store=store)
    batch = store.add_progress([fund(5)], UNIT, "金融办联络员")
    with pytest.raises(roles.PermissionDenied, match="「填报」角色无权审核和撤回进展填报"):
        t.review(batch.batch, "金融办", roles.REPORTER, True)
    assert t.review(batch.batch, "王工", roles.EDITOR, True).state == "accepted"


def _fund_status(capsys) -> dict:
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    return next(i for i in json.loads(capsys.readouterr().out)["items"] if i["id"] == FUND)


def test_the_command_line_reviews_and_status_shows_completion_and_pending(workspace, capsys):
    store = Tracking.open().store
    first = store.add_progress([fund(5, date(2026, 11, 1))], UNIT, "金融办联络员")
    got = _fund_status(capsys)
    assert (got["completion"], got["pending"], got["status"]) == (None, 1, None)
    assert main(["review", first.batch, "--accept", "--by", "王工"]) == 0
    assert "已采纳「市金融办」的进展填报" in capsys.readouterr().out
    got = _fund_status(capsys)
    assert (got["completion"], got["pending"], got["value"]) == (0.0, 0, 5.0)
    second = store.add_progress([fund(7.5, today())], UNIT, "金融办联络员")
    assert _fund_status(capsys)["completion"] == 0.0  # 7.5 waits for review
    assert _fund_status(capsys)["pending"] == 1
    for argv, words in (
        (["review", "nosuch", "--accept"], "没有编号为 nosuch 的进展填报"),
        (["review", first.batch, "--accept"], "已经审核"),
        (["review", second.batch, "--return"], "退回须写明原因"),
        (["review", second.batch], "--accept"),  # neither verdict given
    ):
        assert main(argv) == 2, argv
        assert words in capsys.readouterr().err
    assert main(["batches", "--json"]) == 0
    listed = {b["batch"]: b for b in json.loads(capsys.readouterr().out)}
    assert (listed[first.batch]["state_label"], listed[second.batch]["state_label"]) == ("已采纳", "待审核")
    assert main(["review", second.batch, "--accept", "--by", "王工"]) == 0
    got = _fund_status(capsys)
    assert (got["completion"], got["pending"], got["value"]) == (0.5, 0, 7.5)
    assert main(["batches"]) == 0
    assert capsys.readouterr().out.count("已采纳") == 2


def test_a_stores_old_reports_count_as_accepted_after_the_upgrade(tmp_path, plan):
    """A store made before reviews existed: the revision records its batches as accepted, so nothing stops counting."""
    from sqlalchemy import delete
    from store import schema as t
    from store.gpkg import GpkgStore

    path = tmp_path / "old.gpkg"
    store = GpkgStore(path)
    batch = store.add_progress([fund(7.5)], UNIT, "张三")
    with store.engine.begin() as conn:  # back to revision 0003: no review table, the batch as it was stored then
        conn.execute(delete(t.progress_reviews))
        conn.exec_driver_sql("DROP TABLE chaohu_progress_reviews")
        conn.exec_driver_sql("DROP TABLE chaohu_progress_evidence")
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0003'")
    store.engine.dispose()
    forget_stores()
    reopened = GpkgStore(path)
    try:
        assert reopened.progress_batch(batch.batch).state == "accepted"
        assert load_board(plan, reopened, date(2026, 11, 26)).state(FUND).completion == 0.5
    finally:
        reopened.engine.dispose()


# ---- online reports and evidence


def _online(store, plan):
    return Tracking(plan=plan, items=plan_items(plan), store=store)


def test_an_online_report_is_checked_as_a_workbook_row_and_stored_with_its_photo(store, plan):
    t = _online(store, plan)
    photo = jpeg(NEAR)
    with pytest.raises(ProgressError) as refused:
        t.report_online([OnlineRow(FUND, "推进中", "十二", "", today()),
                         OnlineRow("6.3", "完成", None, "", today()),
                         OnlineRow("4.2", "推进中", None, "", today())], "金融办", roles.REPORTER, UNIT)
    message = refused.value.message
    assert "事项 6.3-t1「完成值」：「十二」不是数字" in message and "事项 6.3「进展状态」" in message
    assert "事项 4.2：不是「市金融办」牵头的事项" in message and store.progress_records() == []
    batch, notes = t.report_online([OnlineRow(FUND, "推进中", "7.5", "已到位", today().isoformat(),
                                              (("现场.jpg", photo),))], "金融办", roles.REPORTER, UNIT, "李敏")
    assert notes == [] and batch.state == "pending" and batch.reporter == "李敏"
    [stored] = store.progress_evidence(batch.batch)
    assert (stored.name, stored.content_type, stored.item_id, stored.taken) == ("现场.jpg", "image/jpeg", FUND, "2026-11-18")
    assert stored.lat == pytest.approx(NEAR[0], abs=1e-4) and stored.lon == pytest.approx(NEAR[1], abs=1e-4)
    assert store.evidence_file(stored.id)[1] == photo
    assert load_board(plan, store).state(FUND).evidence == 0  # evidence counts with its accepted report
    t.review(batch.batch, "王工", roles.EDITOR, True)
    board = load_board(plan, store)
    assert (board.state(FUND).evidence, board.unit("jrb").evidence) == (1, 1)
    bulletin = make_bulletin(board, plan, f"{today():%Y-%m}")  # the 通报 counts it per unit and per item
    units = by_unit(bulletin.board).set_index("牵头单位")
    assert units.loc[UNIT, EVIDENCE_COLUMN] == 1 and units.loc["合计（按事项）", EVIDENCE_COLUMN] == 1
    items = item_table(bulletin.board.states).set_index("编号")
    assert items.loc[FUND, EVIDENCE_COLUMN] == 1 and items.loc["6.3", EVIDENCE_COLUMN] == 0


def _refusal(files) -> str:
    with pytest.raises(ProgressError) as refused:
        check_evidence(files, FUND)
    return refused.value.message


def test_evidence_is_refused_when_too_big_not_a_photo_or_pdf_by_its_bytes_or_too_many():
    big = b"%PDF-1.7\n" + b"0" * limit_bytes("evidence")
    assert "文件过大：「报告.pdf」" in _refusal([("报告.pdf", big)]) and "佐证材料的上限 10 MB" in _refusal([("报告.pdf", big)])
    fake = b"MZ\x90\x00" + b"\x00" * 100  # a program named as a photo
    assert "「照片.jpg」不是JPEG/PNG 照片或 PDF 文件（按文件内容判断，与文件名无关）" in _refusal([("照片.jpg", fake)])
    assert "无法读取" in _refusal([("坏图.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)])
    too_many = [(f"{n}.pdf", b"%PDF-1.4\n%%EOF") for n in range(MAX_EVIDENCE_FILES + 1)]
    assert f"每次填报最多 {MAX_EVIDENCE_FILES} 个" in _refusal(too_many)
    kept, notes = check_evidence([("说明.txt", b"%PDF-1.4\n%%EOF"), ("c:\\fakepath\\现场.png", _png())], FUND)
    assert [(e.name, e.content_type) for e in kept] == [("说明.txt", "application/pdf"), ("现场.png", "image/png")]
    assert notes == []


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "PNG")
    return buf.getvalue()


def test_a_photos_exif_gps_is_read_and_a_position_outside_the_city_is_ignored_with_a_note():
    pos = photo_position(jpeg(NEAR))
    assert (round(pos.lat, 4), round(pos.lon, 4), pos.taken) == (NEAR[0], NEAR[1], "2026-11-18")
    assert photo_position(jpeg(None)) is None and photo_position(_png()) is None
    south = photo_position(jpeg((-33.86, -151.2)))
    assert (round(south.lat, 2), round(south.lon, 2)) == (-33.86, -151.2)  # S and W are negative
    [kept], notes = check_evidence([("北京.jpg", jpeg((39.9, 116.4)))], FUND)
    assert (kept.lat, kept.lon, kept.taken) == (None, None, "2026-11-18")
    assert len(notes) == 1 and "「北京.jpg」的拍摄位置距巢湖市约" in notes[0] and "未标注在地图上" in notes[0]

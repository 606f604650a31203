"""催办 and the published 通报, as an office uses them: what each unit has overdue or falling due, a 催办 recorded with
its change-log row and shown in the item's history, the 催办单 as a workbook of text cells and as a PDF naming the unit
and the items; a 通报 published once as 第 N 期 whose files come back byte for byte after later imports, refused when
published twice; the 通报 PDF keeping each 时限 whole, wrapping long notes, numbering items as the plan does and naming
the places on its map."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date

import openpyxl
import pytest

import pdfpage
from core.clock import today
from store import forget_stores
from store.errors import StoreError
from store.gpkg import GpkgStore
from tracking import reminders
from tracking.bulletin import make_bulletin
from tracking.bulletin_pdf import pdf_bytes
from tracking.records import ProgressInput
from tracking.service import Tracking
from presentation.progress_panel import place_progress_html

from progressdata import accepted

CEMENT = "中材装配式建筑产业园项目 开工建设"  # 2.3-d1, 市经信委, 6月底前


@pytest.fixture
def tracking(cli):
    """`python -m tracking ARGS` on the given workspace, in this process."""
    from tracking.__main__ import main

    return lambda *args, env: cli(main, *args, env=env)


@pytest.fixture
def office(tmp_path, plan):
    """Tracking on a fresh GeoPackage store."""
    store = GpkgStore(tmp_path / "ws.gpkg")
    try:
        yield Tracking.open(store=store, plan=plan)
    finally:
        store.engine.dispose()
        forget_stores()


def test_the_store_keeps_reminders_and_published_bulletins_each_with_its_change_log_row(store):
    made = store.add_reminder("市经信委", ["2.3-d1", "3.2-d1", "2.3-d1"], "请报送开工情况", "张三")
    assert made.items == ("2.3-d1", "3.2-d1") and made.unit == "市经信委" and made.made_by == "张三"
    store.add_reminder("市发改委", ["4.1-d1"], "", "李四")
    assert [r.unit for r in store.reminders()] == ["市经信委", "市发改委"]
    assert [r.id for r in store.reminders(item_id="3.2-d1")] == [made.id]
    with pytest.raises(StoreError, match="至少选择一个事项"):
        store.add_reminder("市经信委", [], "", "张三")

    first = store.publish_bulletin("2026-11", {"headline": "一"}, b"xlsx-1", b"%PDF-1", "王五")
    assert first.issue == 1
    with pytest.raises(StoreError, match=r"2026-11 的通报已发布（第 1 期）"):
        store.publish_bulletin("2026-11", {}, b"x", b"p", "王五")
    again = store.publish_bulletin("2026-11", {"headline": "二"}, b"xlsx-2", b"%PDF-2", "王五", again=True)
    assert again.issue == 2 and store.publish_bulletin("2026-12", {}, b"a", b"b", "王五").issue == 3
    kept = store.published_bulletin(1)
    assert (kept.xlsx, kept.pdf, kept.data, kept.month) == (b"xlsx-1", b"%PDF-1", {"headline": "一"}, "2026-11")
    assert [b.issue for b in store.published_bulletins()] == [1, 2, 3]
    with pytest.raises(StoreError, match="没有第 9 期通报"):
        store.published_bulletin(9)
    log = store.changes()
    assert [c.action for c in log if c.kind == "reminder"] == ["reminder.add"] * 2
    assert [c.target for c in log if c.action == "bulletin.publish"] == ["第 3 期", "第 2 期", "第 1 期"]
    assert any("催办「市经信委」2 项" in c.summary for c in log)


def test_due_lists_a_units_overdue_items_and_those_falling_due_within_n_days(office):
    uid = office.items.unit_id("市经信委")
    office.set_year(2026, "管理员", "admin")
    june = office.board(on=date(2026, 6, 15))
    soon = reminders.unit_due(june, uid, 30)
    assert [s.item.id for s in soon.overdue] == [] and "2.3-d1" in [s.item.id for s in soon.due]
    assert "2.3-d1" not in [s.item.id for s in reminders.unit_due(june, uid, 10).due]  # 6-30 is 15 days away
    assert reminders.due_table(soon).set_index("编号").loc["2.3-d1", "情况"] == "15 天后到期"
    july = reminders.unit_due(office.board(on=date(2026, 7, 2)), uid)
    assert [s.item.id for s in july.overdue] == ["2.3-d1"] and july.due == ()
    accepted(office.store, [ProgressInput("2.3-d1", "已完成", None, "", date(2026, 6, 20))], "市经信委", "张三")
    assert reminders.unit_due(office.board(on=date(2026, 7, 2)), uid).states == ()  # done: nothing to chase
    office.set_year(None, "管理员", "admin")
    assert reminders.unit_due(office.board(on=date(2026, 7, 2)), uid).states == ()  # no year, no dates


def test_remind_from_the_command_line_then_the_reminder_sheet_as_text_cells_and_as_pdf(tmp_path, tracking, office):
    env = {"CHAOHU_WORKSPACE": str(tmp_path / "ws")}
    assert tracking("year", "2018", "--by", "管理员", env=env).returncode == 0
    due = tracking("due", "--unit", "市经信委", "--json", env=env)
    assert due.returncode == 0, due.stderr
    found = json.loads(due.stdout)
    assert found["as_of"] == today().isoformat() and found["units"][0]["unit"] == "市经信委"
    assert {"id": "2.3-d1", "number": "2.3-d1", "title": CEMENT, "due": "6月底前（2018-06-30）",
            "due_date": "2018-06-30", "status": "未填报"} in found["units"][0]["overdue"]
    listed = tracking("due", env=env)
    assert "市经信委：逾期" in listed.stdout and "市发改委：逾期" in listed.stdout

    note = '=HYPERLINK("http://example.invalid","点此")<b>'
    made = tracking("remind", "--unit", "市经信委", "--item", "2.3-d1", "--item", "3.2-d1", "--note", note, "--by", "张三",
                    env=env)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("已记录催办：「市经信委」2 项（2.3-d1、3.2-d1），张三，")
    foreign = tracking("remind", "--unit", "市经信委", "--item", "4.1-d1", "--note", "", "--by", "张三", env=env)
    assert foreign.returncode == 2 and "这些事项不由「市经信委」牵头：4.1-d1" in foreign.stderr
    hidden = tracking("remind", "--unit", "市经信委", "--item", "2.3-d1", "--note", "请\u202e报送", "--by", "张三", env=env)
    assert hidden.returncode == 2 and "隐藏控制字符（U+202E）" in hidden.stderr
    unknown = tracking("remind", "--unit", "市经信委", "--item", "9.9-d9", "--by", "张三", env=env)
    assert unknown.returncode == 2 and "方案中没有这些事项：9.9-d9" in unknown.stderr

    out = tmp_path / "sheets"
    for fmt in ("xlsx", "pdf"):
        done = tracking("reminders", "--unit", "市经信委", "--format", fmt, "--out", str(out), env=env)
        assert done.returncode == 0, done.stderr
    ws = openpyxl.load_workbook(next(out.glob("催办单_市经信委_*.xlsx")))["催办单"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type == "s" for c in cells)  # every cell text: the note is never a formula
    values = [c.value for c in cells]
    assert note in values and CEMENT in values and "6月底前（2018-06-30）" in values and "市经信委" in values
    text = re.sub(r"\s", "", pdfpage.text(next(out.glob("催办单_市经信委_*.pdf"))))  # long cells wrap over lines
    assert "被催办单位：市经信委" in text and "2.3-d1中材装配式建筑产业园" in text and "3.2-d1五万吨镁基轻合金" in text

    store = GpkgStore(tmp_path / "ws" / "workspace.gpkg")
    try:
        assert [c.summary for c in store.changes(action="reminder.add")] == [f"催办「市经信委」2 项：2.3-d1、3.2-d1（{note}）"]
        t = Tracking.open(store=store)
        by_item = {"3.2-d1": list(reversed(store.reminders()))}
        html = place_progress_html(t.board(), "pj_mg50kt", "五万吨镁基轻合金新材料项目", reminders=by_item)
        assert "张三 催办「市经信委」" in html and "&lt;b&gt;" in html and '")<b>' not in html  # the note escaped
    finally:
        store.engine.dispose()


def test_a_published_bulletin_comes_back_byte_for_byte_and_a_month_is_published_once(tmp_path, tracking):
    env = {"CHAOHU_WORKSPACE": str(tmp_path / "ws")}
    month = f"{today():%Y-%m}"
    first = tracking("report", "--month", month, "--publish", "--by", "李四", "--out", str(tmp_path / "p1"), env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"已发布 {month} 实施进展通报第 1 期（李四，")
    published = {p.suffix: p.read_bytes() for p in (tmp_path / "p1").iterdir()}
    assert set(published) == {".xlsx", ".pdf"}

    store = GpkgStore(tmp_path / "ws" / "workspace.gpkg")  # a unit reports afterwards: the current 通报 changes
    accepted(store, [ProgressInput("4.2", "已完成", None, "道路建成", today())], "市半岛建设办", "张三")
    store.engine.dispose()
    now = tracking("report", "--month", month, "--format", "xlsx", "--out", str(tmp_path / "now"), env=env)
    assert now.returncode == 0
    assert next((tmp_path / "now").iterdir()).read_bytes() != published[".xlsx"]
    again = tracking("report", "--issue", "1", "--out", str(tmp_path / "again"), env=env)
    assert again.returncode == 0, again.stderr
    assert {p.suffix: p.read_bytes() for p in (tmp_path / "again").iterdir()} == published
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == [f"实施进展通报_第1期_{month}.pdf",
                                                                     f"实施进展通报_第1期_{month}.xlsx"]

    twice = tracking("report", "--month", month, "--publish", "--by", "李四", env=env)
    assert twice.returncode == 2 and f"{month} 的通报已发布（第 1 期）" in twice.stderr and "--again" in twice.stderr
    second = tracking("report", "--month", month, "--publish", "--again", "--by", "李四", "--format", "xlsx", env=env)
    assert second.returncode == 0 and "第 2 期" in second.stdout
    listed = json.loads(tracking("published", "--json", env=env).stdout)
    assert [(b["issue"], b["month"], b["published_by"]) for b in listed] == [(1, month, "李四"), (2, month, "李四")]
    assert "已完成 1 项" in listed[1]["headline"] and "已完成 0 项" in listed[0]["headline"]
    missing = tracking("report", "--issue", "7", "--out", str(tmp_path / "x"), env=env)
    assert missing.returncode == 2 and "没有第 7 期通报（已发布 2 期）" in missing.stderr
    store = GpkgStore(tmp_path / "ws" / "workspace.gpkg")
    try:
        assert [c.target for c in store.changes(action="bulletin.publish")] == ["第 2 期", "第 1 期"]
    finally:
        store.engine.dispose()


def test_the_bulletin_pdf_keeps_each_deadline_whole_wraps_notes_and_numbers_items_as_the_plan(tmp_path, office, plan,
                                                                                            catalog):
    long_note = "已完成环评和能评，" + "正在办理施工许可和用地手续，" * 12 + "预计下月开工。"
    accepted(office.store, [ProgressInput("2.3-d1", "滞后", None, long_note, date(2026, 11, 3)),
                            ProgressInput("ip_jinjiang", "已完成", None, "", date(2026, 11, 5))], "市经信委", "张三")
    office.set_year(2018, "管理员", "admin")
    bulletin = make_bulletin(office.board(), plan, "2026-11", now=date(2026, 11, 26))
    pdf = tmp_path / "bulletin.pdf"
    pdf.write_bytes(pdf_bytes(bulletin, catalog))
    lines = pdfpage.text(pdf).splitlines()
    text = "".join(lines)
    for state in bulletin.overdue():  # every deadline on one line, whole, e.g. 12月底前（2018-12-31）
        assert any(state.due_label in line for line in lines), state.due_label
    assert "12月底前（2018-12-31）" in text and "6月底前（2018-06-30）" in text
    pages = len(re.findall("\f", pdfpage.text(pdf)))
    column: dict[float, list[str]] = {}  # the note's pieces, line after line, in the column where they are drawn
    for n in range(1, pages + 1):
        for w in pdfpage.words(pdf, n):
            if len(w.text) >= 4 and w.text in long_note:
                column.setdefault(round(w.x0), []).append(w.text)
    assert any(long_note in "".join(pieces) for pieces in column.values())  # wrapped onto lines, never cut
    assert "…" not in text
    assert "ip_jinjiang" not in text and "pj_" not in text  # 编号 as the plan numbers: 锦江产业园 is a place of 3.2
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    completed = next(line for line in layout.splitlines() if "锦江产业园" in line and "地点" in line)
    assert completed.split()[:3] == ["3.2", "地点", "锦江产业园"]
    first_page = pdfpage.words(pdf, 1)
    names = " ".join(w.text for w in first_page)
    assert "槐林渔乐小镇" in names and "居巢经开区" in names  # the map names its places
    assert pdfpage.overlapping([w for w in first_page if w.y0 > 150]) == []

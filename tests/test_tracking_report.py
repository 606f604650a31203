"""The round trip a planning office runs each month, through `python -m tracking`: templates out, filled workbooks
in, every item's status, and the 通报 whose counts are checked against the stored records; the overdue list follows
起始年份; the PDF embeds the CJK font."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from core.progress import NOT_REPORTED
from tracking.board import COUNT_KEYS
from core.clock import today
from tracking.records import ProgressInput
from tracking.workbook import COLUMNS, HEADER_ROW, SHEET
from store import forget_stores
from store.gpkg import GpkgStore
from tracking.bulletin import make_bulletin
from tracking.bulletin_xlsx import workbook as bulletin_workbook
from tracking.service import Tracking



@pytest.fixture
def tracking(cli):
    """`python -m tracking ARGS` on the given workspace, in this process."""
    from tracking.__main__ import main

    return lambda *args, env: cli(main, *args, env=env)


def fill(path: Path, values: dict[str, dict], out: Path) -> Path:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    rows = {ws.cell(r, 1).value: r for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    for item_id, cells in values.items():
        for col, value in cells.items():
            ws.cell(rows[item_id], COLUMNS.index(col) + 1).value = value
    wb.save(out)
    return out


def sheet_tables(ws) -> dict[str, list[list]]:
    """The 通报 sheet's tables: heading → rows (header first)."""
    tables, current = {}, None
    for row in ws.iter_rows(values_only=True):
        first = row[0]
        if isinstance(first, str) and first[:2] in ("一、", "二、", "三、", "四、", "五、", "六、"):
            current = tables.setdefault(first, [])
        elif current is not None and any(v is not None for v in row):
            current.append(list(row))
        elif current is not None and all(v is None for v in row) and current:
            current = None
    return tables


def table(tables: dict, prefix: str) -> list[dict]:
    rows = next(v for k, v in tables.items() if k.startswith(prefix))
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:]]


@pytest.mark.slow
def test_template_fill_import_status_report_round_trip(tmp_path, tracking):
    env = {"CHAOHU_WORKSPACE": str(tmp_path / "ws")}
    out = tmp_path / "templates"
    result = tracking("template", "--all", "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    items = Tracking.open(store=GpkgStore(tmp_path / "scratch.gpkg")).items
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}_进展填报.xlsx" for _, name in items.units())
    day = today()
    filled = {
        "市半岛建设办": {"4.2-t3": {"进展状态": "推进中", "完成值": 12.3, "填报日期": day},
                   "rd_zhizhong": {"进展状态": "已完成", "进展说明": "已通车", "填报日期": day},
                   "4.2-d1": {"进展状态": "滞后", "进展说明": "征地未完成", "填报日期": day}},
        "市经信委": {"2.3-d1": {"进展状态": "已完成", "填报日期": day},
                 "3.2-d1": {"进展状态": "推进中", "填报日期": day},
                 "2.1-t2": {"进展状态": "推进中", "完成值": 30, "填报日期": day}},
    }
    for unit, values in filled.items():
        path = fill(out / f"{unit}_进展填报.xlsx", values, tmp_path / f"{unit}.xlsx")
        result = tracking("import", str(path), "--by", f"{unit}联络员", env=env)
        assert result.returncode == 0, result.stderr
        assert f"已导入「{unit}」的进展 3 条" in result.stdout
        batch = re.search(r"导入编号 ([0-9a-f]+)", result.stdout).group(1)
        accepted = tracking("review", batch, "--accept", "--by", "办公室", env=env)  # it counts once accepted
        assert accepted.returncode == 0 and "已采纳" in accepted.stdout, accepted.stderr

    status = tracking("status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    by_id = {i["id"]: i for i in data["items"]}
    assert len(by_id) == len(items) and data["plan_year"] is None
    for values in filled.values():
        for item_id, cells in values.items():
            got = by_id[item_id]
            assert (got["status"], got["reported_on"]) == (cells["进展状态"], day.isoformat())
            assert got["value"] == cells.get("完成值")
    assert sum(i["status"] is not None for i in data["items"]) == 6
    assert not any(i["overdue"] for i in data["items"])  # 起始年份 unset: nothing is overdue

    report_dir = tmp_path / "report"
    result = tracking("report", "--month", f"{day:%Y-%m}", "--format", "xlsx,pdf", "--out", str(report_dir), env=env)
    assert result.returncode == 0, result.stderr
    wb = openpyxl.load_workbook(report_dir / f"实施进展通报_{day:%Y-%m}.xlsx")
    tables = sheet_tables(wb["通报"])

    # the counts by unit, recomputed from the stored records and the items each unit leads
    store = GpkgStore(tmp_path / "ws" / "workspace.gpkg")
    latest = {}
    for rec in store.progress_records():
        latest[rec.item_id] = rec.status
    store.engine.dispose()
    by_unit = {r["牵头单位"]: r for r in table(tables, "一、")}
    for uid, name in items.units():
        expected = Counter(latest.get(i.id, NOT_REPORTED) for i in items.of_unit(uid))
        row = by_unit[name]
        assert row["事项数"] == len(items.of_unit(uid))
        assert {k: row[k] for k in COUNT_KEYS} == {k: expected.get(k, 0) for k in COUNT_KEYS}, name
    total = by_unit["合计（按事项）"]
    assert (total["事项数"], total["已完成"], total["推进中"], total["滞后"]) == (len(items), 2, 3, 1)

    completed = {r["编号"] for r in table(tables, "五、")}
    assert completed == {"4.2", "2.3-d1"}  # the plan's numbering: 治中路 (rd_zhizhong) is a place of measure 4.2
    targets = {r["编号"]: r for r in table(tables, "六、")}
    assert targets["4.2-t3"]["完成值/目标"] == "12.3公里 / 25.85公里"
    cells = {str(c) for row in wb["通报"].iter_rows(values_only=True) for c in row if c is not None}
    assert any("3支左右" in c for c in cells) and any("百亿级" in c for c in cells)  # the plan's qualifiers kept
    assert targets["2.1-t2"]["完成值/目标"] == "30亿元 / 百亿级"
    assert targets["6.1-t2"]["完成值/目标"] == f"{NOT_REPORTED} / 2000亩"
    notes = " ".join(str(c.value) for c in wb["说明"]["A"])
    assert "示意" in notes and f"数据截至 {day.isoformat()}" in notes and "起始年份尚未设置" in notes

    pdf = report_dir / f"实施进展通报_{day:%Y-%m}.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoSansCJK" in fonts and all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "实施进展通报" in text and "12.3公里 / 25.85公里" in text and "示意" in text


def test_with_the_year_set_to_2018_the_june_items_not_done_are_overdue_and_listed(tmp_path, plan):
    store = GpkgStore(tmp_path / "ws.gpkg")
    try:
        t = Tracking.open(store=store, plan=plan)
        june = [i.id for i in t.items if i.due == "6月底前"]
        batch = store.add_progress([ProgressInput(june[0], "已完成", None, "", date(2018, 6, 28)),
                                    ProgressInput(june[1], "推进中", None, "", date(2018, 6, 1))], "市经信委", "张三")
        store.review_progress(batch.batch, "办公室", accept=True)
        unset = make_bulletin(t.board(), plan, "2026-11", now=date(2026, 11, 26))
        assert unset.overdue() == []
        cells = [c for row in bulletin_workbook(unset)["通报"].iter_rows(values_only=True) for c in row if c]
        assert "起始年份未设置，不判断逾期。" in cells
        t.set_year(2018, "管理员", "admin")
        bulletin = make_bulletin(t.board(), plan, "2026-11", now=date(2026, 11, 26))
        overdue = [s.item.id for s in bulletin.overdue()]
        assert set(june[1:]) <= set(overdue) and june[0] not in overdue
        ws = bulletin_workbook(bulletin)["通报"]
        rows = table(sheet_tables(ws), "三、")
        assert [r["编号"] for r in rows] == [s.item.number for s in bulletin.overdue()]
        june_rows = [r for r in rows if r["编号"] in june]
        assert {r["时限"] for r in june_rows} == {"6月底前（2018-06-30）"}
        assert {r["当前状态"] for r in june_rows} == {"推进中"}  # 2.3-d1 done; 4.1-d1 推进中 and late
    finally:
        store.engine.dispose()
        forget_stores()


def test_a_units_note_that_looks_like_a_formula_stays_text_in_the_bulletin(tmp_path, plan):
    store = GpkgStore(tmp_path / "ws.gpkg")
    try:
        t = Tracking.open(store=store, plan=plan)
        note = '=HYPERLINK("http://example.invalid","点此")'
        batch = store.add_progress([ProgressInput("4.2", "已完成", None, note, date(2026, 11, 3))], "市半岛建设办", "张三")
        store.review_progress(batch.batch, "办公室", accept=True)
        wb = bulletin_workbook(make_bulletin(t.board(), plan, "2026-11", now=date(2026, 11, 26)))
        cells = [c for row in wb["通报"].iter_rows() for c in row if c.value == note]
        assert cells and all(c.data_type == "s" for c in cells)
    finally:
        store.engine.dispose()

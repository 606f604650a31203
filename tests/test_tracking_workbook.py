"""Units report in Excel: the template a unit fills (locked columns, drop-down, marker), and a filled workbook read
back all or nothing — each fault names its row and column in Chinese and leaves the records as they were."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest

from core import roles
from core.progress import STATUSES
from core.clock import today
from tracking.errors import ProgressError
from tracking.workbook import COLUMNS, HEADER_ROW, MARKER_SHEET, SHEET
from tracking.__main__ import main
from tracking.service import Tracking
from filebuild import rezipped, whole_sheet

UNIT = "市半岛建设办"


@pytest.fixture
def template(workspace, capsys):
    """The 市半岛建设办 workbook as `python -m tracking template` writes it."""
    assert main(["template", "--unit", UNIT, "--out", str(workspace / "out")]) == 0
    path = workspace / "out" / f"{UNIT}_进展填报.xlsx"
    assert capsys.readouterr().out.strip() == str(path)
    return path


def rows_of(ws) -> dict[str, int]:
    """编号 → row number."""
    return {ws.cell(r, 1).value: r for r in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, 1).value}


def fill(path, values: dict[str, dict], out, edit=None):
    """Copy a template with cells filled: {编号: {column name: value}}; `edit(wb)` may break it further."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    rows = rows_of(ws)
    for item_id, cells in values.items():
        row = rows.get(item_id) or ws.max_row + 1
        if item_id not in rows:
            ws.cell(row, 1).value = item_id
        for col, value in cells.items():
            ws.cell(row, COLUMNS.index(col) + 1).value = value
    if edit:
        edit(wb)
    wb.save(out)
    return out, {k: rows.get(k) for k in values}


def test_the_template_locks_what_the_unit_may_not_change_and_offers_the_statuses(template, plan):
    wb = openpyxl.load_workbook(template)
    ws = wb[SHEET]
    assert wb.sheetnames[0] == SHEET and wb[MARKER_SHEET].sheet_state == "veryHidden"
    assert [ws.cell(HEADER_ROW, c).value for c in range(1, 10)] == list(COLUMNS)
    rows = rows_of(ws)
    items = Tracking.open().items
    assert list(rows) == [i.id for i in items.of_unit("bdjsb")]  # one row per item the unit leads
    assert ws.protection.sheet
    target, measure = rows["4.2-t3"], rows["4.2"]
    for c in range(1, 6):
        assert ws.cell(target, c).protection.locked  # 编号 … 当前状态 locked
    for c in (6, 8, 9):
        assert not ws.cell(measure, c).protection.locked  # 进展状态, 进展说明, 填报日期 open
    assert not ws.cell(target, 7).protection.locked and ws.cell(measure, 7).protection.locked  # 完成值 only for targets
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1 and lists[0].formula1 == '"' + ",".join(STATUSES) + '"' and f"F{target}" in lists[0].sqref
    assert "25.85" in ws.cell(target, 2).value and "公里" in ws.cell(target, 2).value
    assert "年份未定" in ws.cell(rows["4.2-d1"], 4).value or "如期" in ws.cell(rows["4.2-d1"], 4).value


def test_a_filled_workbook_is_imported_and_shows_in_the_status(template, workspace, capsys):
    day = today()
    path, _ = fill(template, {"4.2-t3": {"进展状态": "推进中", "完成值": 12.3, "填报日期": day},
                              "rd_zhizhong": {"进展状态": "已完成", "进展说明": "已通车", "填报日期": day.isoformat()}},
                   workspace / "filled.xlsx")
    capsys.readouterr()
    assert main(["import", str(path), "--by", "张三"]) == 0
    assert "已导入「市半岛建设办」的进展 2 条" in capsys.readouterr().out
    tracking = Tracking.open()
    records = tracking.store.progress_records()
    assert [(r.item_id, r.status, r.value, r.unit, r.reporter, r.reported_on) for r in records] == [
        ("4.2-t3", "推进中", 12.3, UNIT, "张三", day), ("rd_zhizhong", "已完成", None, UNIT, "张三", day)]
    change = tracking.store.changes(kind="progress")[0]
    assert change.user == "张三" and change.after["count"] == 2


FAULTS = [
    ("unknown id", {"9.9": {"进展状态": "推进中", "填报日期": "TODAY"}}, "9.9", "「编号」列", "不是方案中的跟踪事项"),
    ("another unit's item", {"2.3-d1": {"进展状态": "推进中", "填报日期": "TODAY"}}, "2.3-d1", "「编号」列",
     "不是市半岛建设办牵头的事项"),
    ("status not in the list", {"4.2": {"进展状态": "完成", "填报日期": "TODAY"}}, "4.2", "「进展状态」列", "不是可选的进展状态"),
    ("value not a number", {"4.2-t3": {"进展状态": "推进中", "完成值": "十二公里", "填报日期": "TODAY"}}, "4.2-t3",
     "「完成值」列", "不是数字"),
    ("over the target without a note", {"4.2-t3": {"进展状态": "推进中", "完成值": 30, "填报日期": "TODAY"}}, "4.2-t3",
     "「完成值」列", "超过目标 25.85 公里"),
    ("a date in the future", {"4.2": {"进展状态": "推进中", "填报日期": "TOMORROW"}}, "4.2", "「填报日期」列", "晚于今天"),
    ("no date", {"4.2": {"进展状态": "推进中"}}, "4.2", "「填报日期」列", "请填写填报日期"),
    ("no status", {"4.2": {"进展说明": "已开工", "填报日期": "TODAY"}}, "4.2", "「进展状态」列", "没有选择进展状态"),
    # what an attacker's probe imported silently (a formula note became an empty note) or accepted as progress
    ("a formula as the note", {"4.2": {"进展状态": "推进中", "进展说明": '=HYPERLINK("http://x","y")', "填报日期": "TODAY"}},
     "4.2", "「进展说明」列", "是公式"),
    ("a formula as the value", {"4.2-t3": {"进展状态": "推进中", "完成值": "=10+2", "填报日期": "TODAY"}}, "4.2-t3",
     "「完成值」列", "是公式"),
    ("a right-to-left override in the note", {"4.2": {"进展状态": "推进中", "进展说明": "已开工\u202e工完已", "填报日期": "TODAY"}},
     "4.2", "「进展说明」列", "隐藏控制字符（U+202E）"),
    ("an isolate and a mark in the note", {"4.2": {"进展状态": "推进中", "进展说明": "\u2067甲\u2069\u200f", "填报日期": "TODAY"}},
     "4.2", "「进展说明」列", "U+200F、U+2067、U+2069"),
    ("value 1e308", {"4.2-t3": {"进展状态": "推进中", "完成值": 1e308, "进展说明": "超额", "填报日期": "TODAY"}}, "4.2-t3",
     "「完成值」列", "1000 倍"),
    ("value far beyond the target with a note", {"4.2-t3": {"进展状态": "推进中", "完成值": 30000, "进展说明": "超额",
                                                             "填报日期": "TODAY"}}, "4.2-t3", "「完成值」列", "1000 倍"),
    ("value inf", {"4.2-t3": {"进展状态": "推进中", "完成值": "inf", "填报日期": "TODAY"}}, "4.2-t3", "「完成值」列", "「inf」不是数字"),
    ("value nan", {"4.2-t3": {"进展状态": "推进中", "完成值": "NaN", "填报日期": "TODAY"}}, "4.2-t3", "「完成值」列", "不是数字"),
    ("value negative", {"4.2-t3": {"进展状态": "推进中", "完成值": -3, "填报日期": "TODAY"}}, "4.2-t3", "「完成值」列", "是负数"),
]


def _dates(values: dict) -> dict:
    swap = {"TODAY": today(), "TOMORROW": today() + timedelta(days=1)}
    return {k: {c: swap.get(v, v) if isinstance(v, str) else v for c, v in cells.items()} for k, cells in values.items()}


@pytest.mark.parametrize("fault, values, item_id, column, words", FAULTS, ids=[f[0] for f in FAULTS])
def test_each_bad_row_is_named_by_row_and_column_and_nothing_is_imported(template, workspace, capsys, fault, values,
                                                                        item_id, column, words):
    good = {"4.2-d1": {"进展状态": "推进中", "填报日期": today()}}  # a good row in the same workbook is not imported either
    path, rows = fill(template, {**good, **_dates(values)}, workspace / "bad.xlsx")
    capsys.readouterr()
    assert main(["import", str(path), "--by", "张三"]) == 2
    err = capsys.readouterr().err
    row = rows[item_id] or openpyxl.load_workbook(path)[SHEET].max_row
    assert f"第 {row} 行{column}" in err and words in err and "没有写入任何记录" in err
    assert Tracking.open().store.progress_records() == []


def test_several_faults_are_listed_together_and_the_earlier_records_stay(template, workspace, capsys):
    first, _ = fill(template, {"4.2": {"进展状态": "推进中", "填报日期": today()}}, workspace / "first.xlsx")
    assert main(["import", str(first), "--by", "张三"]) == 0
    before = Tracking.open().store.progress_records()
    values = _dates({"4.2": {"进展状态": "已完成", "填报日期": "TOMORROW"}, "4.2-t1": {"进展状态": "进行中", "填报日期": "TODAY"},
                     "4.2-t3": {"进展状态": "推进中", "完成值": "abc", "填报日期": "TODAY"}})
    path, rows = fill(template, values, workspace / "bad.xlsx")
    capsys.readouterr()
    assert main(["import", str(path), "--by", "李四"]) == 2
    err = capsys.readouterr().err
    assert "共 3 处问题" in err
    for item_id, column in (("4.2", "填报日期"), ("4.2-t1", "进展状态"), ("4.2-t3", "完成值")):
        assert f"第 {rows[item_id]} 行「{column}」列" in err
    assert Tracking.open().store.progress_records() == before


def _wrong_sheet(wb):
    wb[SHEET].title = "Sheet1"


def _old_template(wb):
    wb[MARKER_SHEET]["B2"] = "1"


def _header_changed(wb):
    wb[SHEET].cell(HEADER_ROW, 7).value = "完成数量"


@pytest.mark.parametrize("edit, words", [
    (_wrong_sheet, "找不到工作表「进展填报」（现有工作表：「Sheet1」、「填写说明」）"),
    (_old_template, "旧版填报模板（第 1 版"),
    (_header_changed, "第 3 行 G 列应为「完成值」，实为「完成数量」"),
], ids=["wrong sheet", "old template", "header changed"])
def test_a_wrong_sheet_an_old_template_or_a_changed_header_is_refused(template, workspace, capsys, edit, words):
    path, _ = fill(template, {"4.2": {"进展状态": "推进中", "填报日期": today()}}, workspace / "bad.xlsx", edit)
    capsys.readouterr()
    assert main(["import", str(path), "--by", "张三"]) == 2
    assert words in capsys.readouterr().err
    assert Tracking.open().store.progress_records() == []


def test_a_workbook_that_is_not_our_template_or_not_excel_is_refused(workspace, capsys):
    plain = openpyxl.Workbook()
    plain.active.title = SHEET
    plain.save(workspace / "own.xlsx")
    (workspace / "note.xlsx").write_bytes(b"not a workbook")
    for name, words in (("own.xlsx", "不是本系统生成的进展填报模板"), ("note.xlsx", "不是 Excel 工作簿")):
        assert main(["import", str(workspace / name), "--by", "张三"]) == 2
        assert words in capsys.readouterr().err
    buf = io.BytesIO()
    plain.save(buf)
    with pytest.raises(ProgressError, match="不是本系统生成"):
        Tracking.open().read(buf.getvalue(), "上传.xlsx")


def test_an_empty_template_imports_nothing_and_says_so(template, capsys):
    assert main(["import", str(template), "--by", "张三"]) == 2
    assert "没有填写任何进展" in capsys.readouterr().err


def test_unknown_unit_missing_reporter_and_missing_role_are_chinese_messages(template, workspace, capsys):
    assert main(["template", "--unit", "市某某局", "--out", str(workspace)]) == 2
    err = capsys.readouterr().err
    assert "「市某某局」不是方案中牵头跟踪事项的单位" in err and "市经信委" in err
    path, _ = fill(template, {"4.2": {"进展状态": "推进中", "填报日期": today()}}, workspace / "ok.xlsx")
    tracking = Tracking.open()
    with pytest.raises(ProgressError, match="请写明填报人"):
        tracking.import_workbook(path, " ", roles.EDITOR)
    with pytest.raises(roles.PermissionDenied, match="「查看」角色无权填报进展"):
        tracking.import_workbook(path, "张三", roles.VIEWER)
    assert tracking.store.progress_records() == []


def test_the_same_workbook_imported_twice_is_refused_naming_the_earlier_import(template, workspace, capsys):
    day = today()
    path, _ = fill(template, {"4.2-t3": {"进展状态": "推进中", "完成值": 12.3, "填报日期": day}}, workspace / "filled.xlsx")
    assert main(["import", str(path), "--by", "张三"]) == 0
    capsys.readouterr()
    assert main(["import", str(path), "--by", "李四"]) == 2
    err = capsys.readouterr().err
    batch = Tracking.open().store.progress_batches()[0]
    assert "内容完全相同，没有再次写入" in err and batch.batch in err and "filled.xlsx" in err
    assert len(Tracking.open().store.progress_records()) == 1  # 本月新填报 stays 1, not 2
    assert main(["import", str(path), "--by", "李四", "--again"]) == 0  # forced on purpose
    tracking = Tracking.open()
    assert len(tracking.store.progress_records()) == 2
    tracking.store.withdraw_progress(batch.batch, "张三")  # a withdrawn import no longer stands in the way
    first = tracking.store.progress_batches()[0]
    tracking.store.withdraw_progress(first.batch, "张三")
    tracking.import_workbook(path, "李四", roles.EDITOR)


def _rows_200k(xml: str) -> str:
    """200,000 styled empty rows after the template's rows (the declared range left as it was)."""
    return xml.replace("</sheetData>", "".join(f'<row r="{n}"><c r="A{n}" s="1"/></row>' for n in range(100, 200_100))
                       + "</sheetData>")


def _bomb(xml: str) -> str:
    """60 MB of blank cells' worth of XML, packed into well under 1 MB."""
    return xml.replace("</sheetData>", " " * (60 * 1024**2) + "</sheetData>")


@pytest.mark.parametrize("craft, words", [
    (whole_sheet, "行数超过 2,000 行（使用范围到第 1,048,576 行）"),
    (_rows_200k, "行数超过 2,000 行（第 2,001 行仍有内容或格式）"),
    (_bomb, "解压后有 60 MB"),
], ids=["declared A1:XFD1048576", "200,000 styled rows", "zip bomb"])
def test_a_workbook_too_large_to_be_a_template_is_refused_quickly_in_bounded_memory(template, workspace, craft, words):
    import time
    import tracemalloc

    data = rezipped(template.read_bytes(), craft)
    assert len(data) < 5 * 1024**2  # within the upload limit: the reader itself must refuse it
    tracking = Tracking.open()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ProgressError) as refused:
            tracking.read(data, "大表.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert words in refused.value.message and "「大表.xlsx」" in refused.value.message
    assert peak < 100 * 1024**2, f"peak {peak / 1024**2:.0f} MB"
    assert time.perf_counter() - started < 20


def test_a_workbook_over_the_upload_limit_is_refused_before_it_is_opened(workspace):
    with pytest.raises(ProgressError, match=r"文件过大：「巨大.xlsx」6 MB，超过进展填报工作簿的上限 5 MB"):
        Tracking.open().read(b"x" * (6 * 1024**2), "巨大.xlsx")

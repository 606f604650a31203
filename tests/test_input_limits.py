"""Files from outside are refused before they can exhaust the machine: each kind of upload has its own size limit
with a Chinese message (and Streamlit's own limit is the largest of them); an Excel table with coordinates is read
streamed, its unpacked size, rows, columns and cells bounded — a crafted workbook is refused quickly, in little memory."""

from __future__ import annotations

import io
import time
import tomllib
import tracemalloc
from pathlib import Path

import openpyxl
import pytest

from core.inputs import LARGEST_MB, UPLOAD_MB, TooLarge, check_size, too_large, upload_name
from loaders import tables
from loaders.errors import LoadError
from loaders.files import read_any
from filebuild import rezipped, whole_sheet

REPO = Path(__file__).resolve().parent.parent


def test_each_kind_of_upload_has_its_limit_and_streamlit_lets_through_only_the_largest():
    config = tomllib.loads((REPO / ".streamlit/config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == LARGEST_MB == max(UPLOAD_MB.values())
    assert UPLOAD_MB["workbook"] < UPLOAD_MB["corrections"] < UPLOAD_MB["layer"]
    for kind, mb in UPLOAD_MB.items():
        check_size(kind, "刚好.bin", mb * 1024**2)  # at the limit: accepted
        with pytest.raises(TooLarge, match=rf"^文件过大：「大.bin」{mb + 1:,} MB，超过.*的上限 {mb} MB"):
            check_size(kind, "大.bin", (mb + 1) * 1024**2)
    assert "6.2 MB" in too_large("x.xlsx", int(6.2 * 1024**2), "workbook")


def test_an_uploaded_file_s_name_is_text_never_a_path():
    assert upload_name("../../data/official/township_areas.gpkg") == "township_areas.gpkg"
    assert upload_name("C:\\Users\\张三\\校正.gpkg") == "校正.gpkg"
    assert upload_name("evil\u202egpkg.exe") == "evilgpkg.exe" and upload_name("a\x00b") == "ab"
    assert upload_name("../") == "上传的文件"


def _points_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "点位"
    ws.append(["名称", "经度", "纬度"])
    for i in range(3):
        ws.append([f"企业{i}", 117.8 + i / 100, 31.6])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rows_200k(xml: str) -> str:
    """200,000 styled empty rows (the declared range left small)."""
    styled = "".join(f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(10, 200_010))
    return xml.replace("</sheetData>", styled + "</sheetData>")


def _wide_row(xml: str) -> str:
    """A row 16,000 columns wide (the declared range left small)."""
    return xml.replace("</sheetData>", '<row r="10"><c r="WQJ10" t="n"><v>1</v></c></row></sheetData>')


def _bomb(xml: str) -> str:
    return xml.replace("</sheetData>", " " * (30 * 1024**2) + "</sheetData>")


def _read(data: bytes, name: str):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(LoadError) as refused:
            read_any(data, name)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return refused.value.message, peak, time.perf_counter() - started


def test_a_plain_points_workbook_still_reads():
    result = read_any(_points_xlsx(), "企业.xlsx", coords="wgs84")
    assert [len(layer.gdf) for layer in result.layers] == [3]
    assert list(result.layers[0].gdf["名称"]) == ["企业0", "企业1", "企业2"]


@pytest.mark.parametrize("craft, words", [
    (whole_sheet, "工作表「点位」行数超过 500,000 行（使用范围到第 1,048,576 行）"),
    (_rows_200k, "工作表「点位」行数超过 20,000 行（第 20,001 行仍有内容或格式）"),
    (_wide_row, "工作表「点位」列数超过 1,500 列（第 10 行有 16,000 列）"),
    (_bomb, "解压后有 30 MB（9 个部件），超过可读取的 20 MB 上限"),
], ids=["declared A1:XFD1048576", "200,000 styled rows", "a row 16,000 columns wide", "zip bomb"])
def test_a_crafted_table_workbook_is_refused_quickly_in_bounded_memory(craft, words, monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS", 20_000)  # reading 500,000 rows takes a minute on a busy test machine
    monkeypatch.setattr(tables, "MAX_UNPACKED", 20 * 1024**2)  # packing 200 MB of XML in the test would take as long
    if craft is whole_sheet:
        monkeypatch.setattr(tables, "MAX_ROWS", 500_000)
    data = rezipped(_points_xlsx(), craft)
    assert len(data) < 5 * 1024**2
    message, peak, seconds = _read(data, "点位.xlsx")
    assert words in message and "「点位.xlsx」" in message
    assert peak < 150 * 1024**2, f"peak {peak / 1024**2:.0f} MB"
    assert seconds < 60


def test_a_table_with_more_cells_than_can_be_held_is_refused(monkeypatch):
    monkeypatch.setattr(tables, "MAX_CELLS", 10_000)
    many = "".join(f'<row r="{n}">' + "".join(f'<c r="{c}{n}"><v>{n}</v></c>' for c in "ABCDEFGHIJ") + "</row>"
                   for n in range(10, 2_010))
    data = rezipped(_points_xlsx(), lambda xml: xml.replace("</sheetData>", many + "</sheetData>"))
    message, _, _ = _read(data, "点位.xlsx")
    assert "「点位.xlsx」的单元格超过 10,000 个（读到工作表「点位」第" in message

"""Coordinates typed as text: degrees-minutes-seconds every way people type them, one combined 经纬度/坐标 column,
sheets with a title row and notes above the header — each lands within 2 m of the truth."""

from __future__ import annotations

import pandas as pd
import pytest
from filebuild import TRUTH, assert_at_truth
from openpyxl import Workbook

from loaders.dms import parse_angle
from loaders.files import read_any

NAMES = list(TRUTH)


def _dms(value: float) -> tuple[int, int, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 2)
    return degrees, minutes, seconds


FORMS = {
    "ascii": lambda d, m, s: f"{d}°{m}'{s}\"",
    "primes": lambda d, m, s: f"{d}°{m}′{s}″",
    "chinese": lambda d, m, s: f"{d}度{m}分{s}秒",
    "spaces": lambda d, m, s: f"{d} {m} {s}",
}


@pytest.mark.parametrize("form", FORMS)
def test_dms_columns_in_every_form(tmp_path, form):
    write = FORMS[form]
    rows = [{"名称": n, "经度": write(*_dms(x)), "纬度": write(*_dms(y))} for n, (x, y) in TRUTH.items()]
    path = tmp_path / f"{form}.csv"
    pd.DataFrame(rows).to_csv(path, index=False, encoding="gbk")
    lr = read_any(path, coords="wgs84").layers[0]
    assert "度分秒 6 个" in lr.coordinates
    assert_at_truth(lr.gdf, 2.0)


def test_parse_angle_hemispheres_and_decimal_minutes():
    assert parse_angle("E117°52′13.1″") == pytest.approx(117.870306, abs=1e-6)
    assert parse_angle("31°36'00.7\"N") == pytest.approx(31.600194, abs=1e-6)
    assert parse_angle("北纬31°36.0117′") == pytest.approx(31.600195, abs=1e-6)
    assert parse_angle("西经 10°30'") == pytest.approx(-10.5)
    assert pd.isna(parse_angle("117°75'")) and pd.isna(parse_angle("巢湖市"))


@pytest.mark.parametrize("column,cell", [
    ("经纬度", lambda x, y: f"{x},{y}"),
    ("坐标", lambda x, y: f"({x}，{y})"),
    ("经纬度坐标", lambda x, y: f"{x} {y}"),
    ("坐标", lambda x, y: "{}, {}".format(*(FORMS["primes"](*_dms(v)) for v in (x, y)))),
    ("经纬度", lambda x, y: f"{y},{x}"),  # latitude first, told apart by the numbers
])
def test_one_combined_coordinate_column(tmp_path, column, cell):
    path = tmp_path / "点位.csv"
    pd.DataFrame({"名称": NAMES, column: [cell(x, y) for x, y in TRUTH.values()]}).to_csv(path, index=False)
    lr = read_any(path, coords="wgs84").layers[0]
    assert column in lr.coordinates and column not in lr.gdf.columns
    assert_at_truth(lr.gdf, 2.0)


def test_excel_with_title_rows_notes_and_a_note_below(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "企业点位"
    ws.append(["巢湖市重点企业点位表"])
    ws.append(["填表单位：巢湖市经济和信息化局    坐标系：CGCS2000"])
    ws.append([])
    ws.append(["序号", "企业名称", "经度", "纬度"])
    for i, (name, (x, y)) in enumerate(TRUTH.items(), start=1):
        ws.append([i, name, FORMS["chinese"](*_dms(x)), y])
    ws.append(["注：经度为度分秒，纬度为十进制度"])
    path = tmp_path / "企业.xlsx"
    wb.save(path)
    lr = read_any(path, coords="wgs84").layers[0]
    assert list(lr.gdf.columns[:2]) == ["序号", "企业名称"]
    assert_at_truth(lr.gdf, 2.0, name_field="企业名称")
    said = " ".join(lr.warnings)
    assert "表头在第 4 行" in said and "巢湖市重点企业点位表" in said
    assert "末尾的说明 1 行（第 8 行）" in said


def test_csv_with_a_title_line_and_a_bad_row_named_by_its_line(tmp_path):
    lines = ["巢湖市项目点位（2024年）", "名称,lon,lat"] + [f"{n},{x},{y}" for n, (x, y) in TRUTH.items()] + ["坏点,东经,北纬"]
    path = tmp_path / "项目.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    lr = read_any(path, coords="wgs84").layers[0]
    assert_at_truth(lr.gdf, 2.0)
    assert any("无法识别的 1 行未能定位（第 6 行）" in w for w in lr.warnings) and any("表头在第 2 行" in w for w in lr.warnings)

"""Per-town summaries and exports: what a planner gets from `python -m reports` and the app's download buttons."""

from __future__ import annotations

import contextlib
import io
import subprocess
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook

from geo.measure import area_km2
from core.declarations import BY_ID
from reports.export import FORMATS as EXPORT_FORMATS, export_bytes, export_town
from geo.measure import length_km
from reports.summary import plan_specs, summarize, town_names

TOWN = "黄麓镇"


def run_cli(*args) -> subprocess.CompletedProcess:
    """`python -m reports ARGS` as a user runs it, in this process (module-scoped fixtures use it too, so no capsys)."""
    from reports.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def sheet_rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def table_after(ws, heading_start: str) -> pd.DataFrame:
    """The table under a section heading of a town sheet, as a frame with the Chinese headings."""
    rows = sheet_rows(ws)
    top = next(i for i, r in enumerate(rows) if isinstance(r[0], str) and r[0].startswith(heading_start))
    header = [h for h in rows[top + 1] if h is not None]
    body = []
    for r in rows[top + 2:]:
        if r[0] is None:
            break
        body.append(r[: len(header)])
    return pd.DataFrame(body, columns=header)


def layer_totals(catalog) -> pd.DataFrame:
    """The oracle: each plan layer's whole area and length, measured on the uncut features."""
    rows = []
    for spec in plan_specs(catalog):
        gdf = catalog.layers[spec.id]
        rows.append({"layer": spec.id, "count": len(gdf),
                     "area_km2": float(area_km2(gdf).sum()) if spec.geometry == "Polygon" and len(gdf) else 0.0,
                     "length_km": float(length_km(gdf).sum()) if spec.geometry == "LineString" and len(gdf) else 0.0})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- the towns


def test_the_eighteen_township_units_are_the_towns_and_the_lake_is_not(catalog):
    towns = town_names(catalog)
    assert len(towns) == 18
    assert TOWN in towns and not any("水域" in t for t in towns)


def test_lake_unit_holds_nothing_of_the_plan(catalog):
    lake = catalog.layers["township_areas"].query("kind == '水域'")["name"]
    assert not catalog.pieces["town"].isin(lake).any()


# ---------------------------------------------------------------- Excel


@pytest.fixture(scope="module")
def town_workbook(tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx")
    proc = run_cli("--town", TOWN, "--format", "xlsx", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    files = list(out.glob("*.xlsx"))
    assert len(files) == 1 and str(files[0]) in proc.stdout
    return load_workbook(files[0])


@pytest.fixture(scope="module")
def city_workbook(catalog, plan, tmp_path_factory):
    (path,) = export_town(None, "xlsx", catalog, plan, tmp_path_factory.mktemp("city"))
    return load_workbook(path)


def test_town_sheet_lists_the_feature_town_and_measure_1_3_with_its_lead_unit(town_workbook):
    assert town_workbook.sheetnames == ["总览", TOWN, "说明"]
    ws = town_workbook[TOWN]
    features = table_after(ws, "二、")
    assert "黄麓建筑科创小镇" in set(features["名称"])
    measures = table_after(ws, "三、")
    row = measures[measures["措施编号"] == "1.3"]
    assert len(row) == 1
    assert row["牵头单位"].iloc[0] == "市发改委"
    assert "点名本乡镇" in row["与本乡镇的关系"].iloc[0]


def test_overview_totals_equal_the_sum_of_the_town_sheets(city_workbook, catalog):
    towns = town_names(catalog)
    assert city_workbook.sheetnames == ["总览", *towns, "说明"]
    overview = pd.DataFrame(sheet_rows(city_workbook["总览"])[1:], columns=sheet_rows(city_workbook["总览"])[0])
    overview = overview[overview["乡镇/街道"].notna()]
    total = overview[overview["乡镇/街道"] == "合计"].iloc[0]
    by_town = overview[overview["乡镇/街道"].isin(towns)].set_index("乡镇/街道")
    assert list(by_town.index) == towns
    checked = 0
    for spec in plan_specs():
        unit = {"Polygon": ("（平方公里）", "面积（平方公里）"), "LineString": ("（公里）", "长度（公里）"),
                "Point": ("（个）", "要素数（个）")}[spec.geometry]
        column = spec.title + unit[0]
        sheet_values = []
        for town in towns:
            layers = table_after(city_workbook[town], "一、").set_index("图层")
            sheet_value = layers.loc[spec.title, unit[1]] or 0
            assert by_town.loc[town, column] == pytest.approx(sheet_value, abs=1e-9), (town, column)
            sheet_values.append(sheet_value)
        assert total[column] == pytest.approx(sum(sheet_values), abs=1e-6), column
        checked += 1
    assert checked == len(plan_specs())


def test_workbook_is_formatted_for_reading(city_workbook):
    ws = city_workbook["总览"]
    assert ws.freeze_panes == "B2"
    headers = [c.value for c in ws[1]]
    assert headers[0] == "乡镇/街道"
    km2 = headers.index("巢湖半岛科学城（平方公里）") + 1
    mu = headers.index("巢湖半岛科学城（亩）") + 1
    assert ws.cell(row=2, column=km2).number_format == "0.00"
    assert ws.cell(row=2, column=mu).number_format == "#,##0"
    assert ws.column_dimensions["A"].width >= 10
    notes = {r[0]: r[1] for r in sheet_rows(city_workbook["说明"])}
    assert "泰森多边形" in notes["精度说明"] and notes["生成日期"]


# ---------------------------------------------------------------- sums over towns


SIZE = {"Polygon": "area_km2", "LineString": "length_km", "Point": "count"}


@pytest.fixture(scope="module")
def town_summaries(catalog, plan):
    return [summarize(catalog, plan, t) for t in town_names(catalog)]


@pytest.mark.parametrize("spec", plan_specs(), ids=lambda s: s.id)
def test_clipped_sizes_over_all_towns_sum_to_the_layer_total(spec, catalog, town_summaries):
    key = SIZE[spec.geometry]
    want = layer_totals(catalog).set_index("layer").loc[spec.id, key]
    got = sum(s.layers.set_index("layer").loc[spec.id, key] for s in town_summaries)
    assert want > 0, f"{spec.id} is empty"
    assert got == pytest.approx(want, rel=1e-3)


def test_a_feature_crossing_a_boundary_counts_in_each_town_with_its_share(catalog, plan):
    cut = catalog.pieces
    crossing = cut.groupby("id")["town"].nunique()
    assert (crossing > 1).any(), "no plan feature crosses a township boundary"
    fid = crossing[crossing > 1].index[0]
    parts = cut[cut["id"] == fid]
    assert parts["share"].sum() == pytest.approx(1.0, abs=1e-6)
    for town, share in zip(parts["town"], parts["share"]):
        listed = summarize(catalog, plan, town).features
        assert listed.loc[listed["id"] == fid, "share"].iloc[0] == pytest.approx(share)


def test_area_is_reported_in_mu_at_1500_per_square_km(catalog, plan):
    layers = summarize(catalog, plan, TOWN).layers.dropna(subset=["area_km2"])
    assert list(layers["area_mu"]) == pytest.approx(list(layers["area_km2"] * 1500))
    assert layers["area_km2"].sum() > 0


def test_measures_naming_a_town_are_listed_even_without_a_place_there(catalog, plan):
    measures = summarize(catalog, plan, "槐林镇").measures.set_index("measure")
    assert "点名本乡镇" in measures.loc["2.1", "relation"]


def test_accuracy_sentence_says_how_much_is_schematic_and_that_towns_are_approximate(catalog, plan):
    text = summarize(catalog, plan, TOWN).accuracy
    assert "示意或大致" in text and "泰森多边形" in text


# ---------------------------------------------------------------- CSV


def test_csv_starts_with_the_utf8_bom_and_reads_back_in_chinese(catalog, plan, tmp_path):
    files = export_town(TOWN, "csv", catalog, plan, tmp_path)
    for f in files:
        assert f.read_bytes()[:3] == b"\xef\xbb\xbf", f.name
    features = next(f for f in files if "要素清单" in f.name)
    frame = pd.read_csv(features, encoding="utf-8-sig")
    assert "黄麓建筑科创小镇" in set(frame["名称"])
    layers = pd.read_csv(next(f for f in files if "图层汇总" in f.name), encoding="utf-8-sig")
    assert layers["面积（亩）"].dropna().apply(float.is_integer).all()


# ---------------------------------------------------------------- GIS


@pytest.mark.parametrize("encoding, codec", [("utf-8", "UTF-8"), ("gbk", "GBK")])
def test_zipped_shapefile_opens_with_chinese_names_in_both_encodings(encoding, codec, catalog, plan, tmp_path):
    (path,) = export_town(TOWN, "shp", catalog, plan, tmp_path, encoding=encoding)
    with zipfile.ZipFile(path) as zf:
        assert zf.read("feature_towns.cpg").decode().strip() == codec
        dbf = zf.read("feature_towns.dbf")
    assert "黄麓建筑科创小镇".encode(codec.lower()) in dbf
    towns = gpd.read_file(f"zip://{path}!feature_towns.shp")
    assert list(towns["name"]) == ["黄麓建筑科创小镇"]
    assert towns.crs.to_epsg() == 4490
    roads = gpd.read_file(f"zip://{path}!peninsula_roads.shp")
    assert "半岛大道" in set(roads["name"])


def test_geopackage_and_geojson_hold_the_town_features_clipped_to_it(catalog, plan, tmp_path):
    area = catalog.layers["township_areas"].query("name == @TOWN")
    (gpkg,) = export_town(TOWN, "gpkg", catalog, plan, tmp_path)
    science = gpd.read_file(gpkg, layer="peninsula_science_city")
    whole = catalog.layers["peninsula_science_city"]
    assert float(area_km2(science).sum()) < float(area_km2(whole).sum())  # cut at the town's edge
    assert science.buffer(0).within(area.geometry.iloc[0].buffer(1e-6)).all()
    (geojson,) = export_town(TOWN, "geojson", catalog, plan, tmp_path)
    frame = gpd.read_file(geojson)
    assert "黄麓建筑科创小镇" in set(frame["name"]) and set(frame["town"]) == {TOWN}
    assert set(frame["title"]) >= {BY_ID["feature_towns"].title}


# ---------------------------------------------------------------- PDF


def test_pdf_brief_shows_the_map_and_embeds_a_cjk_font(catalog, plan, tmp_path):
    (path,) = export_town(TOWN, "pdf", catalog, plan, tmp_path)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    embedded = [line for line in fonts.splitlines()[2:] if "CJK" in line]
    assert embedded and all(" yes " in line for line in embedded), fonts
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert f"{TOWN} · 规划要素简报" in text and "示意" in text and "市发改委" in text
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    from PIL import Image
    pixels = Image.open(png).convert("RGB")
    colours = pixels.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50  # not a blank page
    # the map draws the science city's blue and the roads' red, the text is dark
    reds = sum(n for n, (r, g, b) in colours if r > 180 and g < 90 and b < 90)
    darks = sum(n for n, (r, g, b) in colours if r < 80 and g < 80 and b < 80)
    assert reds > 50 and darks > 500


@pytest.mark.slow
def test_pdf_brief_map_labels_never_overlap(catalog, plan, tmp_path):
    """The issue's collisions (黄麓建筑科创小镇 on 巢湖半岛科学城, the block at 南区/银屏) are gone: on the city page and
    the busiest towns' pages no two words of the map overlap, and the key places keep their names."""
    import pdfpage
    from reports.pdf import write_pdf

    pdf = write_pdf(catalog, [summarize(catalog, plan, t) for t in (None, TOWN, "银屏镇", "天河街道")], tmp_path / "brief.pdf")
    width, height = 595.44, 841.68  # A4 in points
    for page in (1, 2, 3, 4):
        in_map = [w for w in pdfpage.words(pdf, page) if 0.05 * width <= (w.x0 + w.x1) / 2 <= 0.69 * width
                  and 0.07 * height <= (w.y0 + w.y1) / 2 <= 0.50 * height]
        assert len(in_map) >= 3, page
        assert pdfpage.overlapping(in_map) == [], page
        if page == 1:
            names = {w.text for w in in_map}
            assert {"黄麓建筑科创小镇", "巢湖半岛科学城", "柘皋产业新城"} <= names


# ---------------------------------------------------------------- command line


@pytest.mark.parametrize("fmt", ["pdf", "html", "gpkg"])
def test_a_town_export_cuts_the_town_once_and_hands_the_summary_down(fmt, catalog, plan, tmp_path, monkeypatch):
    from layers.catalog import Catalog

    calls = []
    for name in ("town_pieces", "town_area"):
        original = getattr(Catalog, name)
        monkeypatch.setattr(Catalog, name, lambda self, town, name=name, original=original:
                            calls.append((name, town)) or original(self, town))
    (path,) = export_town(TOWN, fmt, catalog, plan, tmp_path)
    assert path.stat().st_size > 0
    assert sorted(calls) == [("town_area", TOWN), ("town_pieces", TOWN)]  # resolved once, not again in each module


def test_unknown_town_gets_a_chinese_message_listing_the_towns_and_exit_2(tmp_path):
    proc = run_cli("--town", "黄麓", "--format", "xlsx", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "不认识的乡镇/街道" in proc.stderr and "黄麓镇" in proc.stderr and "庙岗乡" in proc.stderr
    assert not list(tmp_path.iterdir())


def test_unknown_format_gets_a_chinese_message_listing_the_formats_and_exit_2(tmp_path):
    proc = run_cli("--town", TOWN, "--format", "docx", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "不认识的格式" in proc.stderr and all(f in proc.stderr for f in ("xlsx", "csv", "gpkg", "shp", "pdf"))


def test_all_exports_every_town_and_the_city_with_a_progress_bar(tmp_path, catalog):
    proc = run_cli("--all", "--format", "geojson", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {f"{t}_规划要素.geojson" for t in town_names(catalog)} | {"巢湖市全市_规划要素.geojson"}
    assert "19/19" in proc.stderr and "#" * 30 in proc.stderr


def test_every_format_is_declared_once_with_its_mime_type():
    from core.formats import FORMATS, mime_type
    from reports import printmap
    from tracking.service import REPORT_FORMATS

    assert {f.id: f.mime for f in FORMATS.values()} == {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv",
        "gpkg": "application/geopackage+sqlite3", "geojson": "application/geo+json", "shp": "application/zip",
        "html": "text/html", "pdf": "application/pdf", "png": "image/png"}
    assert mime_type("巢湖市位置校正记录.gpkg") == "application/geopackage+sqlite3" and mime_type(".zip") == "application/zip"
    assert EXPORT_FORMATS["pdf"] is REPORT_FORMATS["pdf"] is printmap.FORMATS["pdf"]  # the same declaration everywhere
    assert printmap.format_label("png") == "PNG（300 dpi）"


def test_download_bytes_carry_a_file_name_and_mime_type(catalog, plan):
    name, data, mime = export_bytes(TOWN, "xlsx", catalog, plan)
    assert name.endswith(".xlsx") and TOWN in name and data[:2] == b"PK"
    assert mime == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name, data, mime = export_bytes(TOWN, "csv", catalog, plan)
    assert mime == "application/zip"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert all(zf.read(n)[:3] == b"\xef\xbb\xbf" for n in zf.namelist())

"""One entry for every export: a town (or the whole city) in one of the formats, as files or as bytes."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from core.errors import ChaohuError
from layers.catalog import Catalog
from loaders.plan import Plan
from reports import excel, gis, html_export, pdf, tables
from reports.summary import CITY, TownSummary, sources, summarize, town_names

#: Format → (Chinese label, MIME type of the file a download button hands out).
FORMATS = {
    "xlsx": ("Excel 汇总表", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("CSV 表格（UTF-8 带 BOM）", "text/csv"),
    "gpkg": ("GeoPackage", "application/geopackage+sqlite3"),
    "geojson": ("GeoJSON", "application/geo+json"),
    "shp": ("Shapefile（zip）", "application/zip"),
    "html": ("离线网页地图", "text/html"),
    "pdf": ("PDF 简报", "application/pdf"),
}
ENCODINGS = ("utf-8", "gbk")


class ExportError(ChaohuError):
    """An unknown town, format or encoding; the message (Chinese) lists the valid ones."""


def check(town: str | None, fmt: str, catalog: Catalog, encoding: str = "utf-8") -> None:
    """Refuse an unknown town, format or encoding with a Chinese message listing the valid choices."""
    if fmt not in FORMATS:
        raise ExportError(f"不认识的格式“{fmt}”。可选格式：{'、'.join(FORMATS)}")
    if town is not None and town not in town_names(catalog):
        raise ExportError(f"不认识的乡镇/街道“{town}”。可选：{'、'.join(town_names(catalog))}")
    if encoding.lower() not in ENCODINGS:
        raise ExportError(f"不认识的编码“{encoding}”。可选编码：{'、'.join(ENCODINGS)}")


def stem(town: str | None) -> str:
    """The file-name stem of a town's exports."""
    return town or f"{CITY}全市"


def export_town(town: str | None, fmt: str, catalog: Catalog, plan: Plan, out_dir: Path,
                encoding: str = "utf-8") -> list[Path]:
    """Write a town's (None: the whole city's) export in `fmt` into out_dir; returns the files written.

    The town is checked and summarised here, once; each format is written from that summary (the city's tables and
    brief add every town's)."""
    check(town, fmt, catalog, encoding)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = stem(town)
    if fmt == "xlsx":  # the city's workbook: one sheet per town
        summaries = [summarize(catalog, plan, town)] if town else _towns(catalog, plan)
        return [excel.write_xlsx(summaries, sources(catalog), out_dir / f"{name}_规划要素汇总.xlsx")]
    summary = summarize(catalog, plan, town)
    if fmt == "csv":
        files = tables.town_csvs(summary, out_dir, encoding)
        if town is None:
            files.insert(0, tables.overview_csv(_towns(catalog, plan), out_dir / f"{name}_分乡镇总览.csv", encoding))
        return files
    if fmt == "html":
        return [html_export.write_html(catalog, summary, out_dir / f"{name}_规划要素图.html")]
    if fmt == "pdf":
        pages = [summary] if town else [summary, *_towns(catalog, plan)]  # the city, then every town
        return [pdf.write_pdf(catalog, pages, out_dir / f"{name}_规划要素简报.pdf")]
    gdf = gis.clipped(catalog, summary)
    if fmt == "gpkg":
        return [gis.write_gpkg(gdf, out_dir / f"{name}_规划要素.gpkg")]
    if fmt == "geojson":
        return [gis.write_geojson(gdf, out_dir / f"{name}_规划要素.geojson")]
    suffix = "" if encoding.lower() == "utf-8" else f"_{encoding.lower()}"
    return [gis.write_shp_zip(gdf, out_dir / f"{name}_规划要素_shp{suffix}.zip", encoding)]


def _towns(catalog: Catalog, plan: Plan) -> list[TownSummary]:
    """Every town's summary, in the township layer's order (the city's workbook, overview and brief)."""
    return [summarize(catalog, plan, t) for t in town_names(catalog)]


def export_bytes(town: str | None, fmt: str, catalog: Catalog, plan: Plan,
                 encoding: str = "utf-8") -> tuple[str, bytes, str]:
    """(file name, data, MIME type) of an export for a download button; several files come zipped."""
    with tempfile.TemporaryDirectory() as tmp:
        files = export_town(town, fmt, catalog, plan, Path(tmp), encoding)
        if len(files) == 1:
            return files[0].name, files[0].read_bytes(), FORMATS[fmt][1]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, f.name)
        return f"{stem(town)}_{fmt}.zip", buf.getvalue(), "application/zip"

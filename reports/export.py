"""One entry for every export: a town (or the whole city) in one of the formats, as files or as bytes."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from core.errors import ChaohuError
from core.formats import choose, mime_type
from layers.catalog import Catalog
from loaders.plan import Plan
from reports import excel, gis, html_export, pdf, tables
from reports.summary import CITY, TownSummary, sources, summarize, town_names

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


def _xlsx(summary: TownSummary, catalog: Catalog, plan: Plan, out_dir: Path, name: str, encoding: str) -> list[Path]:
    summaries = [summary] if summary.town is not None else _towns(catalog, plan)  # the city's workbook: one sheet per town
    return [excel.write_xlsx(summaries, sources(catalog), out_dir / f"{name}_规划要素汇总.xlsx")]


def _csv(summary: TownSummary, catalog: Catalog, plan: Plan, out_dir: Path, name: str, encoding: str) -> list[Path]:
    files = tables.town_csvs(summary, out_dir, encoding)
    if summary.town is None:
        files.insert(0, tables.overview_csv(_towns(catalog, plan), out_dir / f"{name}_分乡镇总览.csv", encoding))
    return files


def _html(summary: TownSummary, catalog: Catalog, plan: Plan, out_dir: Path, name: str, encoding: str) -> list[Path]:
    return [html_export.write_html(catalog, summary, out_dir / f"{name}_规划要素图.html")]


def _pdf(summary: TownSummary, catalog: Catalog, plan: Plan, out_dir: Path, name: str, encoding: str) -> list[Path]:
    pages = [summary] if summary.town is not None else [summary, *_towns(catalog, plan)]  # the city, then every town
    return [pdf.write_pdf(catalog, pages, out_dir / f"{name}_规划要素简报.pdf")]


def _gpkg(summary: TownSummary, catalog: Catalog, plan: Plan, out_dir: Path, name: str, encoding: str) -> list[Path]:
    return [gis.write_gpkg(gis.clipped(catalog, summary), out_dir / f"{name}_规划要素.gpkg")]


def _geojson(summary: TownSummary, catalog: Catalog, plan: Plan, out_dir: Path, name: str, encoding: str) -> list[Path]:
    return [gis.write_geojson(gis.clipped(catalog, summary), out_dir / f"{name}_规划要素.geojson")]


def _shp(summary: TownSummary, catalog: Catalog, plan: Plan, out_dir: Path, name: str, encoding: str) -> list[Path]:
    suffix = "" if encoding.lower() == "utf-8" else f"_{encoding.lower()}"
    return [gis.write_shp_zip(gis.clipped(catalog, summary), out_dir / f"{name}_规划要素_shp{suffix}.zip", encoding)]


#: Format id → the writer of a town's files in it, from the town's summary.
WRITERS = {"xlsx": _xlsx, "csv": _csv, "gpkg": _gpkg, "geojson": _geojson, "shp": _shp, "html": _html, "pdf": _pdf}
#: The formats a town (or the city) is exported in, in this order (labels, suffixes, MIME types: ``core.formats``).
FORMATS = choose(*WRITERS)


def export_town(town: str | None, fmt: str, catalog: Catalog, plan: Plan, out_dir: Path,
                encoding: str = "utf-8") -> list[Path]:
    """Write a town's (None: the whole city's) export in `fmt` into out_dir; returns the files written.

    The town is checked and summarised here, once; each format is written from that summary (the city's tables and
    brief add every town's)."""
    check(town, fmt, catalog, encoding)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return WRITERS[fmt](summarize(catalog, plan, town), catalog, plan, out_dir, stem(town), encoding)


def _towns(catalog: Catalog, plan: Plan) -> list[TownSummary]:
    """Every town's summary, in the township layer's order (the city's workbook, overview and brief)."""
    return [summarize(catalog, plan, t) for t in town_names(catalog)]


def export_bytes(town: str | None, fmt: str, catalog: Catalog, plan: Plan,
                 encoding: str = "utf-8") -> tuple[str, bytes, str]:
    """(file name, data, MIME type) of an export for a download button; several files come zipped."""
    with tempfile.TemporaryDirectory() as tmp:
        files = export_town(town, fmt, catalog, plan, Path(tmp), encoding)
        if len(files) == 1:
            return files[0].name, files[0].read_bytes(), FORMATS[fmt].mime
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, f.name)
        return f"{stem(town)}_{fmt}.zip", buf.getvalue(), mime_type(".zip")

"""`python -m reports --town 黄麓镇 --format xlsx --out DIR` (or `--all`): per-town exports from the command line;
`python -m reports qgis --out DIR`: the QGIS project."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli import Parser, dispatch
from layers.catalog import DATA_DIR, load_catalog
from loaders.plan import load_plan
from reports.export import ENCODINGS, FORMATS, check, export_town
from reports.summary import town_names

BAR_WIDTH = 30


def progress(done: int, total: int, label: str, stream=None) -> None:
    """A textual progress bar on stderr: [#####-----] 5/19 黄麓镇."""
    stream = stream or sys.stderr
    filled = BAR_WIDTH * done // max(total, 1)
    end = "\n" if done == total or not stream.isatty() else ""
    stream.write(f"\r[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}/{total} {label}{end}")
    stream.flush()


def parser() -> argparse.ArgumentParser:
    """The command line: a town or --all, one or more formats, an output folder, the shapefile encoding."""
    p = Parser(prog="python -m reports", description="按乡镇/街道导出规划要素与措施汇总")
    p.set_defaults(func=export_command)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--town", help="乡镇/街道名称，如 黄麓镇")
    which.add_argument("--all", action="store_true", help="每个乡镇/街道各导出一份，另加全市一份")
    p.add_argument("--format", required=True,
                   help=f"导出格式，可用逗号分隔多个：{' '.join(FORMATS)}")
    p.add_argument("--out", default="exports", type=Path, help="输出文件夹（默认 exports）")
    p.add_argument("--encoding", default="utf-8",
                   help=f"Shapefile/CSV 编码：{'、'.join(ENCODINGS)}（旧版 ArcGIS 读不了 UTF-8 时用 gbk）")
    p.add_argument("--data-dir", default=DATA_DIR, type=Path, help=argparse.SUPPRESS)
    return p


def run(args: argparse.Namespace, formats: list[str]) -> list[Path]:
    """Check every choice first, then write every export; the files written."""
    catalog = load_catalog(args.data_dir)
    plan = load_plan()
    towns: list[str | None] = [*town_names(catalog), None] if args.all else [args.town]
    for fmt in formats or [""]:
        for town in towns:
            check(town, fmt, catalog, args.encoding)
    jobs = [(town, fmt) for fmt in formats for town in towns]
    written: list[Path] = []
    for i, (town, fmt) in enumerate(jobs):
        if args.all:
            progress(i, len(jobs), f"{town or '全市'} {fmt}")
        written += export_town(town, fmt, catalog, plan, args.out, args.encoding)
    if args.all:
        progress(len(jobs), len(jobs), "完成")
    return written


def export_command(args: argparse.Namespace) -> int:
    """Run the exports and print each file written."""
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    for path in run(args, formats):
        print(path)
    return 0


def qgis_parser() -> argparse.ArgumentParser:
    """`python -m reports qgis --out DIR`."""
    p = Parser(prog="python -m reports qgis", description="导出 QGIS 工程（.qgz）及其 GeoPackage（全部图层）")
    p.set_defaults(func=qgis_command)
    p.add_argument("--out", default="exports", type=Path, help="输出文件夹（默认 exports）")
    p.add_argument("--data-dir", default=DATA_DIR, type=Path, help=argparse.SUPPRESS)
    return p


def qgis_command(args: argparse.Namespace) -> int:
    """Write the QGIS project beside its GeoPackage and print both files."""
    from reports.qgis import write_project

    qgz = write_project(load_catalog(args.data_dir), args.out)
    for path in (qgz, qgz.with_suffix(".gpkg")):
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the exports (or `qgis`); exit 2 with one Chinese line on an unknown town, format or encoding, or any failure."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["qgis"]:
        return dispatch(qgis_parser(), argv[1:])
    return dispatch(parser(), argv)


if __name__ == "__main__":
    sys.exit(main())

"""Command line: `python -m loaders inspect PATH`, `… convert PATH OUT`, and the store's `… workspace …` / `… accounts …`
(loaders/store/cli.py); exit 2 with one Chinese message on bad input."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from core.errors import ChaohuError
from core.settings import SHAPEFILE_DIR as SHIPPED_DIR
from geo.crs import STORAGE
from loaders.errors import LoadError
from loaders.files import DEFAULT_MAX_BYTES, ReadResult, read_any, write_layers


def shipped_points(directory: Path = SHIPPED_DIR) -> gpd.GeoSeries | None:
    """Every point of the shipped layers (EPSG:4490): the known features the GCJ-02 check compares against."""
    parts = []
    for shp in sorted(directory.glob("*.shp")):
        try:
            gdf = pyogrio.read_dataframe(shp, encoding="UTF-8", columns=[])
        except Exception:
            continue
        points = gdf[gdf.geom_type == "Point"]
        if len(points):
            parts.append(points.to_crs(STORAGE).geometry)
    return gpd.GeoSeries(pd.concat(parts, ignore_index=True), crs=STORAGE) if parts else None


def text_bar(fraction: float, message: str) -> None:
    """A one-line textual progress bar on stderr."""
    filled = int(fraction * 30)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction * 100:3.0f}% {message[:60]:<60}")
    if fraction >= 1.0:
        sys.stderr.write("\n")
    sys.stderr.flush()


def format_report(result: ReadResult) -> str:
    """The inspect report as Chinese text."""
    lines = [f"文件：{result.source}    图层：{len(result.layers)} 个"]
    for lr in result.layers:
        minx, miny, maxx, maxy = lr.bounds_wgs84
        lines += [
            f"\n图层「{lr.name}」（来自 {lr.source}）",
            f"  要素数：{len(lr.gdf)}    几何类型：{'、'.join(sorted(set(lr.gdf.geom_type)))}",
            f"  坐标系：{lr.crs_used}（{'由数值推断' if lr.crs_inferred else '文件声明或指定'}）",
            f"  编码：{lr.encoding}（{'由字节判断' if lr.encoding_detected else '文件声明或格式规定'}）",
            f"  范围（WGS84）：经度 {minx:.6f} – {maxx:.6f}，纬度 {miny:.6f} – {maxy:.6f}",
        ]
        lines += [f"  修复：{r}" for r in lr.repairs] + [f"  提示：{w}" for w in lr.warnings]
        if not lr.repairs and not lr.warnings:
            lines.append("  无修复、无问题")
    lines += [f"\n提示：{w}" for w in result.warnings]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for inspect and convert."""
    parser = argparse.ArgumentParser(prog="python -m loaders", description="读取规划人员提供的空间数据文件：检查或转换")
    sub = parser.add_subparsers(dest="command", required=True)
    commands = (("inspect", "列出每个图层的要素数、坐标系、编码、范围和修复"),
                ("convert", "转换为 UTF-8 GeoJSON（或按 OUT 扩展名为 GPKG/Shapefile），EPSG:4326"))
    for name, helptext in commands:
        cmd = sub.add_parser(name, help=helptext)
        cmd.add_argument("path", help="文件、文件夹或 zip")
        if name == "convert":
            cmd.add_argument("out", help="输出文件：.geojson / .gpkg / .shp / .fgb")
        cmd.add_argument("--coords", choices=("gcj02", "bd09"), help="坐标拾取自高德/腾讯（gcj02）或百度（bd09），转换为 WGS84")
        cmd.add_argument("--layer", help="只读取此图层")
        cmd.add_argument("--crs", help="指定坐标系（如 EPSG:2384 西安80），覆盖文件声明与推断")
        cmd.add_argument("--max-mb", type=float, default=DEFAULT_MAX_BYTES / 1024**2, help="文件大小上限（MB），默认 200")
        cmd.add_argument("--quiet", action="store_true", help="不显示进度条")
        if name == "inspect":
            cmd.add_argument("--json", action="store_true", help="以 JSON 输出")
    from loaders import correction_cli
    from loaders.store.cli import add_commands

    add_commands(sub)
    correction_cli.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; 0 on success, 2 with one Chinese message on stderr when the input cannot be read."""
    args = build_parser().parse_args(argv)
    warnings.simplefilter("ignore")
    if args.command in ("workspace", "accounts", "adopt", "corrections"):
        from loaders import correction_cli
        from loaders.store.cli import default_user, run

        try:
            if args.command in ("adopt", "corrections"):
                return correction_cli.run(args, getattr(args, "by", None) or default_user())
            return run(args)
        except ChaohuError as exc:
            print(f"错误：{exc.message}", file=sys.stderr)
            return 2
        except Exception as exc:  # never a traceback for a planner
            print(f"错误：出现意外问题（{type(exc).__name__}：{exc}）。", file=sys.stderr)
            return 2
    try:
        result = read_any(Path(args.path), coords=args.coords, layer=args.layer, max_bytes=int(args.max_mb * 1024**2),
                          progress=None if args.quiet else text_bar, reference_points=shipped_points(), crs=args.crs)
        if args.command == "inspect":
            print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.json else format_report(result))
        else:
            for path, notes in write_layers(result.layers, Path(args.out)):
                print(f"已写出：{path}")
                for note in notes:
                    print(f"提示：{note}", file=sys.stderr)
            for w in result.warnings + [w for lr in result.layers for w in lr.warnings]:
                print(f"提示：{w}", file=sys.stderr)
    except ChaohuError as exc:
        print(f"\n错误：{exc.message}", file=sys.stderr)
        return 2
    except Exception as exc:  # never a traceback for a planner
        print(f"\n错误：处理「{args.path}」时出现意外问题（{type(exc).__name__}：{exc}）。", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

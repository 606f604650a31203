"""Command line: `python -m loaders inspect PATH`, `… convert PATH OUT`, and the store's `… workspace …` / `… accounts …`
(store/cli.py) and `… adopt` / `… corrections …` (corrections/cli.py); bad input or any failure is one Chinese line on
stderr and exit 2 (core/cli.py)."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

from core.cli import Parser, dispatch
from loaders.coordsource import NAMES
from loaders.datum import DatumShift
from loaders.errors import LoadError
from loaders.files import DEFAULT_MAX_BYTES, ReadResult, read_any
from loaders.shipped import shipped_points
from loaders.writing import write_layers


class TextBar:
    """A one-line textual progress bar on stderr; ``close()`` ends a line left open (so a message starts on its own)."""

    def __init__(self):
        self.open = False

    def __call__(self, fraction: float, message: str) -> None:
        filled = int(fraction * 30)
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction * 100:3.0f}% {message[:60]:<60}")
        self.open = fraction < 1.0
        if not self.open:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.open:
            sys.stderr.write("\n")
            self.open = False


def format_report(result: ReadResult) -> str:
    """The inspect report as Chinese text."""
    return "\n".join(result.lines())


def build_parser() -> Parser:
    """The argument parser: inspect and convert, the store's and the corrections' commands."""
    from corrections import cli as correction_cli
    from store.cli import add_commands

    parser = Parser(prog="python -m loaders", description="读取规划人员提供的空间数据文件：检查或转换")
    sub = parser.add_subparsers(dest="command", required=True)
    commands = (("inspect", "列出每个图层的要素数、坐标系、编码、范围和修复", inspect),
                ("convert", "转换为 UTF-8 GeoJSON（或按 OUT 扩展名为 GPKG/Shapefile），EPSG:4326", convert))
    for name, helptext, func in commands:
        cmd = sub.add_parser(name, help=helptext)
        cmd.set_defaults(func=func)
        cmd.add_argument("path", help="文件、文件夹或 zip")
        if name == "convert":
            cmd.add_argument("out", help="输出文件：.geojson / .gpkg / .shp / .fgb")
        cmd.add_argument("--coords", choices=("wgs84", "gcj02", "bd09"),
                         help="点位坐标来源：wgs84（GPS/天地图/奥维，确认无偏移）、gcj02（高德/腾讯）或 bd09（百度），后两种转换为 WGS84")
        cmd.add_argument("--layer", help="只读取此图层")
        cmd.add_argument("--crs", help="指定坐标系（如 EPSG:2384 西安80），覆盖文件声明与推断")
        cmd.add_argument("--towgs84", metavar="DX,DY,DZ,RX,RY,RZ,DS",
                         help="本单位西安80/北京54 → CGCS2000 七参数（米、秒、ppm），用于旧基准的数据；以负数开头时写作 --towgs84=-12.5,…")
        cmd.add_argument("--rotation", choices=("position_vector", "coordinate_frame"), default="position_vector",
                         help="七参数的旋转约定：位置矢量（默认，PROJ/EPSG 9606）或坐标框架（EPSG 9607）")
        cmd.add_argument("--max-mb", type=float, default=DEFAULT_MAX_BYTES / 1024**2, help="文件大小上限（MB），默认 200")
        cmd.add_argument("--quiet", action="store_true", help="不显示进度条")
        if name == "inspect":
            cmd.add_argument("--json", action="store_true", help="以 JSON 输出")
    add_commands(sub)
    correction_cli.add_commands(sub)
    return parser


def _read(args) -> ReadResult:
    """Read the file the command names, with its options (a progress bar unless --quiet)."""
    shift = DatumShift.from_text(args.towgs84, convention=args.rotation) if args.towgs84 else None
    bar = None if args.quiet else TextBar()
    try:
        return read_any(Path(args.path), coords=args.coords, layer=args.layer, max_bytes=int(args.max_mb * 1024**2),
                        progress=bar, reference_points=shipped_points(), crs=args.crs, datum_shift=shift)
    finally:
        if bar is not None:
            bar.close()


def inspect(args) -> int:
    """`inspect PATH`: the report (or --json)."""
    result = _read(args)
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.json else format_report(result))
    return 0


def convert(args) -> int:
    """`convert PATH OUT`: UTF-8, EPSG:4326; refused while a 高德/百度 hint is unconfirmed."""
    result = _read(args)
    unconfirmed = [lr for lr in result.layers if lr.coord_source.hint and lr.needs_coord_source_confirmation]
    if unconfirmed:
        lr, said = unconfirmed[0], unconfirmed[0].coord_source
        raise LoadError(f"「{lr.name}」的名称中含「{said.hint_words}」，坐标可能取自{NAMES[said.hint]}地图，未转换。"
                        f"请用 --coords {said.hint} 转换，或用 --coords wgs84 确认无偏移后再转换。")
    for path, notes in write_layers(result.layers, Path(args.out)):
        print(f"已写出：{path}")
        for note in notes:
            print(f"提示：{note}", file=sys.stderr)
    for w in result.warnings + [w for lr in result.layers for w in lr.warnings]:
        print(f"提示：{w}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command; 0 on success, 2 with one Chinese line on stderr on bad input or any failure."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dispatch(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())

"""`python -m layers list [--json]`: each declared layer with its title, feature count, geometry and file;
`python -m layers show PLACE_ID [--json]`: one plan place as the map draws it now (corrections applied)."""

from __future__ import annotations

import json
import sys

from core.declarations import LAYERS
from core.cli import Parser, dispatch
from core.errors import ChaohuError
from core.settings import REPO
from layers.catalog import DATA_DIR, load_catalog
from layers.places import place_record


def layer_rows() -> list[dict]:
    """One row per declared layer, counted from the data as loaded (official overrides included)."""
    catalog = load_catalog()
    return [
        {
            "id": spec.id,
            "title": spec.title,
            "group": spec.group,
            "count": int(len(catalog.layers[spec.id])),
            "geometry": spec.geometry,
            "file": (DATA_DIR / f"{spec.file}.shp").relative_to(REPO).as_posix(),
        }
        for spec in LAYERS
    ]


def _show_text(r: dict) -> str:
    lines = [f"{r['name']}（{r['id']}，{r['layer_title']}）",
             f"位置精度：{r['accuracy_label']}" + ("（已校准）" if r["corrected"] else ""),
             f"所在乡镇/街道：{r['town'] or '—'}"]
    if r["area_km2"] is not None:
        lines.append(f"面积：{r['area_km2']:.2f} 平方公里")
    if r["length_km"] is not None:
        lines.append(f"长度：{r['length_km']:.2f} 公里")
    if r["corrected"]:
        lines.append(f"来源：{r['source']}（{r['source_date']}）；{r['corrected_by']} 于 {local_text_iso(r['corrected_at'])} 校正（{r['method']}）")
    else:
        lines.append(f"来源：{r['source'] or '—'}（规划随附位置）")
    lines.append(f"校准记录：{r['history']} 条")
    return "\n".join(lines)


def local_text_iso(value: str) -> str:
    """2026-05-01T09:30:00+08:00 → 2026-05-01 09:30."""
    return value[:16].replace("T", " ") if value else ""


def list_command(args) -> int:
    """`list [--json]`: every declared layer with its count, geometry and file."""
    try:
        rows = layer_rows()
    except ChaohuError as exc:  # a broken data file: say which
        raise ChaohuError(f"读取图层失败：{exc.message}", exc.detail) from exc
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"{r['id']:<24}{r['title']:<16}{r['count']:>5}  {r['geometry']:<11}{r['file']}")
    return 0


def show_command(args) -> int:
    """`show PLACE_ID [--json]`: one plan place as the map draws it now."""
    if not args.place:
        raise ChaohuError("请给出地点编号，如 python -m layers show ip_magnesium --json")
    record = place_record(load_catalog(), args.place)
    print(json.dumps(record, ensure_ascii=False, indent=2) if args.json else _show_text(record))
    return 0


def build_parser() -> Parser:
    """`list` and `show`, each with --json."""
    parser = Parser(prog="python -m layers", description="列出地图图层，或显示一个规划地点的当前位置")
    sub = parser.add_subparsers(dest="command", required=True)
    lst = sub.add_parser("list", help="列出全部图层")
    lst.set_defaults(func=list_command)
    show = sub.add_parser("show", help="显示一个地点（含校正）")
    show.set_defaults(func=show_command)
    show.add_argument("place", nargs="?", help="地点编号（data/plan/places.yaml 的 id）")
    for cmd in (lst, show):
        cmd.add_argument("--json", action="store_true", help="以 JSON 输出")
    return parser


def main(argv: list[str] | None = None) -> int:
    """List the layers or show one place; exit 2 with one Chinese line when the data cannot be read."""
    return dispatch(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())

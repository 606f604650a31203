"""Command line for position corrections: `python -m loaders adopt …` and `python -m loaders corrections …`.

The same store and checks as the app (PostGIS when ``CHAOHU_DATABASE_URL`` is set, else the workspace GeoPackage).
Errors are one Chinese line on stderr and exit code 2 (core/cli.py); an import that leaves conflicts exits with 1.
"""

from __future__ import annotations

import json

from core.declarations import BY_ID
from core.formatting import accuracy_label
from corrections.checks import CHOICES, CorrectionError, adopt_file, plan_place, revert, size_words
from store import open_store
from store.cli import acting_user
from core.clock import local_iso, local_text
from store.corrections import REVERT, entry_geojson


def add_commands(sub) -> None:
    """Add `adopt` and `corrections` to the `python -m loaders` parser."""
    adopt = sub.add_parser("adopt", help="用文件中的要素校正规划地点的位置（或 --revert 撤销校正）",
                           description="用文件（Shapefile、GeoJSON、GeoPackage、KML、CSV 坐标、DXF …）中的一个要素作为规划地点的新位置。")
    adopt.set_defaults(func=adopt_command)
    adopt.add_argument("path", nargs="?", help="文件、文件夹或 zip")
    adopt.add_argument("--place", help="规划地点编号（data/plan/places.yaml 的 id，如 ip_magnesium）")
    adopt.add_argument("--source", help="来源，如「园区管委会 2025 年范围图」（必填）")
    adopt.add_argument("--feature", type=int, help="采用第几个要素（从 1 开始；文件只有一个要素时可省略）")
    adopt.add_argument("--accuracy", default="located", choices=list(CHOICES), help="located 位置有出处（默认）/ approximate 大致位置")
    adopt.add_argument("--date", help="来源日期，如 2025-03-01、2025-03 或 2025（默认今天）")
    adopt.add_argument("--layer", help="文件有多个图层时采用的图层")
    adopt.add_argument("--coords", choices=("gcj02", "bd09"), help="坐标拾取自高德/腾讯（gcj02）或百度（bd09）")
    adopt.add_argument("--crs", help="指定坐标系，覆盖文件声明与推断")
    adopt.add_argument("--revert", metavar="PLACE_ID", help="撤销该地点当前生效的校正（撤销本身也记录在案）")
    adopt.add_argument("--by", default=None, help="记录的操作人（默认：命令行:<本机登录名>）")

    corr = sub.add_parser("corrections", help="位置校正记录：列出、导出为 GeoPackage、从另一套系统导入")
    csub = corr.add_subparsers(dest="action", required=True)
    lst = csub.add_parser("list", help="校正记录（按地点，最新在后）")
    lst.set_defaults(func=list_command)
    lst.add_argument("--place", help="只看该地点")
    lst.add_argument("--json", action="store_true", help="以 JSON 输出")
    exp = csub.add_parser("export", help="把全部校正记录（含历史和撤销）导出为一个 GeoPackage")
    exp.set_defaults(func=export_command)
    exp.add_argument("out", help="输出文件 .gpkg")
    imp = csub.add_parser("import", help="导入另一套系统导出的校正记录；同一地点校正不同则列为冲突，不覆盖")
    imp.set_defaults(func=import_command)
    imp.add_argument("path", help="导出的 .gpkg 文件")
    imp.add_argument("--take", action="append", default=[], metavar="PLACE_ID", help="该地点有冲突时采用导入文件中的校正（可重复）")
    imp.add_argument("--by", default=None, help="记录的操作人")


def entry_dict(entry) -> dict:
    """One history entry as JSON: times in Beijing time, geometries as GeoJSON."""
    return {"uid": entry.uid, "place_id": entry.place_id, "action": entry.action, "accuracy": entry.accuracy,
            "accuracy_label": accuracy_label(entry.accuracy), "source": entry.source, "source_date": entry.source_date,
            "method": entry.method, "reverts": entry.reverts, "by": entry.made_by, "at": local_iso(entry.made_at),
            "origin": entry.origin, "before_accuracy": entry.before_accuracy, "geometry": entry_geojson(entry.geometry)}


def list_command(args) -> int:
    """`corrections list [--place P] [--json]`."""
    entries = open_store().correction_entries(plan_place(args.place).id if args.place else None)
    if args.json:
        print(json.dumps([entry_dict(e) for e in entries], ensure_ascii=False, indent=2))
        return 0
    if not entries:
        print("还没有位置校正记录。")
    for e in entries:
        what = f"撤销校正（恢复为{'「' + e.source + '」' if e.source else '随附位置'}）" if e.action == REVERT else \
            f"校正（{e.method}）来源「{e.source}」（{e.source_date}），{accuracy_label(e.accuracy)}"
        print(f"{e.place_id}\t{local_text(e.made_at)}\t{e.made_by}\t{what}")
    return 0


def export_command(args) -> int:
    """`corrections export OUT.gpkg`: every entry, history and reverts included."""
    from corrections.share import export_gpkg

    print(f"已导出 {export_gpkg(open_store(), args.out)} 条校正记录到 {args.out}")
    return 0


def import_command(args) -> int:
    """`corrections import FILE.gpkg [--take PLACE]…`: 1 when conflicts were left out, else 0."""
    from corrections.share import import_gpkg

    report = import_gpkg(open_store(), args.path, acting_user(args), take=args.take)
    print(f"已导入 {len(report.places) + len(report.taken)} 个地点的 {report.entries} 条校正记录"
          + (f"（采用导入版本：{'、'.join(report.taken)}）" if report.taken else "") + "。")
    if report.unchanged:
        print(f"无新内容的地点 {len(report.unchanged)} 个。")
    for p in report.problems:
        print(f"提示：{p}")
    if report.conflicts:
        print(f"冲突 {len(report.conflicts)} 个（同一地点两边校正不同，未导入，本机校正保持不变）：")
        for c in report.conflicts:
            print(f"  {c.text}")
        print("如需采用导入文件中的校正，请加 --take 地点编号 重新导入。")
        return 1
    return 0


def adopt_command(args) -> int:
    """`adopt FILE --place P --source S …`, or `adopt --revert P`."""
    store, user = open_store(), acting_user(args)
    if args.revert:
        if args.path or args.place or args.source:
            raise CorrectionError("--revert 只需地点编号，不与文件、--place、--source 同用。")
        entry = revert(store, args.revert, user)
        back = f"恢复为「{entry.source}」（{entry.source_date}）的校正" if entry.source else "恢复为规划随附位置"
        print(f"已撤销「{plan_place(args.revert).name}」的校正，{back}，位置精度：{accuracy_label(entry.accuracy) or '规划未给位置'}。")
        return 0
    missing = [name for name, value in (("文件", args.path), ("--place", args.place), ("--source", args.source)) if not value]
    if missing:
        raise CorrectionError(f"缺少{'、'.join(missing)}：用法 python -m loaders adopt 文件 --place 地点编号 --source 来源 "
                              "[--feature N] [--accuracy located|approximate]。")
    entry = adopt_file(store, args.path, args.place, args.source, feature=args.feature, accuracy=args.accuracy,
                       source_date=args.date, user=user, coords=args.coords, crs=args.crs, layer=args.layer)
    print(f"已校正「{plan_place(entry.place_id).name}」：{entry.method}；{size_words(entry.geometry, BY_ID[entry.layer].geometry)}；来源「{entry.source}」"
          f"（{entry.source_date}），{CHOICES[entry.accuracy]}。")
    return 0

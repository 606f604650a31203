"""`python -m tracking …`: progress workbooks out and in, every item's state, the monthly 通报, the plan year.

The same code as the app, on the store the settings name (PostGIS when CHAOHU_DATABASE_URL is set). Bad input is
one Chinese message on stderr and exit code 2; nothing is written then.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from core import roles
from core.errors import ChaohuError
from core.progress import YEAR_LABEL
from core.clock import local_text
from store.cli import default_user
from tracking.service import REPORT_FORMATS, Tracking

#: The command line runs with the machine's access to the store: every permission (as the app with no accounts).
CLI_ROLE = roles.OPEN_ROLE


def parser() -> argparse.ArgumentParser:
    """The command line's arguments (help in Chinese)."""
    p = argparse.ArgumentParser(prog="python -m tracking", description="实施跟踪：进展填报模板、导入、状态、通报、起始年份。")
    sub = p.add_subparsers(dest="command", required=True)
    tpl = sub.add_parser("template", help="生成牵头单位的进展填报工作簿（每个单位一个）")
    who = tpl.add_mutually_exclusive_group(required=True)
    who.add_argument("--unit", help="牵头单位名称，如 市经信委")
    who.add_argument("--all", action="store_true", help="全部牵头单位（含「未列牵头单位」的事项）")
    tpl.add_argument("--out", required=True, type=Path, help="输出文件夹")
    imp = sub.add_parser("import", help="导入填好的工作簿：逐行检查，全部无误才写入")
    imp.add_argument("file", type=Path)
    imp.add_argument("--by", required=True, help="填报人（记入进展记录和变更记录）")
    st = sub.add_parser("status", help="每个事项的当前状态")
    st.add_argument("--json", action="store_true", help="以 JSON 输出")
    rep = sub.add_parser("report", help="月度实施进展通报")
    rep.add_argument("--month", required=True, help="月份，如 2026-11")
    rep.add_argument("--format", default="xlsx,pdf", help="格式，逗号分隔：xlsx,pdf（默认两种）")
    rep.add_argument("--out", required=True, type=Path, help="输出文件夹")
    year = sub.add_parser("year", help=f"查看或设置{YEAR_LABEL}（方案未写年份；设置后时限换算为日期并判断逾期）")
    year.add_argument("value", nargs="?", help="年份，如 2018；不写则显示当前设置")
    year.add_argument("--unset", action="store_true", help="清除设置（恢复「年份未定」）")
    year.add_argument("--by", default=None, help="记录在变更记录中的操作人")
    batches = sub.add_parser("batches", help="列出历次进展导入")
    batches.add_argument("--json", action="store_true")
    wd = sub.add_parser("withdraw", help="撤回一次导入（记录保留在历史中，标为已撤回；可在变更记录中撤销）")
    wd.add_argument("batch", help="导入编号（见 batches）")
    wd.add_argument("--reason", default="", help="撤回原因")
    wd.add_argument("--by", default=None)
    return p


def _status_text(tracking: Tracking) -> None:
    board = tracking.board()
    year = f"{YEAR_LABEL} {board.year}" if board.year else f"{YEAR_LABEL}未设置"
    print(f"截至 {board.on.isoformat()}（{year}）")
    for s in board.states:
        flags = "（逾期）" if s.overdue else "（临近）" if s.due_soon else ""
        due = f"\t{s.due_label}" if s.due_label else ""
        print(f"{s.item.id}\t{s.item.title}\t{s.item.lead_text}{due}\t{s.summary()}{flags}")
    t = board.total()
    print(f"共 {t.total} 项：已有填报 {t.reported} 项，已完成 {t.done} 项，逾期 {t.overdue} 项。")


def run(args) -> int:
    """Run one command (ChaohuError propagates to main, which prints it)."""
    tracking = Tracking.open()
    if args.command == "template":
        for path in tracking.write_templates(args.out, args.unit, args.all):
            print(path)
    elif args.command == "import":
        filled, batch = tracking.import_workbook(args.file, args.by, CLI_ROLE)
        print(f"已导入「{filled.unit}」的进展 {batch.records} 条（导入编号 {batch.batch}，填报人 {batch.reporter}）；"
              f"{filled.blank_rows} 行未填写，未记录。")
    elif args.command == "status":
        if args.json:
            print(json.dumps(tracking.board().to_json(), ensure_ascii=False, indent=2))
        else:
            _status_text(tracking)
    elif args.command == "report":
        formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
        for path in tracking.write_report(args.month, formats, args.out):
            print(path)
    elif args.command == "year":
        by = args.by or default_user()
        if args.unset:
            tracking.set_year(None, by, CLI_ROLE)
            print(f"{YEAR_LABEL}已清除：时限显示为「年份未定」，不判断逾期。")
        elif args.value is not None:
            print(f"{YEAR_LABEL}已设为 {tracking.set_year(args.value, by, CLI_ROLE)} 年。")
        else:
            year = tracking.board().year
            print(f"{YEAR_LABEL}：{year} 年" if year else f"{YEAR_LABEL}未设置（时限显示为「年份未定」）")
    elif args.command == "batches":
        rows = tracking.store.progress_batches()
        if args.json:
            print(json.dumps([{**b.__dict__, "recorded_at": local_text(b.recorded_at)} for b in rows], ensure_ascii=False,
                             indent=2))
        for b in [] if args.json else rows:
            state = "（已撤回）" if b.withdrawn else ""
            print(f"{b.batch}\t{b.unit}\t{b.records} 条\t{b.reporter}\t{local_text(b.recorded_at)}\t{b.source}{state}")
    elif args.command == "withdraw":
        n = tracking.store.withdraw_progress(args.batch, args.by or default_user(), args.reason)
        print(f"已撤回导入 {args.batch}（{n} 条记录保留在历史中，标为已撤回）。")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit 0, or 2 with one Chinese message on stderr."""
    args = parser().parse_args(argv)
    try:
        return run(args)
    except ChaohuError as exc:
        print(exc.message, file=sys.stderr)
        return 2


__all__ = ["main", "parser", "REPORT_FORMATS"]

if __name__ == "__main__":
    sys.exit(main())

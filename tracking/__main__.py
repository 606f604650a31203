"""`python -m tracking …`: progress workbooks out and in, every item's state, the monthly 通报, the plan year.

The same code as the app, on the store the settings name (PostGIS when CHAOHU_DATABASE_URL is set). Bad input or any
failure is one Chinese line on stderr and exit code 2 (core/cli.py); nothing is written then.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from core import roles
from core.cli import Parser, dispatch
from core.progress import YEAR_LABEL
from core.clock import local_iso, local_text
from store.cli import acting_user
from tracking.errors import ProgressError
from tracking.reminders import DUE_DAYS
from tracking.service import REPORT_FORMATS, Tracking

#: The command line runs with the machine's access to the store: every permission (as the app with no accounts).
CLI_ROLE = roles.OPEN_ROLE


def parser() -> Parser:
    """The command line's arguments (help in Chinese)."""
    p = Parser(prog="python -m tracking", description="实施跟踪：进展填报模板、导入、状态、通报（发布）、催办、起始年份。")
    sub = p.add_subparsers(dest="command", required=True)
    tpl = sub.add_parser("template", help="生成牵头单位的进展填报工作簿（每个单位一个）")
    tpl.set_defaults(func=template)
    who = tpl.add_mutually_exclusive_group(required=True)
    who.add_argument("--unit", help="牵头单位名称，如 市经信委")
    who.add_argument("--all", action="store_true", help="全部牵头单位（含「未列牵头单位」的事项）")
    tpl.add_argument("--out", required=True, type=Path, help="输出文件夹")
    imp = sub.add_parser("import", help="导入填好的工作簿：逐行检查，全部无误才写入")
    imp.set_defaults(func=import_workbook)
    imp.add_argument("file", type=Path)
    imp.add_argument("--by", required=True, help="填报人（记入进展记录和变更记录）")
    imp.add_argument("--again", action="store_true", help="内容与已导入的批次完全相同时仍再次导入")
    st = sub.add_parser("status", help="每个事项的当前状态")
    st.set_defaults(func=status)
    st.add_argument("--json", action="store_true", help="以 JSON 输出")
    rep = sub.add_parser("report", help="月度实施进展通报（--publish 发布为第 N 期；--issue N 取出已发布的一期）")
    rep.set_defaults(func=report)
    which = rep.add_mutually_exclusive_group(required=True)
    which.add_argument("--month", help="月份，如 2026-11")
    which.add_argument("--issue", type=int, help="已发布的期号（原样取出发布时的文件）")
    rep.add_argument("--format", default="xlsx,pdf", help="格式，逗号分隔：xlsx,pdf（默认两种）")
    rep.add_argument("--out", type=Path, help="输出文件夹（发布时可不写）")
    rep.add_argument("--publish", action="store_true", help="发布为第 N 期：文件和数据存入数据库，以后原样下载")
    rep.add_argument("--again", action="store_true", help="该月已发布时仍再发一期（编为新的期号）")
    rep.add_argument("--by", default=None, help="发布人（记入变更记录）")
    pub = sub.add_parser("published", help="列出已发布的通报（第 N 期）")
    pub.set_defaults(func=published)
    pub.add_argument("--json", action="store_true")
    due_cmd = sub.add_parser("due", help="各牵头单位逾期和即将到期（N 天内）的事项")
    due_cmd.set_defaults(func=due)
    due_cmd.add_argument("--unit", help="牵头单位名称，如 市经信委（不写则列出全部单位）")
    due_cmd.add_argument("--days", type=int, default=DUE_DAYS, help=f"多少天内到期（默认 {DUE_DAYS}）")
    due_cmd.add_argument("--json", action="store_true")
    rem = sub.add_parser("remind", help="记录一次催办（被催办单位、事项、说明）")
    rem.set_defaults(func=remind)
    rem.add_argument("--unit", required=True, help="被催办的牵头单位")
    rem.add_argument("--item", required=True, action="append", help="事项编号（可写多次）")
    rem.add_argument("--note", default="", help="催办说明")
    rem.add_argument("--by", required=True, help="催办人（记入催办记录和变更记录）")
    rems = sub.add_parser("reminders", help="导出催办单（Excel 或 PDF）")
    rems.set_defaults(func=reminders)
    rems.add_argument("--unit", help="牵头单位（不写则为全部单位）")
    rems.add_argument("--format", required=True, choices=list(REPORT_FORMATS), help="xlsx 或 pdf")
    rems.add_argument("--out", required=True, type=Path, help="输出文件夹")
    year_cmd = sub.add_parser("year", help=f"查看或设置{YEAR_LABEL}（方案未写年份；设置后时限换算为日期并判断逾期）")
    year_cmd.set_defaults(func=year)
    year_cmd.add_argument("value", nargs="?", help="年份，如 2018；不写则显示当前设置")
    year_cmd.add_argument("--unset", action="store_true", help="清除设置（恢复「年份未定」）")
    year_cmd.add_argument("--by", default=None, help="记录在变更记录中的操作人")
    bat = sub.add_parser("batches", help="列出历次进展填报（导入和在线填报）及其审核状态")
    bat.set_defaults(func=batches)
    bat.add_argument("--json", action="store_true")
    rev = sub.add_parser("review", help="审核一次进展填报：采纳（此后计入进展）或退回（写明原因）")
    rev.set_defaults(func=review)
    rev.add_argument("batch", help="填报编号（见 batches）")
    verdict = rev.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--accept", action="store_true", help="采纳：此后计入进展")
    verdict.add_argument("--return", dest="send_back", action="store_true", help="退回：不计入，填报单位可见原因")
    rev.add_argument("--reason", default="", help="退回原因（退回时必填）")
    rev.add_argument("--by", default=None, help="审核人（记入变更记录）")
    wd = sub.add_parser("withdraw", help="撤回一次导入（记录保留在历史中，标为已撤回；可在变更记录中撤销）")
    wd.set_defaults(func=withdraw)
    wd.add_argument("batch", help="导入编号（见 batches）")
    wd.add_argument("--reason", default="", help="撤回原因")
    wd.add_argument("--by", default=None)
    return p


def _status_text(tracking: Tracking) -> None:
    board = tracking.board()
    year = f"{YEAR_LABEL} {board.year}" if board.year else f"{YEAR_LABEL}未设置"
    print(f"截至 {board.on.isoformat()}（{year}）")
    for s in board.states:
        flags = ("（逾期）" if s.overdue else "（临近）" if s.due_soon else "") + (f"（待审核 {s.pending} 次）" if s.pending else "")
        due = f"\t{s.due_label}" if s.due_label else ""
        print(f"{s.item.id}\t{s.item.title}\t{s.item.lead_text}{due}\t{s.summary()}{flags}")
    t = board.total()
    print(f"共 {t.total} 项：已有填报 {t.reported} 项，已完成 {t.done} 项，逾期 {t.overdue} 项。")


# Each command runs on the store the settings name; a ChaohuError goes to core.cli.guarded, which prints it.

def template(args) -> int:
    """`template --unit U | --all --out DIR`: one workbook per lead unit."""
    for path in Tracking.open().write_templates(args.out, args.unit, args.all):
        print(path)
    return 0


def import_workbook(args) -> int:
    """`import FILE --by NAME`: every row checked; all or nothing."""
    filled, batch = Tracking.open().import_workbook(args.file, args.by, CLI_ROLE, again=args.again)
    print(f"已导入「{filled.unit}」的进展 {batch.records} 条（导入编号 {batch.batch}，填报人 {batch.reporter}）；"
          f"{filled.blank_rows} 行未填写，未记录。待审核：采纳后计入进展（python -m tracking review {batch.batch} --accept）。")
    return 0


def status(args) -> int:
    """`status [--json]`: every item's state."""
    tracking = Tracking.open()
    if args.json:
        print(json.dumps(tracking.board().to_json(), ensure_ascii=False, indent=2))
    else:
        _status_text(tracking)
    return 0


def report(args) -> int:
    """`report --month YYYY-MM [--format xlsx,pdf] --out DIR`: the monthly 通报; `--publish --by NAME [--again]`
    freezes it as 第 N 期; `--issue N --out DIR` writes a published one again, byte for byte."""
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    tracking = Tracking.open()
    if args.issue is not None:
        if args.publish or args.out is None:
            raise ProgressError("取出已发布的通报请写 --issue 期号 --out 文件夹（不能与 --publish 同用）。")
        paths = tracking.write_published(args.issue, formats, args.out)
    elif args.publish:
        if not args.by:
            raise ProgressError("发布通报请写明发布人：--by 姓名。")
        issue = tracking.publish(args.month, args.by, CLI_ROLE, again=args.again)
        print(f"已发布 {issue.month} 实施进展通报第 {issue.issue} 期（{issue.published_by}，{local_text(issue.published_at)}）。")
        paths = tracking.write_published(issue.issue, formats, args.out) if args.out else []
    else:
        if args.out is None:
            raise ProgressError("请写明输出文件夹：--out 文件夹。")
        paths = tracking.write_report(args.month, formats, args.out)
    for path in paths:
        print(path)
    return 0


def published(args) -> int:
    """`published [--json]`: every published 通报."""
    rows = Tracking.open().published()
    if args.json:
        print(json.dumps([{"issue": b.issue, "month": b.month, "published_by": b.published_by,
                           "published_at": local_iso(b.published_at), "headline": b.data.get("headline", "")}
                          for b in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("尚未发布通报。")
    for b in rows:
        print(f"第 {b.issue} 期\t{b.month}\t{b.published_by}\t{local_text(b.published_at)}")
    return 0


def due(args) -> int:
    """`due [--unit U] [--days N] [--json]`: per lead unit, what is overdue and what falls due within N days."""
    tracking = Tracking.open()
    found = tracking.due(args.unit, args.days)
    if args.json:
        board = tracking.board()
        print(json.dumps({"as_of": board.on.isoformat(), "plan_year": board.year, "days": args.days,
                          "units": [u.to_dict() for u in found]}, ensure_ascii=False, indent=2))
        return 0
    board = tracking.board()
    print(f"截至 {board.on.isoformat()}，逾期和 {args.days} 天内到期的事项{'' if board.year else f'（{YEAR_LABEL}未设置，无法判断）'}：")
    for u in found:
        print(f"{u.unit}：逾期 {len(u.overdue)} 项，{args.days} 天内到期 {len(u.due)} 项")
        for s in u.states:
            print(f"\t{s.item.id}\t{s.item.number}\t{s.item.title}\t{s.due_label}\t{s.status}"
                  f"\t{'逾期' if s.overdue else '即将到期'}")
    if not any(u.states for u in found):
        print("没有逾期或即将到期的事项。")
    return 0


def remind(args) -> int:
    """`remind --unit U --item ID [--item ID…] --note TEXT --by NAME`: record a 催办."""
    made = Tracking.open().remind(args.unit, args.item, args.note, args.by, CLI_ROLE)
    print(f"已记录催办：「{made.unit}」{len(made.items)} 项（{'、'.join(made.items)}），{made.made_by}，"
          f"{local_text(made.made_at)}（北京时间）。")
    return 0


def reminders(args) -> int:
    """`reminders [--unit U] --format xlsx|pdf --out DIR`: the 催办单."""
    name, data, _mime = Tracking.open().reminder_sheet(args.format, args.unit)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / name).write_bytes(data)
    print(args.out / name)
    return 0


def year(args) -> int:
    """`year [VALUE | --unset]`: show or set the plan's start year."""
    tracking, by = Tracking.open(), acting_user(args)
    if args.unset:
        tracking.set_year(None, by, CLI_ROLE)
        print(f"{YEAR_LABEL}已清除：时限显示为「年份未定」，不判断逾期。")
    elif args.value is not None:
        print(f"{YEAR_LABEL}已设为 {tracking.set_year(args.value, by, CLI_ROLE)} 年。")
    else:
        value = tracking.board().year
        print(f"{YEAR_LABEL}：{value} 年" if value else f"{YEAR_LABEL}未设置（时限显示为「年份未定」）")
    return 0


def batches(args) -> int:
    """`batches [--json]`: every import and online report with its state (待审核, 已采纳, 已退回 with the reason, 已撤回)."""
    rows = Tracking.open().batches()
    if args.json:
        print(json.dumps([{**b.to_dict(), "recorded_at": local_text(b.recorded_at)} for b in rows], ensure_ascii=False,
                         indent=2))
        return 0
    for b in rows:
        reason = f"：{b.reason}" if b.reason else ""
        print(f"{b.batch}\t{b.state_label}{reason}\t{b.unit}\t{b.records} 条\t{b.reporter}\t{local_text(b.recorded_at)}"
              f"\t{b.source}")
    return 0


def review(args) -> int:
    """`review BATCH --accept | --return --reason TEXT [--by NAME]`: the office's review of one report."""
    batch = Tracking.open().review(args.batch, acting_user(args), CLI_ROLE, args.accept, args.reason)
    if args.accept:
        print(f"已采纳「{batch.unit}」的进展填报 {batch.batch}（{batch.records} 条），此后计入实施进展。")
    else:
        print(f"已退回「{batch.unit}」的进展填报 {batch.batch}（{batch.records} 条），原因：{batch.reason}。")
    return 0


def withdraw(args) -> int:
    """`withdraw BATCH [--reason R]`: the records stay in the history, marked 已撤回."""
    n = Tracking.open().withdraw(args.batch, acting_user(args), CLI_ROLE, args.reason)
    print(f"已撤回导入 {args.batch}（{n} 条记录保留在历史中，标为已撤回）。")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit 0, or 2 with one Chinese line on stderr."""
    return dispatch(parser(), argv)


__all__ = ["main", "parser", "REPORT_FORMATS"]

if __name__ == "__main__":
    sys.exit(main())

"""The one wrapper every command line shares: a Chinese parser and one way failures reach a planner.

A command line builds its parser with ``Parser`` (argparse with Chinese usage errors, one line, exit 2), gives each
sub-command its function with ``set_defaults(func=…)`` and ends with ``sys.exit(main())`` where ``main(argv)``
returns ``dispatch(parser, argv)``: a ``ChaohuError`` prints its Chinese message and exits 2; anything else prints
「内部错误…」 and exits 2 with the traceback appended to the workspace's command log (``logs/commands.log``), never
on the planner's screen.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from core import settings
from core.clock import BEIJING
from core.errors import ChaohuError

log = logging.getLogger("chaohu.cli")
#: Without any handler Python's last-resort handler would print a logged traceback on stderr; this keeps it off.
log.addHandler(logging.NullHandler())

#: argparse's English phrases as a planner reads them.
_ARGPARSE_WORDS = {
    "the following arguments are required": "缺少必需的参数",
    "unrecognized arguments": "无法识别的参数",
    "invalid choice": "无效的选项",
    "expected one argument": "需要一个参数值",
    "invalid int value": "不是整数",
    "invalid float value": "不是数字",
    "argument": "参数",
    "choose from": "可选",
    "not allowed with argument": "不能与此参数同时使用",
    "one of the arguments": "以下参数之一",
    "is required": "是必需的",
}


class Parser(argparse.ArgumentParser):
    """argparse that says a bad argument in one Chinese line (exit 2) instead of English usage text."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("add_help", True)
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"

    def add_subparsers(self, **kwargs):  # noqa: D102 (a missing sub-command is named 命令, not by its dest)
        kwargs.setdefault("metavar", "命令")
        return super().add_subparsers(**kwargs)

    def error(self, message: str):  # noqa: D102 (argparse's hook)
        for english, chinese in _ARGPARSE_WORDS.items():
            message = message.replace(english, chinese)
        self.exit(2, f"错误：命令参数有误（{message}）。用 {self.prog} --help 查看用法。\n")


def command_log() -> Path:
    """Where an internal failure's traceback is written: ``<workspace>/logs/commands.log``."""
    return settings.current().workspace_dir / "logs" / "commands.log"


def _record(exc: BaseException) -> Path | None:
    """Append the failure's traceback to the command log; the file, or None when it cannot be written."""
    log.error("command failed: %s", exc, exc_info=exc)  # the app's own logging, when configured
    path = command_log()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now(BEIJING).isoformat(timespec='seconds')} {' '.join(sys.argv)}\n")
            fh.write("".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return path


def failure_message(exc: BaseException, logged: Path | None = None) -> str:
    """The one line a planner sees for a failure: the Chinese message of ours, 「内部错误…」 otherwise."""
    if isinstance(exc, ChaohuError):
        return f"错误：{exc.message}"
    where = f"详细信息已记入日志 {logged}" if logged else "详细信息未能写入日志"
    return f"错误：内部错误（{type(exc).__name__}），操作未完成；{where}，请告知管理员。"


def guarded(run: Callable[[], int | None]) -> int:
    """Run a command; 0 (or its own code) on success, 2 with one Chinese line on stderr on any failure."""
    try:
        return run() or 0
    except ChaohuError as exc:
        if exc.detail:
            log.info("%s (%s)", exc.message, exc.detail)
        print(failure_message(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 2
    except Exception as exc:  # never a traceback for a planner: the detail goes to the log file
        print(failure_message(exc, _record(exc)), file=sys.stderr)
        return 2


def dispatch(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the chosen sub-command's ``func(args)`` inside ``guarded`` (a bad argument: exit 2)."""
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except SystemExit as exc:  # --help (0) or a bad argument (2, already said in Chinese)
        return int(exc.code or 0)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    return guarded(lambda: func(args))

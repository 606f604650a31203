"""``python -m server``: the app as several Streamlit processes behind HAProxy on one PostGIS.

    python -m server up --replicas 3 --port 8080 [--database URL] [--workspace DIR] [--address 0.0.0.0]
    python -m server status [--json]
    python -m server down

``up`` returns once HAProxy and every replica answer; a supervisor (``python -m server supervise``, detached, its
log in <workspace>/run/supervisor.log) restarts a replica that dies. Failures: one Chinese line, exit 2 (core/cli.py).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from core.cli import Parser, dispatch
from server import control
from server.config import DEFAULT_ADDRESS, DEFAULT_REPLICAS, START_TIMEOUT


def _up(args) -> int:
    ws = control.workspace_of(args.workspace)
    cfg, notes = control.up(ws, args.replicas, args.port, args.address, args.database, timeout=args.timeout)
    for note in notes:
        print(note)
    print(f"已启动 {len(cfg.replicas)} 个应用进程（HAProxy 分发）：请打开 {cfg.url}"
          f"（查看：python -m server status；停止：python -m server down）")
    return 0


def _status(args) -> int:
    info = control.status(control.workspace_of(args.workspace))
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0 if info["running"] else 3
    if not info["running"] and info["url"] is None:
        print("没有在运行的服务。")
        return 3
    print(f"地址：{info['url']}（{'运行中' if info['running'] else '监护进程已停止'}）")
    h = info["haproxy"]
    print(f"HAProxy：进程 {h['pid']}，端口 {h['port']}，{'正常' if h['healthy'] else '无响应'}")
    for r in info["replicas"]:
        print(f"应用进程 {r['name']}：进程 {r['pid']}，端口 {r['port']}，{'正常' if r['healthy'] else '无响应'}，重启 {r['restarts']} 次")
    return 0 if info["running"] else 3


def _down(args) -> int:
    ports = control.down(control.workspace_of(args.workspace))
    print(f"已停止（端口 {'、'.join(map(str, ports))} 已关闭）。" if ports else "没有在运行的服务。")
    return 0


def _supervise(args) -> int:
    from server.supervise import supervise

    supervise(control.workspace_of(args.workspace))
    return 0


def build_parser() -> Parser:
    parser = Parser(prog="python -m server", description="多个应用进程 + HAProxy（共用一个 PostGIS 数据库）")
    commands = parser.add_subparsers(dest="command")

    def workspace(p):
        p.add_argument("--workspace", help="工作空间文件夹（默认 CHAOHU_WORKSPACE 或 workspace/；运行状态在其 run/ 下）")

    p = commands.add_parser("up", help="启动应用进程和 HAProxy，全部就绪后返回")
    p.add_argument("--replicas", type=int, default=DEFAULT_REPLICAS, help=f"应用进程数（默认 {DEFAULT_REPLICAS}）")
    p.add_argument("--port", type=int, required=True, help="HAProxy 监听的端口")
    p.add_argument("--address", default=DEFAULT_ADDRESS, help=f"HAProxy 监听的地址（默认 {DEFAULT_ADDRESS}：所有网卡）")
    p.add_argument("--database", help="PostGIS 数据库（默认 CHAOHU_DATABASE_URL）")
    p.add_argument("--timeout", type=float, default=START_TIMEOUT, help=f"等待就绪的秒数（默认 {START_TIMEOUT:.0f}）")
    workspace(p)
    p.set_defaults(func=_up)

    p = commands.add_parser("status", help="各进程的状态（未运行时退出码 3）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    workspace(p)
    p.set_defaults(func=_status)

    p = commands.add_parser("down", help="停止本工作空间启动的全部进程")
    workspace(p)
    p.set_defaults(func=_down)

    p = commands.add_parser("supervise", help="（由 up 在后台启动）守护各进程，重启退出的应用进程")
    workspace(p)
    p.set_defaults(func=_supervise)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return dispatch(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())

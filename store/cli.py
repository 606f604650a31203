"""Command line for the store: `python -m loaders workspace …` and `python -m loaders accounts …`.

The same store code as the app (``open_store()``: PostGIS when ``CHAOHU_DATABASE_URL`` is set, else the
workspace GeoPackage). Errors are one Chinese line on stderr and exit code 2.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path

from core import roles
from store import open_store, open_target
from store.labels import KINDS

#: Accepted role names on the command line (Chinese first).
ROLE_CHOICES = list(roles.ROLE_NAMES.values()) + list(roles.ROLE_NAMES)


def default_user() -> str:
    """Who a command-line change is recorded as: the login name on this machine."""
    try:
        return f"命令行:{getpass.getuser()}"
    except (KeyError, OSError):
        return "命令行"


def add_commands(sub) -> None:
    """Add the `workspace` and `accounts` commands to the `python -m loaders` parser."""
    ws = sub.add_parser("workspace", help="共享工作空间中的图层：添加、列出、改名、删除、恢复、变更记录、迁移")
    wsub = ws.add_subparsers(dest="action", required=True)
    add = wsub.add_parser("add", help="读取文件并加入工作空间（与应用的上传相同）")
    add.set_defaults(func=layer_add)
    add.add_argument("path", help="文件、文件夹或 zip")
    add.add_argument("--name", help="图层名称（默认取文件中的图层名）")
    add.add_argument("--coords", choices=("gcj02", "bd09"), help="坐标拾取自高德/腾讯（gcj02）或百度（bd09）")
    add.add_argument("--crs", help="指定坐标系，覆盖文件声明与推断")
    lst = wsub.add_parser("list", help="列出图层：名称、要素数、添加人和时间")
    lst.set_defaults(func=layer_list)
    lst.add_argument("--json", action="store_true", help="以 JSON 输出")
    lst.add_argument("--removed", action="store_true", help="列出回收站（30 天内删除的图层）")
    ren = wsub.add_parser("rename", help="重命名图层")
    ren.set_defaults(func=layer_rename)
    ren.add_argument("old")
    ren.add_argument("new")
    rem = wsub.add_parser("remove", help="删除图层（移入回收站，30 天内可恢复）")
    rem.set_defaults(func=layer_remove)
    rem.add_argument("name")
    res = wsub.add_parser("restore", help="从回收站恢复图层")
    res.set_defaults(func=layer_restore)
    res.add_argument("name")
    log = wsub.add_parser("log", help="变更记录（最新在前）")
    log.set_defaults(func=change_log)
    log.add_argument("--json", action="store_true", help="以 JSON 输出")
    log.add_argument("--kind", choices=list(KINDS), help="只看某类：" + "、".join(f"{k}={v}" for k, v in KINDS.items()))
    log.add_argument("--user", help="只看某人的变更")
    log.add_argument("--limit", type=int, default=50, help="最多显示条数（默认 50）")
    undo = wsub.add_parser("undo", help="撤销一条变更（按变更记录编号）")
    undo.set_defaults(func=change_undo)
    undo.add_argument("change_id", type=int)
    mig = wsub.add_parser("migrate", help="把整个工作空间（图层、回收站、文档、设置、账号、变更记录）迁移到另一个库")
    mig.set_defaults(func=workspace_migrate)
    mig.add_argument("--to", required=True, help="目标：postgresql+psycopg://用户:密码@主机:端口/库名，或 .gpkg 文件")
    mig.add_argument("--from", dest="source", help="源（默认：当前设置的工作空间或数据库）")
    clean = wsub.add_parser("cleanup", help="清理残留：过期会话、回收站到期图层、中断上传的临时文件")
    clean.set_defaults(func=workspace_cleanup)
    clean.add_argument("--json", action="store_true")
    for p in (add, ren, rem, res, undo, mig, clean):
        p.add_argument("--by", default=None, help="记录在变更记录中的操作人（默认：命令行:<本机登录名>）")

    acc = sub.add_parser("accounts", help="账号与角色：添加、列出、改密码、改角色、删除")
    asub = acc.add_subparsers(dest="action", required=True)
    a_add = asub.add_parser("add", help="添加账号（第一个账号须为「管理」）")
    a_add.set_defaults(func=account_add)
    a_add.add_argument("name")
    a_add.add_argument("--role", required=True, choices=ROLE_CHOICES, help="查看 / 填报 / 编辑 / 管理")
    a_list = asub.add_parser("list", help="列出账号")
    a_list.set_defaults(func=account_list)
    a_list.add_argument("--json", action="store_true")
    a_pw = asub.add_parser("passwd", help="修改密码（该账号已登录的会话失效）")
    a_pw.set_defaults(func=account_passwd)
    a_pw.add_argument("name")
    a_role = asub.add_parser("role", help="修改角色")
    a_role.set_defaults(func=account_role)
    a_role.add_argument("name")
    a_role.add_argument("role", choices=ROLE_CHOICES)
    a_rm = asub.add_parser("remove", help="删除账号")
    a_rm.set_defaults(func=account_remove)
    a_rm.add_argument("name")
    for p in (a_add, a_role):
        p.add_argument("--unit", default=None, help="「填报」账号的牵头单位（如 市经信委）：只能填报该单位牵头的事项")
    a_tok = asub.add_parser("token", help="为桌面 GIS（QGIS、ArcGIS）发放访问令牌，或以 --revoke 吊销该账号的全部令牌")
    a_tok.set_defaults(func=account_token)
    a_tok.add_argument("name")
    a_tok.add_argument("--revoke", action="store_true", help="吊销该账号的全部令牌")
    for p in (a_add, a_pw):
        p.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行），不提示")
    for p in (a_add, a_pw, a_role, a_rm, a_tok):
        p.add_argument("--by", default=None, help="记录在变更记录中的操作人")


def acting_user(args) -> str:
    """Who the command's change is recorded as: --by, else this machine's login name."""
    return getattr(args, "by", None) or default_user()


def _password(args) -> str:
    """The new password: one line from stdin (--password-stdin), else asked twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("新密码：")
    if getpass.getpass("再输入一次：") != first:
        from store.errors import StoreError

        raise StoreError("两次输入的密码不一致。")
    return first


def _print_layers(infos, as_json: bool, removed: bool) -> None:
    from core.clock import local_text

    if as_json:
        print(json.dumps([i.to_dict() for i in infos], ensure_ascii=False, indent=2))
        return
    if not infos:
        print("回收站为空。" if removed else "工作空间中还没有图层。")
    for i in infos:
        when = f"{i.removed_by} 于 {local_text(i.removed_at)} 删除" if removed else f"{i.added_by} 于 {local_text(i.added_at)} 添加"
        print(f"{i.name}\t{i.features} 个要素\t{i.geometry_type}\t{when}")


# ------------------------------------------------------------ workspace (ChaohuError goes to core.cli.guarded)

def layer_add(args) -> int:
    """`workspace add PATH`: read the file as the app's upload does and add each of its layers."""
    from loaders.files import read_any
    from loaders.shipped import shipped_points
    store, user = open_store(), acting_user(args)
    result = read_any(Path(args.path), coords=args.coords, crs=args.crs, reference_points=shipped_points())
    for lr in result.layers:
        name = lr.name if not args.name else args.name if len(result.layers) == 1 else f"{args.name}·{lr.name}"
        info = store.add_layer(name, lr.gdf, user, source=os.path.basename(str(args.path)))
        print(f"已添加「{info.name}」{info.features} 个要素（坐标系 {lr.crs_used}）")
        for note in lr.repairs + lr.warnings:
            print(f"提示：{note}", file=sys.stderr)
    for note in result.warnings:
        print(f"提示：{note}", file=sys.stderr)
    return 0


def layer_list(args) -> int:
    """`workspace list [--removed] [--json]`."""
    store = open_store()
    _print_layers(store.recycle_bin() if args.removed else store.layers(), args.json, args.removed)
    return 0


def layer_rename(args) -> int:
    """`workspace rename OLD NEW`."""
    print(f"已改名为「{open_store().rename_layer(args.old, args.new, acting_user(args))}」")
    return 0


def layer_remove(args) -> int:
    """`workspace remove NAME`: into the recycle bin."""
    open_store().remove_layer(args.name, acting_user(args))
    print(f"已删除「{args.name}」（移入回收站，30 天内可用 restore 恢复）")
    return 0


def layer_restore(args) -> int:
    """`workspace restore NAME`: out of the recycle bin."""
    print(f"已恢复「{open_store().restore_layer(args.name, acting_user(args)).name}」")
    return 0


def change_undo(args) -> int:
    """`workspace undo CHANGE_ID`."""
    print(open_store().undo(args.change_id, acting_user(args)))
    return 0


def change_log(args) -> int:
    """`workspace log [--kind K] [--user U] [--limit N] [--json]`: newest first."""
    from core.clock import local_text
    records = open_store().changes(kind=args.kind, user=args.user, limit=args.limit)
    if args.json:
        print(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2))
        return 0
    for r in records:
        print(f"{r.id}\t{local_text(r.at)}\t{r.user}\t{r.label}\t{r.summary}")
    return 0


def workspace_migrate(args) -> int:
    """`workspace migrate --to TARGET [--from SOURCE]`: everything into an empty store."""
    from store.migrate import migrate

    source = open_target(args.source) if args.source else open_store()
    counts = migrate(source, open_target(args.to), acting_user(args))
    print(f"已迁移：图层 {counts['layers']} 个、回收站 {counts['recycle_bin']} 个、文档 {counts['documents']} 个、"
          f"设置 {counts['settings']} 项、账号 {counts['accounts']} 个、变更记录 {counts['changes']} 条。")
    return 0


def workspace_cleanup(args) -> int:
    """`workspace cleanup [--json]`: expired sessions, expired recycle-bin layers, interrupted uploads."""
    out = open_store().cleanup()
    print(json.dumps(out, ensure_ascii=False) if args.json else
          f"已清理：过期会话 {out['sessions']} 个，回收站到期图层 {len(out['purged'])} 个，中断上传的临时文件夹 {out['uploads']} 个。")
    return 0


# ------------------------------------------------------------ accounts

def account_add(args) -> int:
    """`accounts add NAME --role R [--unit U]`: the password from stdin or asked twice."""
    account = open_store().add_account(args.name, _password(args), args.role, acting_user(args), unit=args.unit)
    print(f"已添加账号「{account.name}」（{account.role_name}{f'，{account.unit}' if account.unit else ''}）")
    return 0


def account_list(args) -> int:
    """`accounts list [--json]`."""
    from core.clock import local_text
    accounts = open_store().accounts()
    if args.json:
        print(json.dumps([{"name": a.name, "role": a.role_name, "created_by": a.created_by,
                           "created_at": local_text(a.created_at), "unit": a.unit} for a in accounts],
                         ensure_ascii=False, indent=2))
        return 0
    if not accounts:
        print("尚未配置账号：应用以开放模式运行（任何人都可编辑）。")
    for a in accounts:
        print(f"{a.name}\t{a.role_name}{f'（{a.unit}）' if a.unit else ''}\t{a.created_by} 于 {local_text(a.created_at)} 创建")
    return 0


def account_passwd(args) -> int:
    """`accounts passwd NAME`: the account's sessions end."""
    open_store().set_password(args.name, _password(args), acting_user(args))
    print(f"已修改「{args.name}」的密码")
    return 0


def account_role(args) -> int:
    """`accounts role NAME ROLE`."""
    open_store().set_role(args.name, args.role, acting_user(args), unit=args.unit)
    print(f"「{args.name}」的角色已设为「{roles.ROLE_NAMES[roles.role_id(args.role)]}」")
    return 0


def account_remove(args) -> int:
    """`accounts remove NAME`."""
    open_store().remove_account(args.name, acting_user(args))
    print(f"已删除账号「{args.name}」")
    return 0


def account_token(args) -> int:
    """`accounts token NAME [--revoke]`: a new access token for desktop GIS, printed once (only its hash is kept)."""
    from store.tokens import issue_token, revoke_tokens

    store = open_store()
    if args.revoke:
        print(f"已吊销「{args.name}」的 {revoke_tokens(store, args.name, acting_user(args))} 个访问令牌")
    else:
        print(issue_token(store, args.name, acting_user(args)))
    return 0

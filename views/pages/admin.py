"""账号管理 (管理 only): the office's accounts — list, add, change role, set a new password, remove — and its settings.

The store enforces the rules (the first account is 管理, the last 管理 stays, passwords of 8 characters or more, a
changed password ends that account's sessions); this page says what it refused. Each action asks the store for the
current user's role again before it runs, and is recorded in the change log under the user's name.
"""

from __future__ import annotations

import json

import streamlit as st

from core import roles
from core.errors import ChaohuError
from core.formatting import esc
from core.clock import local_text
from core.progress import YEAR_SETTING
from store.labels import SETTINGS, setting_label
from views import login, resources

ROLES = list(roles.ROLE_NAMES)
UNIT_ROLE_NAMES = "、".join(roles.ROLE_NAMES[r] for r in roles.UNIT_ROLES)
NO_UNIT = ""


def _done(kind: str, text: str) -> None:
    """Keep an action's outcome for the next run of the page."""
    st.session_state.admin_msg = (kind, text)


def _act(permission: str, action, success: str) -> None:
    """Run one account or settings action as the current user; say what happened."""
    try:
        user = login.require(permission)
        action(resources.store(), user.name)
        _done("success", success)
    except ChaohuError as exc:
        _done("error", exc.message)


def _accounts_table(accounts) -> str:
    rows = "".join(f'<tr data-account="{esc(a.name)}"><td>{esc(a.name)}</td><td>{esc(a.role_name)}</td>'
                   f'<td>{esc(a.unit or "")}</td><td>{esc(a.created_by)} {esc(local_text(a.created_at))}</td></tr>'
                   for a in accounts)
    head = "".join(f'<th style="text-align:left;padding:4px 12px 4px 0">{h}</th>' for h in ("账号", "角色", "牵头单位", "创建"))
    return (f'<table class="accounts" style="border-collapse:collapse;font-size:13px"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _unit_box(key: str) -> str | None:
    """The lead unit a 填报 account reports for (the units leading tracked items; empty for the other roles)."""
    units = [name for _, name in resources.tracking().items.units()]
    unit = st.selectbox(f"牵头单位（仅「{UNIT_ROLE_NAMES}」角色须选）", [NO_UNIT, *units], key=key,
                        format_func=lambda u: u or "（不绑定单位）")
    return unit or None


def _add_form(first: bool) -> None:
    """New account: name, role, password twice."""
    with st.form("account_add", clear_on_submit=True):
        st.markdown("**添加账号**")
        name = st.text_input("账号名称", key="acc_new_name")
        role = st.selectbox("角色", ROLES, index=ROLES.index(roles.ADMIN if first else roles.EDITOR),
                            format_func=roles.ROLE_NAMES.get, key="acc_new_role")
        unit = _unit_box("acc_new_unit")
        password = st.text_input("初始密码（至少 8 个字符）", type="password", key="acc_new_pw")
        again = st.text_input("再次输入密码", type="password", key="acc_new_pw2")
        if st.form_submit_button("添加账号"):
            if password != again:
                _done("error", "两次输入的密码不一致，账号未添加。")
            else:
                note = "已启用登录：请用新账号登录。" if first else ""
                _act("manage_accounts", lambda store, who: store.add_account(name, password, role, who, unit=unit),
                     f"已添加账号「{name.strip()}」（{roles.ROLE_NAMES[role]}{f'，{unit}' if unit else ''}）。{note}")
            st.rerun()


def _edit_forms(accounts) -> None:
    """Change a role, set a new password, remove an account."""
    names = [a.name for a in accounts]
    role_of = {a.name: a.role for a in accounts}
    with st.form("account_role"):
        st.markdown("**修改角色**")
        name = st.selectbox("账号", names, key="acc_role_name")
        role = st.selectbox("新角色", ROLES, format_func=roles.ROLE_NAMES.get, key="acc_role_role")
        unit = _unit_box("acc_role_unit")
        if st.form_submit_button("修改角色"):
            _act("manage_accounts", lambda store, who: store.set_role(name, role, who, unit=unit),
                 f"账号「{name}」：{roles.ROLE_NAMES[role_of[name]]} → {roles.ROLE_NAMES[role]}{f'（{unit}）' if unit else ''}。")
            st.rerun()
    with st.form("account_password", clear_on_submit=True):
        st.markdown("**重设密码**")
        name = st.selectbox("账号", names, key="acc_pw_name")
        password = st.text_input("新密码（至少 8 个字符）", type="password", key="acc_pw")
        if st.form_submit_button("重设密码"):
            _act("manage_accounts", lambda store, who: store.set_password(name, password, who),
                 f"已重设账号「{name}」的密码，该账号已登录的会话已失效。")
            st.rerun()
    with st.form("account_remove"):
        st.markdown("**删除账号**")
        name = st.selectbox("账号", names, key="acc_rm_name")
        sure = st.checkbox("确认删除该账号", key="acc_rm_sure")
        if st.form_submit_button("删除账号"):
            if not sure:
                _done("error", "请先勾选「确认删除该账号」。")
            else:
                _act("manage_accounts", lambda store, who: store.remove_account(name, who), f"已删除账号「{name}」。")
            st.rerun()


def parse_value(text: str):
    """A setting's value as typed: JSON (numbers, true/false, lists) when it reads as JSON, else the text itself."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        return text


def _put_setting(key: str, text: str):
    """The store action saving one setting as typed (起始年份 through its check of a plausible year)."""
    if key == YEAR_SETTING:
        return lambda store, who: resources.tracking().set_year(text.strip(), who, login.role())
    return lambda store, who: store.put_setting(key, parse_value(text), who)


def _settings(user: login.User) -> None:
    """Office settings kept in the store, by their Chinese names, and a form to set one."""
    st.subheader("办公室设置")
    current = resources.store().settings()
    if current:
        st.html("<br>".join(f'<div data-setting="{esc(k)}"><b>{esc(setting_label(k))}</b>：'
                            f'{esc(json.dumps(v, ensure_ascii=False) if v is not None else "（未设置）")}</div>'
                            for k, v in sorted(current.items(), key=lambda kv: setting_label(kv[0]))))
    else:
        st.caption("尚无设置。")
    if not user.can("manage_settings"):
        return
    with st.form("setting_put"):
        key = st.selectbox("设置", list(SETTINGS), format_func=setting_label, key="set_key")
        value = st.text_input("值（起始年份如 2018，时限为数字；多个代理地址写作 [\"10.0.0.1\", \"10.0.0.2\"]）",
                              key="set_value")
        if st.form_submit_button("保存设置"):
            _act("manage_settings", _put_setting(key, value), f"已保存设置「{setting_label(key)}」。")
            st.rerun()


def render() -> None:
    """The account management page."""
    user = login.current()
    st.title("账号管理")
    message = st.session_state.pop("admin_msg", None)
    if message:
        kind, text = message
        (st.success if kind == "success" else st.error)(text)
    accounts = resources.store().accounts()
    if not accounts:
        st.info(f"{login.OPEN_NOTE}。添加第一个账号（须为「管理」角色）后，所有人都需登录才能使用本系统。")
    else:
        st.html(_accounts_table(accounts))
        st.caption("角色：查看（浏览、导出）· 填报（另可填报所绑定牵头单位的实施进展）· 编辑（另可上传、重命名、删除和恢复图层，"
                   "校正位置，编辑汇报）· 管理（另可管理账号和设置）。")
    _add_form(first=not accounts)
    if accounts:
        _edit_forms(accounts)
    _settings(user)


__all__ = ["render", "parse_value"]

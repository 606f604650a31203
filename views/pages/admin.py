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
from views import login, resources

ROLES = list(roles.ROLE_NAMES)


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
                   f'<td>{esc(a.created_by)} {esc(local_text(a.created_at))}</td></tr>' for a in accounts)
    return ('<table class="accounts" style="border-collapse:collapse;font-size:13px">'
            '<thead><tr><th style="text-align:left;padding:4px 12px 4px 0">账号</th>'
            '<th style="text-align:left;padding:4px 12px 4px 0">角色</th><th style="text-align:left">创建</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _add_form(first: bool) -> None:
    """New account: name, role, password twice."""
    with st.form("account_add", clear_on_submit=True):
        st.markdown("**添加账号**")
        name = st.text_input("账号名称", key="acc_new_name")
        role = st.selectbox("角色", ROLES, index=ROLES.index(roles.ADMIN if first else roles.EDITOR),
                            format_func=roles.ROLE_NAMES.get, key="acc_new_role")
        password = st.text_input("初始密码（至少 8 个字符）", type="password", key="acc_new_pw")
        again = st.text_input("再次输入密码", type="password", key="acc_new_pw2")
        if st.form_submit_button("添加账号"):
            if password != again:
                _done("error", "两次输入的密码不一致，账号未添加。")
            else:
                note = "已启用登录：请用新账号登录。" if first else ""
                _act("manage_accounts", lambda store, who: store.add_account(name, password, role, who),
                     f"已添加账号「{name.strip()}」（{roles.ROLE_NAMES[role]}）。{note}")
            st.rerun()


def _edit_forms(accounts) -> None:
    """Change a role, set a new password, remove an account."""
    names = [a.name for a in accounts]
    role_of = {a.name: a.role for a in accounts}
    with st.form("account_role"):
        st.markdown("**修改角色**")
        name = st.selectbox("账号", names, key="acc_role_name")
        role = st.selectbox("新角色", ROLES, format_func=roles.ROLE_NAMES.get, key="acc_role_role")
        if st.form_submit_button("修改角色"):
            _act("manage_accounts", lambda store, who: store.set_role(name, role, who),
                 f"账号「{name}」：{roles.ROLE_NAMES[role_of[name]]} → {roles.ROLE_NAMES[role]}。")
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


def _settings(user: login.User) -> None:
    """Office settings kept in the store (key → value), and a form to set one."""
    st.subheader("办公室设置")
    current = resources.store().settings()
    if current:
        st.html("<br>".join(f'<div data-setting="{esc(k)}"><b>{esc(k)}</b>：{esc(json.dumps(v, ensure_ascii=False))}</div>'
                            for k, v in sorted(current.items())))
    else:
        st.caption("尚无设置。")
    if not user.can("manage_settings"):
        return
    with st.form("setting_put"):
        key = st.text_input("设置名称", key="set_key")
        value = st.text_input("值（数字、true/false 或文字）", key="set_value")
        if st.form_submit_button("保存设置") and key.strip():
            _act("manage_settings", lambda store, who: store.put_setting(key.strip(), parse_value(value), who),
                 f"已保存设置「{key.strip()}」。")
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
        st.caption("角色：查看（浏览、导出）· 编辑（另可上传、重命名、删除和恢复图层，编辑汇报）· 管理（另可管理账号和设置）。")
    _add_form(first=not accounts)
    if accounts:
        _edit_forms(accounts)
    _settings(user)


__all__ = ["render", "parse_value"]

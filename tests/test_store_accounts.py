"""Accounts and roles on both engines: hashed passwords, one message for a wrong name or password, rate limits,
sessions that expire, and the role table the command line and the app share."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import roles
from store import LoginError, StoreError
from store import schema as t
from store.accounts import FAILURE_WINDOW, MAX_ACCOUNT_FAILURES, MAX_CLIENT_FAILURES, SESSION_HOURS


def test_without_accounts_the_store_runs_open(store):
    assert not store.accounts_configured()
    assert store.role_for(None) == roles.OPEN_ROLE
    store.add_account("管理员", "correct horse", "管理", "命令行")
    assert store.accounts_configured()
    assert store.role_for(None) is None and store.role_for("not-a-token") is None


def test_passwords_are_stored_as_argon2_hashes_and_checked(store):
    store.add_account("admin", "correct horse", "管理", "命令行")
    with store.reading() as conn:
        stored = conn.execute(select(t.accounts.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    session = store.login("admin", "correct horse", client="10.0.0.1")
    assert session.role == roles.ADMIN and len(session.token) >= 40
    assert store.session(session.token).account == "admin"
    assert store.role_for(session.token) == roles.ADMIN


def test_a_wrong_password_and_an_unknown_name_get_the_same_chinese_message(store):
    store.add_account("admin", "correct horse", "管理", "命令行")
    with pytest.raises(LoginError) as wrong:
        store.login("admin", "wrong horse")
    with pytest.raises(LoginError) as unknown:
        store.login("nobody", "correct horse")
    assert wrong.value.message == unknown.value.message == "账号或密码不正确。"


def test_failed_logins_are_limited_per_account_then_allowed_again(store):
    store.add_account("admin", "correct horse", "管理", "命令行")
    for _ in range(MAX_ACCOUNT_FAILURES):
        with pytest.raises(LoginError, match="不正确"):
            store.login("admin", "guess")
    with pytest.raises(LoginError, match="失败次数过多"):
        store.login("admin", "correct horse")  # even the right password, while limited
    now = store.clock()
    store.clock = lambda: now + FAILURE_WINDOW + timedelta(seconds=1)
    assert store.login("admin", "correct horse").account == "admin"


@pytest.mark.slow
def test_failed_logins_are_limited_per_client_across_accounts(store):
    store.add_account("admin", "correct horse", "管理", "命令行")
    for i in range(MAX_CLIENT_FAILURES):
        with pytest.raises(LoginError, match="不正确"):
            store.login(f"user{i}", "guess", client="203.0.113.9")
    with pytest.raises(LoginError, match="失败次数过多"):
        store.login("admin", "correct horse", client="203.0.113.9")
    assert store.login("admin", "correct horse", client="198.51.100.1").account == "admin"


def test_sessions_expire_end_at_logout_and_at_a_password_change(store):
    store.add_account("admin", "correct horse", "管理", "命令行")
    first = store.login("admin", "correct horse")
    second = store.login("admin", "correct horse")
    store.logout(first.token)
    assert store.session(first.token) is None and store.session(second.token) is not None
    now = store.clock()
    store.clock = lambda: now + timedelta(hours=SESSION_HOURS, seconds=1)
    assert store.session(second.token) is None
    assert store.cleanup()["sessions"] == 1
    store.clock = lambda: now
    third = store.login("admin", "correct horse")
    store.set_password("admin", "battery staple", "admin")
    assert store.session(third.token) is None
    with pytest.raises(LoginError):
        store.login("admin", "correct horse")
    assert store.login("admin", "battery staple").account == "admin"


def test_roles_grant_what_the_issue_says(store):
    assert roles.permissions(roles.VIEWER) == {"browse", "export"}
    editor = roles.permissions(roles.EDITOR)
    assert {"upload", "rename", "remove", "edit_tour", "report_progress", "correct_positions"} <= editor
    assert "manage_accounts" not in editor and "manage_settings" not in editor
    assert roles.permissions(roles.ADMIN) == set(roles.PERMISSIONS)
    with pytest.raises(roles.PermissionDenied, match="「查看」角色无权上传图层"):
        roles.require(roles.VIEWER, "upload")
    with pytest.raises(roles.PermissionDenied, match="未登录用户"):
        roles.require(None, "browse")
    store.add_account("admin", "correct horse", "管理", "命令行")
    store.add_account("viewer", "correct horse", "查看", "admin")
    session = store.login("viewer", "correct horse")
    assert "upload" not in session.permissions and "browse" in session.permissions


def test_account_rules_keep_someone_able_to_manage(store):
    with pytest.raises(StoreError, match="第一个账号必须是「管理」"):
        store.add_account("editor", "correct horse", "编辑", "命令行")
    store.add_account("admin", "correct horse", "管理", "命令行")
    store.add_account("editor", "correct horse", "编辑", "admin")
    with pytest.raises(StoreError, match="已存在"):
        store.add_account("editor", "correct horse", "编辑", "admin")
    with pytest.raises(StoreError, match="至少需要 8 个字符"):
        store.add_account("short", "1234567", "编辑", "admin")
    with pytest.raises(roles.UnknownRole, match="没有名为「超级」的角色"):
        store.add_account("x", "correct horse", "超级", "admin")
    with pytest.raises(StoreError, match="最后一个「管理」账号"):
        store.set_role("admin", "编辑", "admin")
    with pytest.raises(StoreError, match="最后一个「管理」账号"):
        store.remove_account("admin", "admin")
    store.set_role("editor", "管理", "admin")
    store.remove_account("admin", "editor")
    assert [(a.name, a.role_name) for a in store.accounts()] == [("editor", "管理")]
    actions = [c.action for c in store.changes(kind="account")]
    assert actions == ["account.remove", "account.role", "account.add", "account.add"]
    assert all("correct horse" not in (c.summary + str(c.before) + str(c.after)) for c in store.changes())

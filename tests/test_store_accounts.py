"""Accounts and roles on both engines: hashed passwords, one message for a wrong name or password, login limits that
hold under 40 simultaneous attempts, sessions that expire (idle and absolute, office settings), 填报 accounts bound
to a unit, and the role table the command line and the app share."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import roles
from store import LoginError, StoreError
from store import schema as t
from store import accounts as acc
from store.accounts import FAILURE_WINDOW, IDLE_DEFAULT_HOURS, MAX_CLIENT_CHECKS, MAX_PAIR_CHECKS


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
    for _ in range(MAX_PAIR_CHECKS):
        with pytest.raises(LoginError, match="不正确"):
            store.login("admin", "guess")
    with pytest.raises(LoginError, match="尝试次数过多"):
        store.login("admin", "correct horse")  # even the right password, while limited
    now = store.clock()
    store.clock = lambda: now + FAILURE_WINDOW + timedelta(seconds=1)
    assert store.login("admin", "correct horse").account == "admin"


@pytest.mark.slow
def test_failed_logins_are_limited_per_client_across_accounts(store):
    store.add_account("admin", "correct horse", "管理", "命令行")
    for i in range(MAX_CLIENT_CHECKS):
        with pytest.raises(LoginError, match="不正确"):
            store.login(f"user{i}", "guess", client="203.0.113.9")
    with pytest.raises(LoginError, match="尝试次数过多"):
        store.login("admin", "correct horse", client="203.0.113.9")
    assert store.login("admin", "correct horse", client="198.51.100.1").account == "admin"


def test_sessions_expire_end_at_logout_and_at_a_password_change(store):
    store.add_account("admin", "correct horse", "管理", "命令行")
    first = store.login("admin", "correct horse")
    second = store.login("admin", "correct horse")
    store.logout(first.token)
    assert store.session(first.token) is None and store.session(second.token) is not None
    now = store.clock()
    store.clock = lambda: now + timedelta(hours=IDLE_DEFAULT_HOURS, seconds=1)
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


def _count_checks(monkeypatch) -> list:
    """Every password check the store makes from now on (the one verify function, counted)."""
    checks, lock = [], threading.Lock()
    real = acc.verify_password

    def counted(digest, password):
        with lock:
            checks.append(password)
        return real(digest, password)

    monkeypatch.setattr(acc, "verify_password", counted)
    return checks


@pytest.mark.slow
def test_forty_simultaneous_wrong_passwords_check_at_most_five(store, monkeypatch):
    store.add_account("admin", "correct horse", "管理", "命令行")
    checks = _count_checks(monkeypatch)
    start, outcomes = threading.Barrier(40), []

    def attempt(i):
        start.wait()
        try:
            store.login("admin", f"guess {i}", client="203.0.113.9")
        except LoginError as exc:
            outcomes.append(exc.message)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(40)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(outcomes) == 40 and len(checks) <= MAX_PAIR_CHECKS
    assert outcomes.count("账号或密码不正确。") == len(checks)
    assert sum("尝试次数过多" in m for m in outcomes) == 40 - len(checks)
    with pytest.raises(LoginError, match="尝试次数过多"):
        store.login("admin", "correct horse", client="203.0.113.9")  # refused without a check, even the right one
    assert len(checks) <= MAX_PAIR_CHECKS
    # another client is not locked out by it, and 管理 sees the lock-out in the change log
    assert store.login("admin", "correct horse", client="198.51.100.1").account == "admin"
    locked = store.changes(action="account.locked")
    assert len(locked) == 1 and "203.0.113.9" in locked[0].summary and locked[0].target == "admin"


def test_session_lifetimes_are_office_settings_idle_and_absolute(store):
    store.add_account("admin", "correct horse", "管理", "命令行")
    store.put_setting(acc.IDLE_SETTING, 1, "admin")
    store.put_setting(acc.MAX_SETTING, 2, "admin")
    start = store.clock()
    session = store.login("admin", "correct horse")
    for minutes in range(40, 48 * 60, 40):  # a request every 40 minutes keeps it for two days, not longer
        store.clock = lambda m=minutes: start + timedelta(minutes=m)
        assert store.session(session.token) is not None, minutes
    store.clock = lambda: start + timedelta(days=2, minutes=1)
    assert store.session(session.token) is None
    store.clock = lambda: start
    idle = store.login("admin", "correct horse")
    store.clock = lambda: start + timedelta(hours=1, seconds=1)
    assert store.session(idle.token) is None  # an hour without a request


def test_a_role_change_and_removal_count_on_the_next_check(store):
    store.add_account("admin", "correct horse", "管理", "命令行")
    store.add_account("wang", "correct horse", "编辑", "admin")
    session = store.login("wang", "correct horse", client="10.0.0.7")
    store.set_role("wang", "查看", "admin")
    assert store.session(session.token).role == roles.VIEWER
    store.remove_account("wang", "admin")
    assert store.session(session.token) is None and store.role_for(session.token) is None


def test_a_reporter_account_is_bound_to_its_unit(store):
    store.add_account("admin", "correct horse", "管理", "命令行")
    with pytest.raises(StoreError, match="须指定牵头单位"):
        store.add_account("zhang", "correct horse", "填报", "admin")
    with pytest.raises(StoreError, match="只有「填报」账号绑定牵头单位"):
        store.add_account("li", "correct horse", "编辑", "admin", unit="市经信委")
    store.add_account("zhang", "correct horse", "填报", "admin", unit="市经信委")
    assert roles.permissions(roles.REPORTER) == {"browse", "export", "report_progress"}
    session = store.login("zhang", "correct horse")
    assert (session.role, session.unit) == (roles.REPORTER, "市经信委")
    store.set_role("zhang", "填报", "admin", unit="市发改委")
    assert store.session(session.token).unit == "市发改委"
    store.set_role("zhang", "编辑", "admin")
    assert store.session(session.token).unit is None
    assert [a.unit for a in store.accounts()] == [None, None]

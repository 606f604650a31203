"""Accounts, logins and sessions kept in the store, so every app process sees the same ones.

Passwords are hashed with Argon2 (argon2-cffi); a session is a random token whose SHA-256 and expiry are
stored; failed logins are counted per account and per client (e.g. the browser's address) and refused for a
while past a limit. With no account configured the app runs open (``accounts_configured()`` is False).
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, delete, func, insert, select, update

from core import roles
from store import schema as t
from store.errors import LoginError, StoreError

#: A session lasts this long from login.
SESSION_HOURS = 12
#: Failed logins counted over this window …
FAILURE_WINDOW = timedelta(minutes=15)
#: … refuse an account after this many failures on it, and a client after this many from it.
MAX_ACCOUNT_FAILURES = 5
MAX_CLIENT_FAILURES = 20
MIN_PASSWORD = 8
MAX_ACCOUNT_NAME = 40

_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so a wrong name costs as long as a wrong password."""
    return _HASHER.hash("chaohu-no-such-account")


@dataclass(frozen=True)
class Account:
    """An office account: its name and role (查看 / 编辑 / 管理)."""

    name: str
    role: str
    created_by: str
    created_at: datetime

    @property
    def role_name(self) -> str:
        """The role in Chinese."""
        return roles.ROLE_NAMES[self.role]


@dataclass(frozen=True)
class Session:
    """A logged-in user: the token the browser keeps, who it is, the role and when it ends."""

    token: str
    account: str
    role: str
    expires_at: datetime

    @property
    def permissions(self) -> frozenset[str]:
        """What this user may do (core.roles)."""
        return roles.permissions(self.role)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise StoreError(f"密码至少需要 {MIN_PASSWORD} 个字符。")


def _check_name(name: str) -> str:
    name = str(name or "").strip()
    if not name or len(name) > MAX_ACCOUNT_NAME or any(ch.isspace() or not ch.isprintable() for ch in name):
        raise StoreError(f"账号名称须为 1–{MAX_ACCOUNT_NAME} 个字符，不含空格。")
    return name


class AccountsMixin:
    """Accounts, sessions and login rate limits for ``Store`` (uses its transaction, reading and clock)."""

    # ------------------------------------------------------------ accounts

    def accounts_configured(self) -> bool:
        """Whether any account exists; without one the app runs open (everyone has ``roles.OPEN_ROLE``)."""
        with self.reading() as conn:
            return conn.execute(select(func.count()).select_from(t.accounts)).scalar_one() > 0

    def accounts(self) -> list[Account]:
        """Every account, by name."""
        with self.reading() as conn:
            rows = conn.execute(select(t.accounts).order_by(t.accounts.c.name))
            return [Account(r.name, r.role, r.created_by, r.created_at) for r in rows]

    def _account_row(self, conn, name: str):
        row = conn.execute(select(t.accounts).where(t.accounts.c.name == name)).first()
        if row is None:
            raise StoreError(f"没有名为「{name}」的账号。")
        return row

    def _admins_left(self, conn, without: str) -> int:
        return conn.execute(select(func.count()).select_from(t.accounts)
                            .where(t.accounts.c.role == roles.ADMIN, t.accounts.c.name != without)).scalar_one()

    def add_account(self, name: str, password: str, role: str, user: str) -> Account:
        """Create an account; the first one must be 管理 (someone has to be able to manage the rest)."""
        name, role = _check_name(name), roles.role_id(role)
        _check_password(password)
        digest = _HASHER.hash(password)
        with self.transaction(user, "account", "account.add", name) as change:
            if change.conn.execute(select(t.accounts.c.name).where(t.accounts.c.name == name)).first() is not None:
                raise StoreError(f"账号「{name}」已存在。")
            if role != roles.ADMIN and self._admins_left(change.conn, name) == 0:
                raise StoreError("第一个账号必须是「管理」角色，否则没有人能管理账号。")
            now = self.clock()
            change.conn.execute(insert(t.accounts).values(name=name, role=role, password_hash=digest, created_by=change.user,
                                                          created_at=now, updated_at=now))
            change.summary = f"添加账号「{name}」（{roles.ROLE_NAMES[role]}）"
            change.after = {"name": name, "role": role}
        return Account(name, role, change.user, now)

    def set_password(self, name: str, password: str, user: str) -> None:
        """Change an account's password; its sessions end (log in again with the new one)."""
        _check_password(password)
        digest = _HASHER.hash(password)
        with self.transaction(user, "account", "account.password", name) as change:
            self._account_row(change.conn, name)
            change.conn.execute(update(t.accounts).where(t.accounts.c.name == name)
                                .values(password_hash=digest, updated_at=self.clock()))
            change.conn.execute(delete(t.sessions).where(t.sessions.c.account == name))
            change.summary = f"修改账号「{name}」的密码（已登录的会话失效）"

    def set_role(self, name: str, role: str, user: str) -> None:
        """Change an account's role; the last 管理 account cannot be demoted."""
        role = roles.role_id(role)
        with self.transaction(user, "account", "account.role", name) as change:
            row = self._account_row(change.conn, name)
            if row.role == role:
                change.record = False
                return
            if row.role == roles.ADMIN and self._admins_left(change.conn, name) == 0:
                raise StoreError(f"「{name}」是最后一个「管理」账号，不能改为其他角色。")
            change.conn.execute(update(t.accounts).where(t.accounts.c.name == name).values(role=role, updated_at=self.clock()))
            change.summary = f"账号「{name}」：{roles.ROLE_NAMES[row.role]} → {roles.ROLE_NAMES[role]}"
            change.before, change.after = {"role": row.role}, {"role": role}

    def remove_account(self, name: str, user: str) -> None:
        """Delete an account and its sessions; the last 管理 account stays unless it is the only account."""
        with self.transaction(user, "account", "account.remove", name) as change:
            row = self._account_row(change.conn, name)
            others = change.conn.execute(select(func.count()).select_from(t.accounts).where(t.accounts.c.name != name)).scalar_one()
            if row.role == roles.ADMIN and others and self._admins_left(change.conn, name) == 0:
                raise StoreError(f"「{name}」是最后一个「管理」账号，请先把另一个账号设为「管理」。")
            change.conn.execute(delete(t.sessions).where(t.sessions.c.account == name))
            change.conn.execute(delete(t.accounts).where(t.accounts.c.name == name))
            change.summary = f"删除账号「{name}」（{roles.ROLE_NAMES[row.role]}）"
            change.before = {"name": name, "role": row.role}

    # ------------------------------------------------------------ logins and sessions

    def _failures(self, conn, key: str, since: datetime) -> int:
        return conn.execute(select(func.count()).select_from(t.login_failures)
                            .where(t.login_failures.c.key == key, t.login_failures.c.at > since)).scalar_one()

    def login(self, name: str, password: str, client: str = "") -> Session:
        """Check a name and password; a new session, or LoginError (Chinese) when wrong or rate-limited."""
        name = str(name or "").strip()
        now = self.clock()
        since = now - FAILURE_WINDOW
        keys = [f"account:{name}"] + ([f"client:{client}"] if client else [])
        with self.guard(), self._write_lock(), self.engine.begin() as conn:
            if (self._failures(conn, keys[0], since) >= MAX_ACCOUNT_FAILURES
                    or (client and self._failures(conn, keys[1], since) >= MAX_CLIENT_FAILURES)):
                minutes = int(FAILURE_WINDOW.total_seconds() // 60)
                raise LoginError(f"登录失败次数过多，请 {minutes} 分钟后再试。")
            row = conn.execute(select(t.accounts).where(t.accounts.c.name == name)).first()
            try:
                _HASHER.verify(row.password_hash if row is not None else _dummy_hash(), password or "")
                ok = row is not None
            except (VerificationError, InvalidHashError):
                ok = False
            if not ok:
                conn.execute(insert(t.login_failures), [{"key": k, "at": now} for k in keys])
        if not ok:  # the failure rows are committed above; the refusal says nothing about which part was wrong
            raise LoginError("账号或密码不正确。")
        token = secrets.token_urlsafe(32)
        expires = now + timedelta(hours=SESSION_HOURS)
        with self.guard(), self._write_lock(), self.engine.begin() as conn:
            conn.execute(delete(t.login_failures).where(t.login_failures.c.key == keys[0]))
            conn.execute(insert(t.sessions).values(token_hash=_token_hash(token), account=name, created_at=now, expires_at=expires))
            if _HASHER.check_needs_rehash(row.password_hash):
                conn.execute(update(t.accounts).where(t.accounts.c.name == name).values(password_hash=_HASHER.hash(password)))
        return Session(token, name, row.role, expires)

    def session(self, token: str | None) -> Session | None:
        """The session a browser's token stands for, or None (unknown, expired, or the account was removed)."""
        if not token:
            return None
        with self.reading() as conn:
            row = conn.execute(select(t.sessions.c.account, t.sessions.c.expires_at, t.accounts.c.role)
                               .join(t.accounts, t.accounts.c.name == t.sessions.c.account)
                               .where(t.sessions.c.token_hash == _token_hash(token))).first()
        if row is None or row.expires_at <= self.clock():
            return None
        return Session(token, row.account, row.role, row.expires_at)

    def logout(self, token: str) -> None:
        """End a session."""
        with self.guard(), self._write_lock(), self.engine.begin() as conn:
            conn.execute(delete(t.sessions).where(t.sessions.c.token_hash == _token_hash(token)))

    def role_for(self, token: str | None) -> str | None:
        """The role in effect for a browser: ``OPEN_ROLE`` when no account exists, else its session's role or None."""
        if not self.accounts_configured():
            return roles.OPEN_ROLE
        session = self.session(token)
        return session.role if session else None

    def expire_sessions(self) -> dict:
        """Delete expired sessions and failures older than the rate-limit window; how many of each."""
        now = self.clock()
        with self.guard(), self._write_lock(), self.engine.begin() as conn:
            s = conn.execute(delete(t.sessions).where(t.sessions.c.expires_at <= now)).rowcount
            f = conn.execute(delete(t.login_failures).where(and_(t.login_failures.c.at <= now - FAILURE_WINDOW))).rowcount
        return {"sessions": s, "failures": f}

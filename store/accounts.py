"""Accounts, logins and sessions kept in the store, so every app process (and a restart) sees the same ones.

Passwords are hashed with Argon2 (argon2-cffi). A session is a random token kept by the browser in an HttpOnly
cookie (``COOKIE``); the store keeps only its SHA-256, the account, when it was made, when it was last seen and
the address it logged in from. A session ends at logout, at a password change, when its account is removed, after
``session_idle_hours`` without a request (default 8) and ``session_max_days`` after the login (default 7) — both
office settings. Every check reads the account's role (and unit) afresh, so a change counts on the next action.

Password checks are limited with atomic counters (``INSERT … ON CONFLICT DO UPDATE … RETURNING``, both engines),
taken BEFORE the password is checked: per account and client (5 per 15 minutes), per client (20) and per account
from all clients (50). Past a limit the attempt is refused without checking the password; the first refusal of an
account is written to the change log for 管理. With no account configured the app runs open
(``accounts_configured()`` is False).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core import roles
from store import schema as t
from store.change import Change
from store.errors import LoginError, StoreError
from store.labels import IDLE_SETTING, MAX_SETTING, PROXIES_SETTING

#: The browser cookie holding the session token (HttpOnly, SameSite=Lax; Secure over HTTPS).
COOKIE = "chaohu_session"
#: Office settings (store settings) and their defaults: the idle and the absolute lifetime of a session, and the
#: addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed.
IDLE_DEFAULT_HOURS, MAX_DEFAULT_DAYS = 8, 7  # the settings' keys and labels: store.labels.SETTINGS
#: A session's last-seen time is written at most this often (a tile request is not a write).
TOUCH_EVERY = timedelta(minutes=1)
#: Password checks are counted over this window …
FAILURE_WINDOW = timedelta(minutes=15)
#: … and refused past these many: per account from one client, per client, per account from every client.
MAX_PAIR_CHECKS = 5
MAX_CLIENT_CHECKS = 20
MAX_ACCOUNT_CHECKS = 50
#: Who the change log names for a login lock-out (no person did it).
GUARD_USER = "（登录保护）"
MIN_PASSWORD = 8
MAX_ACCOUNT_NAME = 40

_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so a wrong name costs as long as a wrong password."""
    return _HASHER.hash("chaohu-no-such-account")


def verify_password(digest: str, password: str) -> bool:
    """Whether the password matches the Argon2 digest (the one place a password is checked)."""
    try:
        return _HASHER.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Account:
    """An office account: its name, role (查看 / 填报 / 编辑 / 管理) and, for 填报, its lead unit."""

    name: str
    role: str
    created_by: str
    created_at: datetime
    unit: str | None = None

    @property
    def role_name(self) -> str:
        """The role in Chinese."""
        return roles.ROLE_NAMES[self.role]


@dataclass(frozen=True)
class Session:
    """A logged-in user: the token the browser keeps, who it is, the role, its unit (填报) and when it ends if idle."""

    token: str
    account: str
    role: str
    expires_at: datetime
    unit: str | None = None

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


def _check_unit(role: str, unit: str | None) -> str | None:
    """The unit a role is bound to: required for 填报, refused for the others."""
    unit = str(unit or "").strip() or None
    if role in roles.UNIT_ROLES and unit is None:
        raise StoreError(f"「{roles.ROLE_NAMES[role]}」账号须指定牵头单位（如 市经信委）。")
    if role not in roles.UNIT_ROLES and unit is not None:
        raise StoreError(f"只有「{'、'.join(roles.ROLE_NAMES[r] for r in roles.UNIT_ROLES)}」账号绑定牵头单位。")
    return unit


def _positive(value, default: float) -> float:
    """A lifetime setting as a positive number, or the default when unset or not one."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) and number > 0 else default


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
            rows = conn.execute(select(t.accounts, t.account_units.c.unit)
                                .outerjoin(t.account_units, t.account_units.c.account == t.accounts.c.name)
                                .order_by(t.accounts.c.name))
            return [Account(r.name, r.role, r.created_by, r.created_at, r.unit) for r in rows]

    def _account_row(self, conn, name: str):
        row = conn.execute(select(t.accounts).where(t.accounts.c.name == name)).first()
        if row is None:
            raise StoreError(f"没有名为「{name}」的账号。")
        return row

    def _admins_left(self, conn, without: str) -> int:
        return conn.execute(select(func.count()).select_from(t.accounts)
                            .where(t.accounts.c.role == roles.ADMIN, t.accounts.c.name != without)).scalar_one()

    def add_account(self, name: str, password: str, role: str, user: str, unit: str | None = None) -> Account:
        """Create an account; the first one must be 管理 (someone has to be able to manage the rest); a 填报 account
        names its lead unit."""
        name, role = _check_name(name), roles.role_id(role)
        unit = _check_unit(role, unit)
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
            if unit is not None:
                change.conn.execute(insert(t.account_units).values(account=name, unit=unit))
            change.summary = f"添加账号「{name}」（{roles.ROLE_NAMES[role]}{f'，{unit}' if unit else ''}）"
            change.after = {"name": name, "role": role, "unit": unit}
        return Account(name, role, change.user, now, unit)

    def set_password(self, name: str, password: str, user: str) -> None:
        """Change an account's password; its sessions end (log in again with the new one)."""
        _check_password(password)
        digest = _HASHER.hash(password)
        with self.transaction(user, "account", "account.password", name) as change:
            self._account_row(change.conn, name)
            change.conn.execute(update(t.accounts).where(t.accounts.c.name == name)
                                .values(password_hash=digest, updated_at=self.clock()))
            change.conn.execute(delete(t.login_sessions).where(t.login_sessions.c.account == name))
            change.summary = f"修改账号「{name}」的密码（已登录的会话失效）"

    def set_role(self, name: str, role: str, user: str, unit: str | None = None) -> None:
        """Change an account's role (and lead unit, for 填报); the last 管理 account cannot be demoted."""
        role = roles.role_id(role)
        unit = _check_unit(role, unit)
        units = t.account_units
        with self.transaction(user, "account", "account.role", name) as change:
            row = self._account_row(change.conn, name)
            old_unit = change.conn.execute(select(units.c.unit).where(units.c.account == name)).scalar()
            if row.role == role and old_unit == unit:
                change.record = False
                return
            if row.role == roles.ADMIN and role != roles.ADMIN and self._admins_left(change.conn, name) == 0:
                raise StoreError(f"「{name}」是最后一个「管理」账号，不能改为其他角色。")
            change.conn.execute(update(t.accounts).where(t.accounts.c.name == name).values(role=role, updated_at=self.clock()))
            change.conn.execute(delete(units).where(units.c.account == name))
            if unit is not None:
                change.conn.execute(insert(units).values(account=name, unit=unit))
            was, now = (f"{roles.ROLE_NAMES[r]}{f'（{u}）' if u else ''}" for r, u in ((row.role, old_unit), (role, unit)))
            change.summary = f"账号「{name}」：{was} → {now}"
            change.before, change.after = {"role": row.role, "unit": old_unit}, {"role": role, "unit": unit}

    def remove_account(self, name: str, user: str) -> None:
        """Delete an account and its sessions; the last 管理 account stays unless it is the only account."""
        with self.transaction(user, "account", "account.remove", name) as change:
            row = self._account_row(change.conn, name)
            others = change.conn.execute(select(func.count()).select_from(t.accounts).where(t.accounts.c.name != name)).scalar_one()
            if row.role == roles.ADMIN and others and self._admins_left(change.conn, name) == 0:
                raise StoreError(f"「{name}」是最后一个「管理」账号，请先把另一个账号设为「管理」。")
            change.conn.execute(delete(t.login_sessions).where(t.login_sessions.c.account == name))
            change.conn.execute(delete(t.account_units).where(t.account_units.c.account == name))
            change.conn.execute(delete(t.accounts).where(t.accounts.c.name == name))
            change.summary = f"删除账号「{name}」（{roles.ROLE_NAMES[row.role]}）"
            change.before = {"name": name, "role": row.role}

    # ------------------------------------------------------------ logins and sessions

    def session_lifetimes(self) -> tuple[timedelta, timedelta]:
        """(idle, absolute) lifetime of a session: the office settings, or 8 hours and 7 days."""
        with self.reading() as conn:
            return self._lifetimes(conn)

    def _lifetimes(self, conn) -> tuple[timedelta, timedelta]:
        values = dict(conn.execute(select(t.settings.c.key, t.settings.c.value)
                                   .where(t.settings.c.key.in_([IDLE_SETTING, MAX_SETTING]))).all())
        idle = _positive(json.loads(values[IDLE_SETTING]) if IDLE_SETTING in values else None, IDLE_DEFAULT_HOURS)
        absolute = _positive(json.loads(values[MAX_SETTING]) if MAX_SETTING in values else None, MAX_DEFAULT_DAYS)
        return timedelta(hours=idle), timedelta(days=absolute)

    def trusted_proxies(self) -> list[str]:
        """Addresses or networks (CIDR) of the reverse proxies whose forwarded headers count (office setting)."""
        value = self.setting(PROXIES_SETTING, [])
        return [str(v) for v in value] if isinstance(value, list) else [str(value)] if value else []

    def _bump(self, conn, key: str, now: datetime) -> int:
        """Count one password check for `key` atomically (insert or increment in one statement); the count in the window."""
        c = t.login_counters.c
        stale = c.window_start <= now - FAILURE_WINDOW
        make = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
        query = (make(t.login_counters).values(key=key, window_start=now, attempts=1)
                 .on_conflict_do_update(index_elements=[c.key], set_={
                     "attempts": case((stale, 1), else_=c.attempts + 1),
                     "window_start": case((stale, now), else_=c.window_start)})
                 .returning(c.attempts))
        return conn.execute(query).scalar_one()

    def _locked_out(self, conn, name: str, client: str, now: datetime) -> bool:
        """Take this attempt's place in the counters; True when a limit is passed (then the password is not checked)."""
        limits = [(f"pair:{name}|{client}", MAX_PAIR_CHECKS)] + ([(f"client:{client}", MAX_CLIENT_CHECKS)] if client else [])
        limits.append((f"account:{name}", MAX_ACCOUNT_CHECKS))
        for key, limit in limits:
            count = self._bump(conn, key, now)
            if count <= limit:
                continue
            known = conn.execute(select(t.accounts.c.name).where(t.accounts.c.name == name)).first() is not None
            if count == limit + 1 and known and not key.startswith("client:"):  # the first refusal, announced to 管理
                minutes = int(FAILURE_WINDOW.total_seconds() // 60)
                where = f"来自 {client or '未知地址'} 的" if key.startswith("pair:") else "来自各地址的"
                self._log(conn, Change(conn=conn, user=GUARD_USER, kind="account", action="account.locked", target=name,
                                       summary=f"账号「{name}」{where}登录尝试过多，已暂停 {minutes} 分钟",
                                       after={"client": client, "attempts": count}))
            return True
        return False

    def login(self, name: str, password: str, client: str = "") -> Session:
        """Check a name and password; a new session, or LoginError (Chinese) when wrong or past a limit.

        The attempt is counted before the password is checked, so any number of simultaneous attempts check at most
        ``MAX_PAIR_CHECKS`` passwords per account and client in a window.
        """
        name, client = str(name or "").strip(), str(client or "").strip()
        now = self.clock()
        with self.guard(), self._write_lock(), self.engine.begin() as conn:
            refused = self._locked_out(conn, name, client, now)
            row = None if refused else conn.execute(select(t.accounts).where(t.accounts.c.name == name)).first()
        if refused:
            minutes = int(FAILURE_WINDOW.total_seconds() // 60)
            raise LoginError(f"登录尝试次数过多，请 {minutes} 分钟后再试。")
        ok = verify_password(row.password_hash if row is not None else _dummy_hash(), password or "") and row is not None
        if not ok:  # said the same way for an unknown name and a wrong password
            raise LoginError("账号或密码不正确。")
        token = secrets.token_urlsafe(32)
        with self.guard(), self._write_lock(), self.engine.begin() as conn:
            conn.execute(delete(t.login_counters).where(t.login_counters.c.key == f"pair:{name}|{client}"))
            conn.execute(insert(t.login_sessions).values(token_hash=_token_hash(token), account=name, created_at=now,
                                                         last_seen_at=now, client=client))
            if _HASHER.check_needs_rehash(row.password_hash):
                conn.execute(update(t.accounts).where(t.accounts.c.name == name).values(password_hash=_HASHER.hash(password)))
            unit = conn.execute(select(t.account_units.c.unit).where(t.account_units.c.account == name)).scalar()
        idle, absolute = self.session_lifetimes()
        return Session(token, name, row.role, min(now + idle, now + absolute), unit)

    def session(self, token: str | None) -> Session | None:
        """The session a browser's token stands for now, or None (unknown, idle or too old, logged out, account removed).

        Reads the account's role and unit afresh; notes the request as the session's last one (at most once a minute).
        """
        if not token:
            return None
        with self.reading() as conn:
            found = self._session_row(conn, token)
        return self._live(token, found)

    def admits(self, token: str | None) -> bool:
        """Whether a request may pass: the office runs open (no account), or the token's session is live now.

        One connection for the whole check (the session gate asks this on every guarded request)."""
        with self.reading() as conn:
            if conn.execute(select(func.count()).select_from(t.accounts)).scalar_one() == 0:
                return True
            found = self._session_row(conn, token) if token else None
        return self._live(token, found) is not None

    def _session_row(self, conn, token: str):
        """(row, idle, absolute) for a token, or None when no session has it."""
        s = t.login_sessions.c
        row = conn.execute(select(s.account, s.created_at, s.last_seen_at, t.accounts.c.role, t.account_units.c.unit)
                           .join(t.accounts, t.accounts.c.name == s.account)
                           .outerjoin(t.account_units, t.account_units.c.account == s.account)
                           .where(s.token_hash == _token_hash(token))).first()
        return None if row is None else (row, *self._lifetimes(conn))

    def _live(self, token: str, found) -> Session | None:
        """The session of a row that is within both lifetimes (its last-seen time moved on), else None."""
        if found is None:
            return None
        row, idle, absolute = found
        now = self.clock()
        if row.created_at + absolute <= now or row.last_seen_at + idle <= now:
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            with self.guard(), self._write_lock(), self.engine.begin() as conn:
                conn.execute(update(t.login_sessions).where(t.login_sessions.c.token_hash == _token_hash(token))
                             .values(last_seen_at=now))
        return Session(token, row.account, row.role, min(now + idle, row.created_at + absolute), row.unit)

    def logout(self, token: str) -> None:
        """End a session."""
        with self.guard(), self._write_lock(), self.engine.begin() as conn:
            conn.execute(delete(t.login_sessions).where(t.login_sessions.c.token_hash == _token_hash(token)))

    def role_for(self, token: str | None) -> str | None:
        """The role in effect for a browser: ``OPEN_ROLE`` when no account exists, else its session's role or None."""
        if not self.accounts_configured():
            return roles.OPEN_ROLE
        session = self.session(token)
        return session.role if session else None

    def expire_sessions(self) -> dict:
        """Delete sessions past their idle or absolute lifetime and counters past the window; how many of each."""
        idle, absolute = self.session_lifetimes()
        now = self.clock()
        s = t.login_sessions.c
        with self.guard(), self._write_lock(), self.engine.begin() as conn:
            ended = conn.execute(delete(t.login_sessions).where(or_(s.created_at <= now - absolute,
                                                                    s.last_seen_at <= now - idle))).rowcount
            counters = conn.execute(delete(t.login_counters)
                                    .where(t.login_counters.c.window_start <= now - FAILURE_WINDOW)).rowcount
        return {"sessions": ended, "failures": counters}

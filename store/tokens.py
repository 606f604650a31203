"""Access tokens for desktop clients (QGIS, ArcGIS): ``Authorization: Bearer TOKEN`` on the app's /ogc and /api routes.

A token stands for one account and carries its role at the time of use; only its SHA-256 is stored. It lasts
until revoked (``python -m loaders accounts token NAME --revoke`` revokes every token of the account); removing
the account ends its tokens too. Each issue and revocation is one transaction with its change-log row.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import insert, select, update

from store import schema as t
from store.errors import StoreError


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(store, name: str, user: str) -> str:
    """A new token for account `name` (StoreError in Chinese when there is no such account); shown once."""
    token = secrets.token_urlsafe(32)
    with store.transaction(user, "account", "account.token", name) as change:
        if change.conn.execute(select(t.accounts.c.name).where(t.accounts.c.name == name)).first() is None:
            raise StoreError(f"没有名为「{name}」的账号。")
        change.conn.execute(insert(t.api_tokens).values(token_hash=_hash(token), account=name, created_by=change.user,
                                                        created_at=store.clock()))
        change.summary = f"为账号「{name}」发放访问令牌（桌面 GIS 使用）"
    return token


def revoke_tokens(store, name: str, user: str) -> int:
    """Revoke every token of account `name`; how many were in force."""
    with store.transaction(user, "account", "account.token_revoke", name) as change:
        count = change.conn.execute(update(t.api_tokens)
                                    .where(t.api_tokens.c.account == name, t.api_tokens.c.revoked_at.is_(None))
                                    .values(revoked_at=store.clock())).rowcount
        change.record = count > 0
        change.summary = f"吊销账号「{name}」的 {count} 个访问令牌"
    return count


def token_role(store, token: str | None) -> tuple[str, str] | None:
    """(account, role) a token in force stands for, or None (unknown, revoked, or the account was removed)."""
    if not token:
        return None
    with store.reading() as conn:
        row = conn.execute(select(t.api_tokens.c.account, t.accounts.c.role)
                           .join(t.accounts, t.accounts.c.name == t.api_tokens.c.account)
                           .where(t.api_tokens.c.token_hash == _hash(token), t.api_tokens.c.revoked_at.is_(None))).first()
    return None if row is None else (row.account, row.role)

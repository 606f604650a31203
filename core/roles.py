"""Who may do what: the three office roles and their permissions, declared once for the command line and the app.

A role is 查看 (browse, export), 填报 (also report progress, for the one lead unit its account is bound to), 编辑
(also change shared data) or 管理 (also accounts and settings). With no
accounts configured the app runs open, as one planner's laptop: every permission is granted (``OPEN_ROLE``).
"""

from __future__ import annotations

from core.errors import ChaohuError

#: Permission id → what it allows, in Chinese (shown when a permission is refused).
PERMISSIONS = {
    "browse": "浏览地图和数据",
    "export": "导出数据和汇报",
    "upload": "上传图层",
    "rename": "重命名图层",
    "remove": "删除和恢复图层",
    "edit_tour": "编辑汇报",
    "report_progress": "填报进展",
    "review_progress": "审核和撤回进展填报",
    "remind_units": "催办牵头单位和发布通报",
    "correct_positions": "校正位置",
    "manage_accounts": "管理账号",
    "manage_settings": "修改设置",
}

VIEWER, REPORTER, EDITOR, ADMIN = "viewer", "reporter", "editor", "admin"
#: Role id → Chinese name (what planners type and see).
ROLE_NAMES = {VIEWER: "查看", REPORTER: "填报", EDITOR: "编辑", ADMIN: "管理"}
_VIEW = frozenset({"browse", "export"})
_REPORT = _VIEW | {"report_progress"}
#: The office (编辑 and 管理) accepts or returns the units' reports; a 填报 account only submits them.
_EDIT = _REPORT | {"upload", "rename", "remove", "edit_tour", "correct_positions", "review_progress", "remind_units"}
#: Role id → the permissions it grants (each role includes the one before it).
ROLE_PERMISSIONS = {VIEWER: _VIEW, REPORTER: frozenset(_REPORT), EDITOR: frozenset(_EDIT), ADMIN: frozenset(PERMISSIONS)}
#: Roles whose account is bound to one lead unit (reports that unit's items only).
UNIT_ROLES = frozenset({REPORTER})
#: The role everyone has while no account is configured (a laptop in a meeting room).
OPEN_ROLE = ADMIN


class PermissionDenied(ChaohuError):
    """The current user's role does not allow this action (Chinese message naming the action and the role)."""


class UnknownRole(ChaohuError):
    """A role name that is none of 查看 / 编辑 / 管理."""


def role_id(name: str) -> str:
    """The role id for a Chinese name or an id (查看/viewer, 编辑/editor, 管理/admin); UnknownRole otherwise."""
    name = str(name).strip()
    if name in ROLE_PERMISSIONS:
        return name
    for rid, label in ROLE_NAMES.items():
        if label == name:
            return rid
    raise UnknownRole(f"没有名为「{name}」的角色，可用角色：{'、'.join(ROLE_NAMES.values())}。")


def permissions(role: str | None) -> frozenset[str]:
    """The permissions of a role (None: no role, nothing allowed)."""
    return ROLE_PERMISSIONS.get(role, frozenset()) if role else frozenset()


def allowed(role: str | None, permission: str) -> bool:
    """Whether a role grants a permission."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)
    return permission in permissions(role)


def require(role: str | None, permission: str) -> None:
    """Raise PermissionDenied (Chinese) unless the role grants the permission."""
    if not allowed(role, permission):
        who = f"「{ROLE_NAMES[role]}」角色" if role in ROLE_NAMES else "未登录用户"
        raise PermissionDenied(f"{who}无权{PERMISSIONS[permission]}，请联系管理员。")

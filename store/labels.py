"""The change log's actions declared once: each action id with its Chinese label, its kind, the permission undoing it
needs and the ``Store`` method that undoes it; the kinds and documents in Chinese. Cheap to import (command lines).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.progress import YEAR_LABEL, YEAR_SETTING

#: Who a change is recorded as when nobody is logged in (the app running open on a laptop, a script).
LOCAL_USER = "本机用户"


@dataclass(frozen=True)
class Action:
    """One kind of logged change. ``undo`` names the ``Store`` method ``(record, user) -> str`` reversing it (None:
    cannot be undone); ``undo_permission`` is the ``core.roles`` permission that needs (the same as making the change,
    None: the 变更记录 page does not offer it); ``needs_before``: only a change that replaced something can be undone."""

    id: str
    label: str
    undo: str | None = None
    undo_permission: str | None = None
    needs_before: bool = False

    @property
    def kind(self) -> str:
        """The kind of thing changed (the id's first part: layer, document, setting, …), a key of ``KINDS``."""
        return self.id.split(".", 1)[0]


#: Action id → the action (the change log shows the labels; ``Store.undo`` and the 变更记录 page read the rest).
ACTIONS = {a.id: a for a in (
    Action("layer.add", "添加图层", "_undo_layer_add", "remove"),
    Action("layer.rename", "重命名图层", "_undo_layer_rename", "rename"),
    Action("layer.remove", "删除图层（移入回收站）", "_undo_layer_remove", "remove"),
    Action("layer.restore", "恢复图层", "_undo_layer_add", "remove"),
    Action("layer.purge", "彻底删除图层（回收站到期）"),
    Action("document.put", "修改文档", "_undo_document_put", None, needs_before=True),
    Action("setting.put", "修改设置", "_undo_setting_put", "manage_settings", needs_before=True),
    Action("account.add", "添加账号"),
    Action("account.password", "修改密码"),
    Action("account.role", "修改角色"),
    Action("account.remove", "删除账号"),
    Action("account.locked", "登录尝试过多（暂停登录）"),
    Action("account.token", "发放访问令牌"),
    Action("account.token_revoke", "吊销访问令牌"),
    Action("store.migrate", "迁移数据"),
    Action("correction.add", "校正位置"),
    Action("correction.revert", "撤销校正"),
    Action("correction.import", "导入校正"),
    Action("progress.report", "填报进展", "_undo_progress_report", "report_progress"),
    Action("progress.withdraw", "撤回进展填报", "_undo_progress_withdraw", "report_progress"),
    Action("progress.reinstate", "恢复进展填报", "_undo_progress_reinstate", "report_progress"),
    Action("progress.accept", "采纳进展填报", "_undo_progress_review", "review_progress"),
    Action("progress.return", "退回进展填报", "_undo_progress_review", "review_progress"),
    Action("progress.reopen", "撤销审核（恢复为待审核）"),
    Action("reminder.add", "催办"),
    Action("bulletin.publish", "发布通报"),
)}
#: Chinese label of the kinds of things the log records (filters on the 变更记录 page).
KINDS = {"layer": "图层", "document": "文档", "setting": "设置", "account": "账号", "store": "数据库",
         "correction": "位置校正", "progress": "实施进展", "reminder": "催办", "bulletin": "通报"}
#: Documents the app keeps, with their Chinese names (anything else is shown by its id).
DOCUMENT_NAMES = {"tour": "汇报"}
#: Document → the permission bringing back an earlier version needs (the same as editing it).
DOCUMENT_PERMISSION = {"tour": "edit_tour"}

#: The office settings the store keeps (key → how planners read it); 账号管理 and 变更记录 show the label, never the key.
IDLE_SETTING, MAX_SETTING, PROXIES_SETTING = "session_idle_hours", "session_max_days", "trusted_proxies"
SETTINGS = {
    YEAR_SETTING: YEAR_LABEL,
    IDLE_SETTING: "登录闲置时限（小时）",
    MAX_SETTING: "登录最长有效期（天）",
    PROXIES_SETTING: "可信的反向代理地址",
}
#: The before → after fields of logged changes as planners read them (变更记录); ids only a program reads are hidden.
FIELDS = {
    "name": "名称", "features": "要素数", "source": "来源", "removed": "在回收站", "version": "版本", "value": "值",
    "role": "角色", "unit": "牵头单位", "content": "内容", "accuracy": "位置精度", "source_date": "来源日期",
    "method": "校正方式", "entries": "校正条数", "count": "条数", "items": "事项", "withdrawn": "已撤回",
    "attempts": "尝试次数", "client": "来源地址", "layers": "图层", "recycle_bin": "回收站", "documents": "文档",
    "settings": "设置", "accounts": "账号", "account_units": "账号所属单位", "changes": "变更记录",
    "progress": "进展填报", "progress_withdrawals": "撤回的填报", "corrections": "位置校正",
}
HIDDEN_FIELDS = frozenset({"layer_id", "uid", "reverts", "batch", "places"})


def setting_label(key: str) -> str:
    """A setting in Chinese (起始年份 …); a key not declared here (set by hand) as it is."""
    return SETTINGS.get(key, key)


def action_label(action_id: str) -> str:
    """An action in Chinese (an id no longer declared is shown as it is)."""
    action = ACTIONS.get(action_id)
    return action.label if action else action_id


def undoable(action_id: str, before) -> Action | None:
    """The action when a change of it (with this ``before``) can be reversed, else None."""
    action = ACTIONS.get(action_id)
    if action is None or action.undo is None or (action.needs_before and before is None):
        return None
    return action


def undo_permission(action_id: str, target: str, before) -> str | None:
    """The permission undoing this change needs, or None when the store cannot (or the app does not) undo it."""
    action = undoable(action_id, before)
    if action is None:
        return None
    if action.kind == "document":
        return DOCUMENT_PERMISSION.get(target)
    return action.undo_permission

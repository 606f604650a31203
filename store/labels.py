"""What the change log's ids mean in Chinese (actions, kinds of things, documents); no imports, cheap for command lines."""

#: Who a change is recorded as when nobody is logged in (the app running open on a laptop, a script).
LOCAL_USER = "本机用户"
#: Action id → Chinese label (the change log shows these).
ACTIONS = {
    "layer.add": "添加图层", "layer.rename": "重命名图层", "layer.remove": "删除图层（移入回收站）",
    "layer.restore": "恢复图层", "layer.purge": "彻底删除图层（回收站到期）",
    "document.put": "修改文档", "setting.put": "修改设置",
    "account.add": "添加账号", "account.password": "修改密码", "account.role": "修改角色", "account.remove": "删除账号",
    "account.token": "发放访问令牌", "account.token_revoke": "吊销访问令牌",
    "store.migrate": "迁移数据",
    "correction.add": "校正位置", "correction.revert": "撤销校正", "correction.import": "导入校正",
}
#: Chinese label of the kinds of things the log records (filters on the 变更记录 page).
KINDS = {"layer": "图层", "document": "文档", "setting": "设置", "account": "账号", "store": "数据库",
         "correction": "位置校正"}
#: Documents the app keeps, with their Chinese names (anything else is shown by its id).
DOCUMENT_NAMES = {"tour": "汇报"}

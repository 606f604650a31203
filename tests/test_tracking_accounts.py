"""Every progress import by its account (both engines): the signed-in account is the actor in the records and the
change log whatever 填报人 says, and a 填报 account bound to 市经信委 imports 市经信委's items only."""

from __future__ import annotations

import io

import openpyxl
import pytest

from core import roles
from core.clock import today
from tracking.errors import ProgressError
from tracking.load import plan_items
from tracking.service import Tracking
from tracking.workbook import COLUMNS, HEADER_ROW, SHEET

PASSWORD = "巢湖规划2026!"


@pytest.fixture
def tracking(store, plan):
    store.add_account("管理员", PASSWORD, "管理", "测试")
    return Tracking(plan=plan, items=plan_items(plan), store=store)


def filled(tracking: Tracking, unit: str) -> bytes:
    """The unit's template with its first item reported 推进中 today."""
    uid = tracking.items.unit_id(unit)
    _name, data = tracking.template_bytes(uid)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[SHEET]
    ws.cell(HEADER_ROW + 1, COLUMNS.index("进展状态") + 1).value = "推进中"
    ws.cell(HEADER_ROW + 1, COLUMNS.index("填报日期") + 1).value = today()
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_an_import_is_recorded_under_the_account_not_the_typed_reporter(tracking):
    store = tracking.store
    store.add_account("王工", PASSWORD, "编辑", "管理员")
    session = store.login("王工", PASSWORD)
    _filled, batch = tracking.import_workbook(filled(tracking, "市经信委"), session.account, session.role, "经信委.xlsx",
                                              reporter="张敏（市经信委）", unit=session.unit)
    records = store.progress_records()
    assert records and {(r.reporter, r.recorded_by) for r in records} == {("张敏（市经信委）", "王工")}
    assert batch.reporter == "张敏（市经信委）"
    logged = store.changes(action="progress.report")
    assert [c.user for c in logged] == ["王工"] and "填报人 张敏（市经信委）" in logged[0].summary


def test_a_reporter_account_imports_its_own_units_items_only(tracking):
    store = tracking.store
    store.add_account("经信委填报", PASSWORD, "填报", "管理员", unit="市经信委")
    session = store.login("经信委填报", PASSWORD)
    assert session.role == roles.REPORTER and session.unit == "市经信委"
    other = next(name for uid, name in tracking.items.units() if name != "市经信委" and tracking.items.of_unit(uid))
    with pytest.raises(ProgressError, match=f"本账号只能填报「市经信委」牵头的事项；该工作簿是「{other}」的"):
        tracking.import_workbook(filled(tracking, other), session.account, session.role, "别的单位.xlsx", unit=session.unit)
    assert store.progress_records() == []
    with pytest.raises(ProgressError, match="未绑定牵头单位"):
        tracking.import_workbook(filled(tracking, "市经信委"), session.account, session.role, "x.xlsx", unit=None)
    tracking.import_workbook(filled(tracking, "市经信委"), session.account, session.role, "经信委.xlsx", unit=session.unit)
    assert {r.recorded_by for r in store.progress_records()} == {"经信委填报"}
    with pytest.raises(roles.PermissionDenied, match="「填报」角色无权上传图层"):
        roles.require(session.role, "upload")

"""The tracking actions the command line and the app share: templates out, a filled workbook in (all or nothing,
one transaction), the board, the 通报 files, the plan year; permissions checked with core/roles.py."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core import roles
from core.formats import choose
from core.inputs import hidden_controls
from loaders.plan import Plan, load_plan
from tracking.board import Board
from core.clock import local_text, today
from core.progress import ACCEPTED, RETURNED, WITHDRAWN
from tracking.evidence import check_evidence
from tracking.records import ProgressInput, cell_date, cell_number, problems_of
from tracking.errors import ProgressError
from tracking.items import TrackItems
from tracking.load import load_board, plan_items, set_plan_year
from tracking.workbook import FilledWorkbook, read_workbook
from store import open_store
from store.base import Store
from store.progress import Evidence, ProgressBatch
from store.reminders import PublishedBulletin, Reminder, already_published
from tracking import bulletin_xlsx, reminders, template
from tracking.bulletin import Bulletin, bulletin_data, make_bulletin
from tracking.reminders import DUE_DAYS, UnitDue



def _report_xlsx(bulletin: Bulletin, catalog) -> bytes:
    return bulletin_xlsx.xlsx_bytes(bulletin)


def _report_pdf(bulletin: Bulletin, catalog) -> bytes:
    """The PDF draws the map, so it needs the catalogue (loaded here when not given)."""
    from layers.catalog import load_catalog
    from tracking.bulletin_pdf import pdf_bytes

    return pdf_bytes(bulletin, catalog or load_catalog())


#: 通报 format id → its writer (labels, suffixes and MIME types: ``core.formats``).
REPORT_WRITERS = {"xlsx": _report_xlsx, "pdf": _report_pdf}
REPORT_FORMATS = choose(*REPORT_WRITERS)
#: 催办单 format id → its writer (board, reminders, unit name or None).
SHEET_WRITERS = {"xlsx": reminders.sheet_xlsx, "pdf": reminders.sheet_pdf}


def _format(fmt: str):
    """The declared format of a 通报 or 催办单 file (ProgressError naming the choices)."""
    if fmt not in REPORT_FORMATS:
        raise ProgressError(f"不认识的格式「{fmt}」。可选：{'、'.join(REPORT_FORMATS)}。")
    return REPORT_FORMATS[fmt]


#: What an online report's records name as their source (a workbook's are its file name).
ONLINE_SOURCE = "在线填报"


@dataclass(frozen=True)
class OnlineRow:
    """One item's row of an online report as the form gives it: 进展状态, 完成值 as typed, 进展说明, 填报日期, and the
    evidence files as (client name, bytes)."""

    item_id: str
    status: str
    value: object
    note: str
    reported_on: object
    files: tuple[tuple[str, bytes], ...] = ()


@dataclass
class Tracking:
    """The plan, its items and the store in effect (the app keeps one per process; a command makes one)."""

    plan: Plan
    items: TrackItems
    store: Store

    @classmethod
    def open(cls, store: Store | None = None, plan: Plan | None = None) -> Tracking:
        """Tracking on the store the settings name (or the one given) and the plan data in effect."""
        plan = plan or load_plan()
        return cls(plan=plan, items=plan_items(plan), store=store or open_store())

    def board(self, on: date | None = None) -> Board:
        """Every item's state today (or on `on`)."""
        return load_board(self.plan, self.store, on, self.items)

    # ---- templates

    def unit_ids(self, unit: str | None, every: bool) -> list[str]:
        """The units asked for: one by name (市经信委) or id, or every lead unit; ProgressError listing the units."""
        if every:
            return [uid for uid, _ in self.items.units()]
        uid = self.items.unit_id(unit or "")
        if uid is None:
            names = "、".join(name for _, name in self.items.units())
            raise ProgressError(f"「{unit}」不是方案中牵头跟踪事项的单位。可选：{names}。")
        return [uid]

    def write_templates(self, out_dir: Path, unit: str | None = None, every: bool = False) -> list[Path]:
        """One workbook per lead unit into out_dir."""
        board = self.board()
        return [template.write_template(board, uid, Path(out_dir)) for uid in self.unit_ids(unit, every)]

    def template_bytes(self, unit_id: str) -> tuple[str, bytes]:
        """(file name, data) of one unit's workbook."""
        return template.template_bytes(self.board(), unit_id)

    def all_templates_zip(self) -> tuple[str, bytes]:
        """Every lead unit's workbook in one zip."""
        board = self.board()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for uid, _ in self.items.units():
                name, data = template.template_bytes(board, uid)
                zf.writestr(name, data)
        return f"进展填报模板_{board.on.isoformat()}.zip", buf.getvalue()

    # ---- import

    def read(self, data: bytes | Path, name: str = "") -> FilledWorkbook:
        """A filled workbook checked against the plan's items (WorkbookError: every bad row and column)."""
        return read_workbook(data, self.items, today(), name)

    def import_workbook(self, data: bytes | Path, by: str, role: str | None, name: str = "", reporter: str | None = None,
                        unit: str | None = None, again: bool = False) -> tuple[FilledWorkbook, ProgressBatch]:
        """Check a filled workbook and append its reports in one transaction: everything or nothing.

        `by` is who imports it — the signed-in account, or the command line's --by — and is what the records and
        the change log name; `reporter` is the 填报人 the planner typed (kept with the records, never the actor;
        default `by`). An account bound to a lead unit (`unit`, role 填报) may import that unit's items only. The same
        reports imported before (an import still in force holding every one of them) are refused naming that import,
        unless `again`.
        """
        roles.require(role, "report_progress")
        if not str(by or "").strip():
            raise ProgressError("请写明填报人（姓名），没有写入任何记录。")
        if role in roles.UNIT_ROLES and not unit:
            raise ProgressError("本账号未绑定牵头单位，不能导入进展，请联系管理员。")
        filled = self.read(data, name)
        if unit:
            self._check_unit(filled, unit)
        earlier = None if again else self.earlier_import(filled)
        if earlier is not None:
            raise ProgressError(f"这份填报已于 {local_text(earlier.recorded_at)} 由 {earlier.reporter} 导入（批次 {earlier.batch}"
                                f"{f'，文件「{earlier.source}」' if earlier.source else ''}），内容完全相同，没有再次写入。"
                                "确需再次导入请使用「再次导入」（命令行 --again）。")
        source = name or (Path(data).name if isinstance(data, (str, Path)) else "")
        batch = self.store.add_progress(list(filled.reports), filled.unit, by.strip(), source, reporter=reporter)
        return filled, batch

    def earlier_import(self, filled: FilledWorkbook) -> ProgressBatch | None:
        """An import in force that already holds every report of this workbook (same unit, item, status, value, note
        and date), or None."""
        key = lambda r: (r.item_id, r.status, r.value, r.note, r.reported_on)  # noqa: E731
        wanted = {key(r) for r in filled.reports}
        if not wanted:
            return None
        held: dict[str, set] = {}
        for rec in self.store.progress_records():
            if not rec.withdrawn and rec.review != RETURNED and rec.unit == filled.unit:
                held.setdefault(rec.batch, set()).add(key(rec))
        for batch in self.store.progress_batches():
            if batch.state not in (WITHDRAWN, RETURNED) and wanted <= held.get(batch.batch, set()):
                return batch
        return None

    # ---- online reports, review, withdrawal

    def unit_items(self, unit: str) -> list:
        """The items a lead unit (by name or id) reports on (ProgressError naming an unknown unit)."""
        return self.items.of_unit(self.unit_ids(unit, False)[0])

    def report_online(self, rows: Sequence[OnlineRow], by: str, role: str | None, unit: str | None,
                      reporter: str | None = None) -> tuple[ProgressBatch, list[str]]:
        """A unit's report typed in the app: one batch (待审核) of one or more rows, each with the checks of a workbook
        row (tracking/records.py) and its evidence files checked (tracking/evidence.py); everything or nothing, in one
        transaction. Returns the batch and notes (a photo's position ignored). ProgressError names each item and
        column that is wrong."""
        roles.require(role, "report_progress")
        if not str(by or "").strip():
            raise ProgressError("请写明填报人（姓名），没有写入任何记录。")
        if not unit:
            raise ProgressError("本账号未绑定牵头单位，不能在线填报，请联系管理员。")
        uid = self.items.unit_id(unit)
        if uid is None:
            raise ProgressError(f"本账号绑定的牵头单位「{unit}」不在方案的牵头单位中，请联系管理员。")
        if not rows:
            raise ProgressError("没有填写任何事项的进展状态，没有写入任何记录。")
        problems: list[str] = []
        reports: list[ProgressInput] = []
        evidence, notes = [], []
        seen: set[str] = set()
        for row in rows:
            item = self.items.get(row.item_id)
            if item is None or uid not in item.leads:
                problems.append(f"事项 {row.item_id}：不是「{unit}」牵头的事项")
                continue
            if row.item_id in seen:
                problems.append(f"事项 {row.item_id}：一次只能填报一行")
                continue
            seen.add(row.item_id)
            value, when = cell_number(row.value), cell_date(row.reported_on)
            found = problems_of(item, row.status, value, row.note, when, today())
            problems.extend(f"事项 {row.item_id}「{col}」：{msg}" for col, msg in found)
            try:
                files, said = check_evidence(row.files, row.item_id)
            except ProgressError as exc:
                problems.append(f"事项 {row.item_id}「佐证材料」：{exc.message}")
                continue
            evidence += files
            notes += said
            if not found:
                reports.append(ProgressInput(row.item_id, row.status, value, str(row.note or "").strip(), when))
        if problems:
            raise ProgressError("填报未提交，没有写入任何记录。请改正后重新提交：\n" + "\n".join(problems))
        batch = self.store.add_progress(reports, dict(self.items.units())[uid], by.strip(), ONLINE_SOURCE,
                                        reporter=reporter, evidence=evidence)
        return batch, notes

    def review(self, batch: str, by: str, role: str | None, accept: bool, reason: str = "") -> ProgressBatch:
        """The office (编辑, 管理) accepts a 待审核 batch — it counts from then — or returns it with a reason."""
        roles.require(role, "review_progress")
        return self.store.review_progress(batch, by, accept, reason)

    def withdraw(self, batch: str, by: str, role: str | None, reason: str = "") -> int:
        """The office withdraws an import as a whole (kept in the history, marked 已撤回); how many records."""
        roles.require(role, "review_progress")
        return self.store.withdraw_progress(batch, by, reason)

    def evidence(self, item_ids=None, in_force: bool = True) -> list[Evidence]:
        """Evidence files (without bytes) of the reports in force — accepted, not withdrawn — (or of every report),
        of some items or all."""
        counted = {b.batch for b in self.batches() if b.state == ACCEPTED}
        ids = None if item_ids is None else set(item_ids)
        return [e for e in self.store.progress_evidence() if (not in_force or e.batch in counted)
                and (ids is None or e.item_id in ids)]

    def batches(self, unit: str | None = None) -> list[ProgressBatch]:
        """Every batch (or one unit's, by its name as the records keep it), newest first, with its review state."""
        return self.store.progress_batches(unit)

    def _check_unit(self, filled: FilledWorkbook, unit: str) -> None:
        """Refuse (Chinese, naming the items) a workbook holding items the bound unit does not lead."""
        bound = self.items.unit_id(unit)
        if bound is None:
            raise ProgressError(f"本账号绑定的牵头单位「{unit}」不在方案的牵头单位中，请联系管理员。")
        foreign = [r.item_id for r in filled.reports if bound not in getattr(self.items.get(r.item_id), "leads", ())]
        if filled.unit_id != bound or foreign:
            listed = f"，其中不属于本单位的事项：{'、'.join(foreign[:20])}{' 等' if len(foreign) > 20 else ''}" if foreign else ""
            raise ProgressError(f"本账号只能填报「{unit}」牵头的事项；该工作簿是「{filled.unit}」的{listed}。没有写入任何记录。")

    # ---- year

    def set_year(self, value, by: str, role: str | None) -> int | None:
        """Set or clear 起始年份 (管理 role)."""
        return set_plan_year(value, by, role, self.store)

    # ---- the 通报

    def bulletin(self, month: str) -> Bulletin:
        """The 通报 of a month (2026-11)."""
        return make_bulletin(self.board(), self.plan, month)

    def report_bytes(self, bulletin: Bulletin, fmt: str, catalog=None) -> tuple[str, bytes, str]:
        """(file name, data, MIME) of the 通报 in one format (the PDF draws the map, so it needs the catalogue)."""
        form = _format(fmt)
        return f"实施进展通报_{bulletin.month}{form.suffix}", REPORT_WRITERS[fmt](bulletin, catalog), form.mime

    def write_report(self, month: str, formats: list[str], out_dir: Path, catalog=None) -> list[Path]:
        """The 通报 of a month in each format into out_dir."""
        unknown = [f for f in formats if f not in REPORT_FORMATS]
        if unknown or not formats:
            raise ProgressError(f"不认识的格式「{'、'.join(unknown) or '（空）'}」。可选：{'、'.join(REPORT_FORMATS)}。")
        bulletin = self.bulletin(month)
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for fmt in formats:
            name, data, _mime = self.report_bytes(bulletin, fmt, catalog)
            (out_dir / name).write_bytes(data)
            paths.append(out_dir / name)
        return paths

    # ---- the published 通报 (第 N 期)

    def publish(self, month: str, by: str, role: str | None, again: bool = False, catalog=None) -> PublishedBulletin:
        """Freeze the 通报 of a month as the next 第 N 期: its data and both files stored as they are now (one
        transaction with its change-log row). A month published before is refused naming its 期, unless `again`."""
        roles.require(role, "remind_units")
        if not str(by or "").strip():
            raise ProgressError("请写明发布人（姓名），没有发布。")
        bulletin = self.bulletin(month)
        earlier = [b.issue for b in self.store.published_bulletins() if b.month == bulletin.month]
        if earlier and not again:  # said before the files are drawn (the store checks again in its transaction)
            raise ProgressError(already_published(bulletin.month, earlier))
        files = {fmt: REPORT_WRITERS[fmt](bulletin, catalog) for fmt in REPORT_FORMATS}
        return self.store.publish_bulletin(bulletin.month, bulletin_data(bulletin), files["xlsx"], files["pdf"],
                                           by.strip(), again=again)

    def published(self) -> list[PublishedBulletin]:
        """Every published 通报, by number (without the files)."""
        return self.store.published_bulletins()

    def published_bytes(self, issue: int, fmt: str) -> tuple[str, bytes, str]:
        """(file name, data, MIME) of a published 通报: exactly the bytes stored when it was published."""
        form = _format(fmt)
        found = self.store.published_bulletin(issue)
        return (f"实施进展通报_第{found.issue}期_{found.month}{form.suffix}", getattr(found, fmt), form.mime)

    def write_published(self, issue: int, formats: list[str], out_dir: Path) -> list[Path]:
        """A published 通报's stored files into out_dir."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for fmt in formats:
            name, data, _mime = self.published_bytes(issue, fmt)
            (out_dir / name).write_bytes(data)
            paths.append(out_dir / name)
        return paths

    # ---- 催办

    def due(self, unit: str | None = None, days: int = DUE_DAYS) -> list[UnitDue]:
        """Each lead unit's (or one unit's) overdue items and those falling due within `days` days."""
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3660:
            raise ProgressError(f"天数「{days}」应为 0—3660 之间的整数。")
        board = self.board()
        if unit:
            return [reminders.unit_due(board, uid, days) for uid in self.unit_ids(unit, False)]
        return reminders.all_due(board, days)

    def remind(self, unit: str, item_ids: list[str], note: str, by: str, role: str | None) -> Reminder:
        """Record a 催办 to a lead unit about items it leads (office accounts: 编辑, 管理), now, with a note."""
        roles.require(role, "remind_units")
        if not str(by or "").strip():
            raise ProgressError("请写明催办人（姓名），没有记录催办。")
        if controls := hidden_controls(note):
            raise ProgressError(f"催办说明含有改变文字显示方向的隐藏控制字符（{'、'.join(controls)}），请删除后重新填写。")
        uid = self.unit_ids(unit, False)[0]
        name = dict(self.items.units())[uid]
        unknown = [i for i in item_ids if self.items.get(i) is None]
        if unknown:
            raise ProgressError(f"方案中没有这些事项：{'、'.join(unknown)}。没有记录催办。")
        foreign = [i for i in item_ids if uid not in self.items.get(i).leads]
        if foreign:
            raise ProgressError(f"这些事项不由「{name}」牵头：{'、'.join(foreign)}。没有记录催办。")
        return self.store.add_reminder(name, item_ids, note, by.strip())

    def reminders(self, unit: str | None = None) -> list[Reminder]:
        """Every 催办 (or one lead unit's), oldest first."""
        if not unit:
            return self.store.reminders()
        return self.store.reminders(unit=dict(self.items.units())[self.unit_ids(unit, False)[0]])

    def reminder_sheet(self, fmt: str, unit: str | None = None) -> tuple[str, bytes, str]:
        """(file name, data, MIME) of the 催办单 of one lead unit (or of all)."""
        form = _format(fmt)
        name = dict(self.items.units())[self.unit_ids(unit, False)[0]] if unit else None
        data = SHEET_WRITERS[fmt](self.board(), self.reminders(unit), name)
        return f"催办单_{name or '全部单位'}_{today().isoformat()}{form.suffix}", data, form.mime

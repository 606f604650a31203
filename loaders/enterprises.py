"""The enterprises and partners the plan's measures name (data/plan/enterprises.csv), one row per name and measure.

The table lists organisations the measures name as actors — relied on (依托), led by (以…为龙头), cooperated
with (与…合作), or doing a task (由…完成) — not companies that only appear inside a project's name. Each row
quotes the measure's words (`phrase`) and how the plan writes the name there (`as_written`, e.g. 云海 for
云海镁业); `place_id` is the map place that is this organisation, `related_place_id` a place its phrase names.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core import settings
from loaders.places import PlacesError, place_names
from loaders.plan import Plan

ENTERPRISES_FILE = "enterprises.csv"
COLUMNS = ["name", "kind", "measure_id", "as_written", "phrase", "place_id", "related_place_id", "note"]
#: What an organisation is; 未说明 where the plan does not say (and its name does not tell).
KINDS = ("企业", "院校", "创新平台", "行业组织", "开发区", "未说明")
_REQUIRED = ("name", "kind", "measure_id", "as_written", "phrase")


class EnterprisesError(PlacesError):
    """enterprises.csv is wrong; the (Chinese) message names the row and the field."""


def load_enterprises(path: str | Path | None = None) -> pd.DataFrame:
    """Every row of enterprises.csv as text, checked for its header, required fields, kinds and duplicates."""
    path = Path(path or settings.current().plan_dir / ENTERPRISES_FILE)
    try:
        table = pd.read_csv(path, dtype=str, encoding="utf-8", keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise EnterprisesError(f"{path.name}：无法读取（{type(exc).__name__}）", detail=str(exc)) from None
    if list(table.columns) != COLUMNS:
        raise EnterprisesError(f"{path.name} 的表头应为 {','.join(COLUMNS)}，实为 {','.join(table.columns)}")
    for n, row in enumerate(table.itertuples(index=False), 2):
        where = f"{path.name} 第 {n} 行（{row.name}）"
        for key in _REQUIRED:
            if not getattr(row, key):
                raise EnterprisesError(f"{where}：缺少 {key}")
        if row.kind not in KINDS:
            raise EnterprisesError(f"{where}：kind 应为 {'/'.join(KINDS)} 之一，实为 {row.kind!r}")
    dupes = table[table.duplicated(["name", "measure_id"], keep=False)]
    if len(dupes):
        raise EnterprisesError(f"{path.name}：同一名称在同一措施重复 {dupes[['name', 'measure_id']].values.tolist()}")
    return table


def enterprise_problems(table: pd.DataFrame, plan: Plan, places: pd.DataFrame) -> list[str]:
    """Why rows are wrong (Chinese, one line each): the phrase is not the measure's words, the name is not the
    plan's, or a place id is unknown or not named by the row. Empty when every row holds."""
    text = "\n".join(m.text for m in plan.measures)
    measures = {m.id: m for m in plan.measures}
    known = set(places["id"])
    problems = []
    for row in table.itertuples(index=False):
        where = f"enterprises.csv {row.name}（措施 {row.measure_id}）"
        m = measures.get(row.measure_id)
        if m is None:
            problems.append(f"{where}：措施不存在")
            continue
        if row.phrase not in m.text:
            problems.append(f"{where}：摘句 “{row.phrase}” 不在措施原文中")
        if row.as_written not in row.phrase:
            problems.append(f"{where}：原文写法 “{row.as_written}” 不在摘句中")
        if row.name not in text:
            problems.append(f"{where}：名称 “{row.name}” 不是规划原文的写法")
        for key in ("place_id", "related_place_id"):
            pid = getattr(row, key)
            if pid and pid not in known:
                problems.append(f"{where}：{key} “{pid}” 不在 places.yaml 中")
        if row.place_id in known and not any(row.as_written in n or n in row.name for n in place_names(places, row.place_id)):
            problems.append(f"{where}：地点 {row.place_id} 不是这个名称")
        if row.related_place_id in known and not any(n in row.phrase for n in place_names(places, row.related_place_id)):
            problems.append(f"{where}：摘句没有写出相关地点 {row.related_place_id}")
    return problems


def enterprises_of_measure(table: pd.DataFrame, measure_id: str) -> pd.DataFrame:
    """The organisations one measure names, in the table's order (for the measure's panel)."""
    return table[table["measure_id"] == measure_id]

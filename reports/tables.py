"""Town summaries as CSV files that Excel on a Chinese Windows opens as they are (UTF-8 with BOM)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.spreadsheets import csv_frame
from reports.summary import (
    DEADLINE_COLUMNS, FEATURE_COLUMNS, HEADERS, KINDS, LAYER_COLUMNS, MEASURE_COLUMNS, TownSummary, overview,
    overview_columns,
)

#: Decimal places each numeric column is written with (km² and km to 2 places, 亩 whole).
DECIMALS = {"km2": 2, "km": 2, "mu": 0, "pct": 4, "int": 0}


def csv_encoding(encoding: str = "utf-8") -> str:
    """The codec to write: UTF-8 always with its BOM (Excel reads BOM-less UTF-8 as GBK and garbles it)."""
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig") else encoding


def table(frame: pd.DataFrame, columns: list[tuple[str, str, str]]) -> pd.DataFrame:
    """The frame with Chinese headings and numbers rounded as shown (km² 2 places, 亩 whole)."""
    out = pd.DataFrame({heading: frame[key] if key in frame else None for key, heading, _ in columns})
    for _key, heading, kind in columns:
        if kind in DECIMALS:
            values = pd.to_numeric(out[heading], errors="coerce").round(DECIMALS[kind])
            out[heading] = values.astype("Int64") if DECIMALS[kind] == 0 else values
    return out


def _cols(keys: list[str]) -> list[tuple[str, str, str]]:
    return [(k, HEADERS[k], KINDS.get(k, "text")) for k in keys]


def write_csv(frame: pd.DataFrame, columns, path: Path, encoding: str = "utf-8") -> Path:
    """One table as CSV (Chinese headings; UTF-8 with BOM unless another encoding is asked for; no text read as a formula)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    csv_frame(table(frame, columns)).to_csv(path, index=False, encoding=csv_encoding(encoding), lineterminator="\r\n")
    return path


def town_csvs(summary: TownSummary, out_dir: Path, encoding: str = "utf-8") -> list[Path]:
    """A town's 图层汇总, 要素清单, 相关措施 and 时限要求 as four CSV files."""
    stem = summary.town or "巢湖市全市"
    parts = [("图层汇总", summary.layers, LAYER_COLUMNS), ("要素清单", summary.features, FEATURE_COLUMNS),
             ("相关措施", summary.measures, MEASURE_COLUMNS), ("时限要求", summary.deadlines, DEADLINE_COLUMNS)]
    return [write_csv(frame, _cols(keys), out_dir / f"{stem}_{name}.csv", encoding) for name, frame, keys in parts]


def overview_csv(summaries: list[TownSummary], path: Path, encoding: str = "utf-8") -> Path:
    """The overview (one row per town and 合计) as one CSV file."""
    return write_csv(overview(summaries), overview_columns(summaries), path, encoding)

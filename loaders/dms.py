"""Coordinates typed as text: degrees-minutes-seconds in the ways people type them, and two numbers in one cell."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

#: Every symbol people type between degrees, minutes and seconds, turned into a space.
_SEPARATORS = re.compile(r"[°º˚度d'′’‘`´分m\"″”“秒s:：]+")
#: A hemisphere before or after the number (upper-case letters only: lower-case d/m/s are units).
_HEMISPHERE = re.compile(r"^\s*(北纬|南纬|东经|西经|[NSEW北南东西])|(北纬|南纬|东经|西经|[NSEW北南东西])\s*$")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d*)?|[-+]?\.\d+")
#: Characters that split two numbers typed in one cell (117.87,31.60 / 117.87，31.60 / 117.87;31.60).
_PAIR_SPLIT = re.compile(r"\s*[,，;；/|、]\s*")
_NEGATIVE = {"S", "W", "南", "西", "南纬", "西经"}


def _normal(text: str) -> str:
    """Full-width digits and punctuation made ASCII; ″ typed as two primes made one."""
    return unicodedata.normalize("NFKC", text).replace("′′", '"').replace("''", '"').strip()


def parse_angle(text) -> float:
    """Decimal degrees from 117.87, 117°52'13.1", 117°52′13.1″, 117度52分13.1秒, 117 52 13.1, E117°52'13.1" …; NaN when it is not an angle."""
    if isinstance(text, (int, float, np.integer, np.floating)) and not isinstance(text, bool):
        return float(text)
    if text is None:
        return float("nan")
    s = _normal(str(text))
    if not s:
        return float("nan")
    hemispheres = [a or b for a, b in _HEMISPHERE.findall(s)]
    s = _HEMISPHERE.sub(" ", s)
    rest = _SEPARATORS.sub(" ", s)
    if re.search(r"[^\d\s.+-]", rest):
        return float("nan")
    parts = _NUMBER.findall(rest)
    if not 1 <= len(parts) <= 3 or len(hemispheres) > 1:
        return float("nan")
    values = [float(p) for p in parts]
    sign = -1.0 if parts[0].startswith("-") or (hemispheres and hemispheres[0] in _NEGATIVE) else 1.0
    degrees = abs(values[0])
    minutes = values[1] if len(values) > 1 else 0.0
    seconds = values[2] if len(values) > 2 else 0.0
    if not (0 <= minutes < 60 and 0 <= seconds < 60) or any(v < 0 for v in values[1:]):
        return float("nan")
    return sign * (degrees + minutes / 60.0 + seconds / 3600.0)


def is_sexagesimal(text) -> bool:
    """True when a cell holds minutes or seconds (not a plain number)."""
    if not isinstance(text, str):
        return False
    s = _SEPARATORS.sub(" ", _HEMISPHERE.sub(" ", _normal(text)))
    return len(_NUMBER.findall(s)) > 1


def parse_numbers(values: pd.Series) -> tuple[pd.Series, int]:
    """(floats, how many cells were degrees-minutes-seconds) for a coordinate column: numbers, '3,498,765.2', DMS text."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float), 0
    text = values.astype("string").str.strip()
    plain = pd.to_numeric(text.str.replace(r"(?<=\d),(?=\d{3}(\D|$))", "", regex=True), errors="coerce")
    todo = plain.isna() & text.notna() & (text != "")
    if not todo.any():
        return plain.astype(float), 0
    parsed = text[todo].map(parse_angle).astype(float)
    sexagesimal = int(text[todo].map(is_sexagesimal).sum())
    out = plain.astype(float).copy()
    out[todo] = parsed
    return out, sexagesimal


def split_pair(values: pd.Series) -> tuple[pd.Series, pd.Series, int]:
    """(first, second, DMS cells) from one column holding two coordinates per cell ('117.87,31.60', '(117.87, 31.60)', 'E117°52′ N31°36′')."""
    text = values.astype("string").map(lambda v: _normal(v) if isinstance(v, str) else v)
    text = text.str.strip().str.strip("()（）[]【】")
    parts = text.str.split(_PAIR_SPLIT, n=1, regex=True)
    spaced = parts.map(lambda p: isinstance(p, list) and len(p) == 1)
    if spaced.any():  # '117.87 31.60': two plain numbers separated by spaces only
        two = text[spaced].str.split(r"\s+", regex=True)
        parts[spaced] = two.where(two.map(len) == 2, parts[spaced])
    first = parts.map(lambda p: p[0] if isinstance(p, list) and len(p) == 2 else None)
    second = parts.map(lambda p: p[1] if isinstance(p, list) and len(p) == 2 else None)
    x, nx = parse_numbers(first.astype("object"))
    y, ny = parse_numbers(second.astype("object"))
    return x, y, nx + ny


def looks_like_pairs(values: pd.Series) -> bool:
    """True when most non-empty cells hold two coordinates."""
    cells = values.dropna().astype(str).head(50)
    if cells.empty:
        return False
    x, y, _ = split_pair(cells)
    return bool((x.notna() & y.notna()).mean() >= 0.8)

"""Field names made usable: DBF names decoded one by one (a cut last character dropped), duplicates and names a store
reserves renamed, and the 三调 / 国土空间规划 standard codes (DLBM, DLMC …) shown by their Chinese names."""

from __future__ import annotations

import csv
from functools import lru_cache

import geopandas as gpd

from core import settings
from loaders.encoding import GB18030, UTF8, decode_cut
from loaders.errors import LoadError
from loaders.report import FieldRename

STANDARD_TABLE = settings.DATA / "standards" / "field_names.csv"
#: Names a GeoPackage/PostGIS store uses itself (compared case-insensitively): a field so named is renamed 原<name>.
RESERVED = ("fid", "geometry")
#: A layer is read as a standard database layer when it has at least this many standard codes (a lone BZ is not enough).
MIN_STANDARD_CODES = 2
#: More fields than a store can hold (SQLite allows 2,000 columns, PostgreSQL 1,600) are refused with a message.
MAX_FIELDS = 1500


@lru_cache(maxsize=1)
def standard_names() -> dict[str, tuple[str, str]]:
    """Code (upper case) → (Chinese name, standard) from data/standards/field_names.csv."""
    with open(STANDARD_TABLE, encoding="utf-8", newline="") as fh:
        return {row["code"].strip().upper(): (row["name"].strip(), row["standard"].strip()) for row in csv.DictReader(fh)}


def decode_names(raw_names: list[bytes], codec: str) -> tuple[list[str], list[FieldRename]]:
    """DBF field names decoded one by one: in the values' codec, else the other Chinese one; a character cut at byte 10 dropped."""
    other = GB18030 if codec.upper().startswith("UTF") else UTF8
    names, renames = [], []
    for i, raw in enumerate(raw_names):
        shown = raw.decode(codec, errors="backslashreplace")
        for candidate in (codec, other):
            try:
                name, cut = decode_cut(raw, candidate)
                break
            except (UnicodeDecodeError, LookupError):
                continue
        else:
            name, cut, candidate = raw.decode(codec, errors="replace"), False, codec
            renames.append(FieldRename(original=shown, name=name, why=f"字段名不是 {codec} 编码，无法完整解码"))
        if cut:
            shown = raw.decode(candidate, errors="backslashreplace")
            name = name or f"字段{i + 1}"
            renames.append(FieldRename(original=shown, name=name,
                                       why="字段名在 DBF 的 10 字节上限处被截断了半个字符，已去掉残字"))
        elif candidate != codec:
            renames.append(FieldRename(original=shown, name=name, why=f"字段名按 {candidate} 解码（属性值为 {codec}）"))
        names.append(name)
    return names, renames


def unique_names(names: list[str]) -> tuple[list[str], list[FieldRename]]:
    """Names unique case-insensitively (Name/NAME → Name, NAME_2) and none a store reserves (FID → 原FID), with each rename."""
    originals = {str(n).lower() for n in names}
    taken: set[str] = set()
    out, renames = [], []
    for name in names:
        name = str(name).strip() or "字段"
        new, why = name, ""
        if name.lower() in RESERVED:
            new, why = f"原{name}", f"「{name}」是数据库保留的字段名"
        if new.lower() in taken:
            base, i = new, 2
            while f"{base}_{i}".lower() in taken or f"{base}_{i}".lower() in originals:
                i += 1
            new, why = f"{base}_{i}", f"与已有字段「{name}」重名（大小写不计）"
        taken.add(new.lower())
        out.append(new)
        if new != name:
            renames.append(FieldRename(original=name, name=new, why=why))
    return out, renames


def check_count(columns, label: str) -> None:
    """Refuse a layer with more fields than a store can hold, saying how many and what to do."""
    n = len(columns)
    if n > MAX_FIELDS:
        raise LoadError(f"「{label}」有 {n:,} 个字段，超过可保存的 {MAX_FIELDS:,} 个上限。请在 GIS 软件中删去不需要的字段后再导入。")


def to_chinese(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[FieldRename]]:
    """Standard codes (DLBM, DLMC, TBMJ …) renamed to their Chinese names when the layer has enough of them to be a standard layer."""
    table = standard_names()
    found = {c: table[str(c).strip().upper()] for c in gdf.columns
             if c != gdf.geometry.name and str(c).strip().upper() in table}
    if len(found) < MIN_STANDARD_CODES:
        return gdf, []
    present = {str(c) for c in gdf.columns}
    mapping, renames = {}, []
    for code, (name, standard) in found.items():
        if name in present or name in mapping.values():
            continue  # the file already has the Chinese field: keep both as they are
        mapping[code] = name
        renames.append(FieldRename(original=str(code), name=name, why=f"{standard} 标准字段"))
    return gdf.rename(columns=mapping), renames

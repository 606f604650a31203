"""Shapefiles read with their DBF field names and values decoded separately: a character cut at a field's width dropped,
a lying .cpg caught, duplicate names kept apart (GDAL hands the bytes over untouched as ISO-8859-1)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from loaders import encoding as enc
from loaders import fieldnames, frames
from loaders.errors import LoadError
from loaders.report import FieldRename

#: Every byte is one character and back: the DBF's bytes pass through GDAL unchanged and are decoded here.
RAW = "ISO-8859-1"


@dataclass
class ShapefileRead:
    """A shapefile's layer with unique decoded names, the encoding decision, the renames and the value repairs."""

    gdf: gpd.GeoDataFrame
    encoding: enc.EncodingDecision
    renames: list[FieldRename] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)


def check(path: Path, label: str) -> None:
    """Refuse a .shp that is not one (wrong magic number) or is truncated, and one without its .shx."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(100)
    if len(head) < 100 or struct.unpack(">i", head[:4])[0] != 9994:
        raise LoadError(f"「{label}」不是有效的 Shapefile（文件头不对，可能是改了扩展名的其他文件）。")
    declared = struct.unpack(">i", head[24:28])[0] * 2
    if declared > size:
        raise LoadError(f"「{label}」不完整：文件头声明 {declared} 字节，实际只有 {size} 字节（拷贝或传输被中断），请重新导出。")
    if enc.find_sidecar(path, ".shx") is None:
        raise LoadError(f"「{label}」缺少同名的 .shx 索引文件，请把 .shp、.shx、.dbf、.prj（及 .cpg）一起提供或打包成 zip。")


def decode_column(values: np.ndarray, codec: str) -> tuple[np.ndarray, int, int]:
    """(decoded values, values whose last character was cut, values not in `codec`) for a column read as ISO-8859-1.

    Each distinct value is decoded once (a 三调 layer repeats a few dozen class names over 100,000 rows); ASCII stays as is.
    """
    column = pd.Series(values, dtype=object)
    mapping, cut, bad = {}, set(), set()
    for value in column.dropna().unique():
        if not isinstance(value, str) or value.isascii():
            continue
        raw = value.encode(RAW)
        try:
            mapping[value], was_cut = enc.decode_cut(raw, codec)
            if was_cut:
                cut.add(value)
        except UnicodeDecodeError:
            mapping[value] = raw.decode(codec, errors="replace")
            bad.add(value)
    if not mapping:
        return values, 0, 0
    decoded = column.map(mapping)
    out = decoded.where(decoded.notna(), column).to_numpy(dtype=object)
    counts = column.value_counts() if cut or bad else None
    return out, int(counts[list(cut)].sum()) if cut else 0, int(counts[list(bad)].sum()) if bad else 0


def read(path: Path, label: str, progress: frames.Progress | None) -> ShapefileRead:
    """The shapefile's only layer: names decoded one by one, values in the codec the .cpg/LDID/bytes give, both repaired and reported."""
    decision = enc.shapefile_encoding(path)
    dbf = enc.find_sidecar(path, ".dbf")
    raw = frames.read_layer(path, None, RAW if dbf is not None else None, label, progress)
    renames: list[FieldRename] = []
    repairs: list[str] = []
    stored = [f.name for f in enc.dbf_fields(dbf)] if dbf is not None else []
    if len(stored) == len(raw.names):
        names, renames = fieldnames.decode_names(stored, decision.codec)
    else:  # GDAL skipped a field it cannot read: decode what it gives
        names, renames = fieldnames.decode_names([n.encode(RAW) for n in raw.names], decision.codec)
    fieldnames.check_count(names, label)
    cut_total = bad_total = 0
    for i, column in enumerate(raw.columns):
        if column.dtype == object:
            raw.columns[i], cut, bad = decode_column(column, decision.codec)
            cut_total, bad_total = cut_total + cut, bad_total + bad
    if cut_total:
        repairs.append(f"属性值 {cut_total} 个在字段宽度处被截断了半个字符，已去掉残字")
    if bad_total:
        repairs.append(f"属性值 {bad_total} 个不是 {decision.codec} 编码，无法解码的字节显示为 �")
    unique, more = fieldnames.unique_names(names)
    return ShapefileRead(raw.frame(unique), decision, renames + more, repairs)

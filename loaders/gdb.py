"""Esri geodatabases: a File Geodatabase is a folder (`xxx.gdb/` holding a00000001.gdbtable …), often zipped and nested
(`成果/xxx.gdb/…`), read by GDAL's OpenFileGDB driver; a Personal Geodatabase (.mdb) is refused with what to do instead."""

from __future__ import annotations

from pathlib import Path

from loaders.errors import LoadError

#: Files whose presence makes a folder a File Geodatabase even when it was renamed or zipped without its `.gdb` name.
MARKERS = ("gdb", "a00000001.gdbtable")


def is_file_gdb(path: Path) -> bool:
    """True for a folder that is a File Geodatabase (named *.gdb, or holding its system tables)."""
    if not path.is_dir():
        return False
    if path.suffix.lower() == ".gdb":
        return True
    names = {p.name.lower() for p in path.iterdir() if p.is_file()}
    return any(m in names for m in MARKERS) and any(n.endswith(".gdbtable") for n in names)


def find_file_gdbs(directory: Path) -> list[Path]:
    """Every File Geodatabase under a folder (the folder itself included), outermost first, none inside another."""
    found: list[Path] = []
    candidates = [directory] + sorted(p for p in directory.rglob("*") if p.is_dir())
    for folder in candidates:
        if "__MACOSX" in folder.parts or any(folder.is_relative_to(g) for g in found):
            continue
        if is_file_gdb(folder):
            found.append(folder)
    return found


def layer_stem(gdb: Path) -> str:
    """The name a geodatabase's layers are grouped under: its folder name without `.gdb`."""
    return gdb.stem if gdb.suffix.lower() == ".gdb" else gdb.name


def refuse_personal(label: str) -> LoadError:
    """The message for a Personal Geodatabase (.mdb, a Microsoft Access file GDAL cannot read here)."""
    return LoadError(f"「{label}」是个人地理数据库（.mdb，Access 格式），无法直接读取。请在 ArcGIS 中把其中的要素类导出为"
                     "文件地理数据库（.gdb，打包成 zip 上传）或 Shapefile 后再导入。")

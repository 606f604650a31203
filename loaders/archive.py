"""Zip and KMZ archives opened safely: Chinese member names, no path escapes, no zip bombs."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from loaders.errors import LoadError

MAX_MEMBERS = 20_000
#: A member whose uncompressed size exceeds this ratio to its compressed size is treated as a bomb.
MAX_RATIO = 1000
CHUNK = 1024 * 1024
IGNORED = ("__MACOSX/",)


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's real name: zips made on Chinese Windows store GBK names without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def _unsafe(name: str) -> bool:
    """True for absolute paths, drive letters and any `..` component."""
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def check_zip(path: Path, max_bytes: int) -> list[tuple[zipfile.ZipInfo, str]]:
    """Every (member, real name) of a zip, after refusing escapes, bombs and archives over `max_bytes` unpacked."""
    label = path.name
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LoadError(f"「{label}」不是有效的压缩包（文件损坏或不完整）。", str(exc)) from exc
    with zf:
        infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise LoadError(f"「{label}」含 {len(infos)} 个文件，超过上限 {MAX_MEMBERS}，已拒绝。")
    members, total = [], 0
    for info in infos:
        name = member_name(info)
        if _unsafe(name):
            raise LoadError(f"「{label}」含有指向压缩包外的路径（{name}），可能是恶意文件，已拒绝。")
        total += info.file_size
        if info.compress_size and info.file_size > CHUNK and info.file_size / info.compress_size > MAX_RATIO:
            raise LoadError(f"「{label}」中的「{name}」压缩比异常（疑似压缩炸弹），已拒绝。")
        if total > max_bytes:
            raise LoadError(f"「{label}」解压后超过 {max_bytes // 1024**2} MB 的上限，已拒绝。")
        if stat.S_ISLNK(info.external_attr >> 16) or info.is_dir() or name.startswith(IGNORED):
            continue
        if PurePosixPath(name).name.startswith("._"):
            continue
        members.append((info, name))
    return members


def extract_zip(path: Path, dest: Path, max_bytes: int) -> Path:
    """Unpack a checked zip under `dest`, counting real bytes so a lying header cannot overrun `max_bytes`."""
    members = check_zip(path, max_bytes)
    dest = dest.resolve()
    written = 0
    with zipfile.ZipFile(path) as zf:
        for info, name in members:
            target = (dest / name.replace("\\", "/")).resolve()
            if not target.is_relative_to(dest):
                raise LoadError(f"「{path.name}」含有指向压缩包外的路径（{name}），可能是恶意文件，已拒绝。")
            target.parent.mkdir(parents=True, exist_ok=True)
            member_bytes = 0
            try:
                with zf.open(info) as src, open(target, "wb") as out:
                    while block := src.read(CHUNK):
                        member_bytes += len(block)
                        written += len(block)
                        if member_bytes > info.file_size or written > max_bytes:
                            raise LoadError(f"「{path.name}」解压后超过声明大小或 {max_bytes // 1024**2} MB 上限，已拒绝。")
                        out.write(block)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise LoadError(f"「{path.name}」中的「{name}」无法解压（压缩包损坏）。", str(exc)) from exc
    return dest

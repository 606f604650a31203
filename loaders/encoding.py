"""Text encodings of planners' files: .cpg / DBF LDID, and UTF-8 vs GB18030 decided from the bytes."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

UTF8 = "UTF-8"
GB18030 = "GB18030"

#: .cpg contents (upper-cased, spaces removed) → Python codec name.
CPG_CODECS = {
    "UTF-8": UTF8, "UTF8": UTF8, "65001": UTF8,
    "GBK": GB18030, "GB2312": GB18030, "GB18030": GB18030, "936": GB18030, "CP936": GB18030, "ANSI936": GB18030,
    "BIG5": "BIG5", "950": "BIG5", "CP950": "BIG5",
    "88591": "ISO-8859-1", "ISO88591": "ISO-8859-1", "LATIN1": "ISO-8859-1",
    "1252": "CP1252", "CP1252": "CP1252", "ANSI1252": "CP1252",
}
#: DBF language driver ids (byte 29) that name one code page; 0 and 0x57 ("system ANSI") name none.
LDID_CODECS = {0x4D: GB18030, 0x7A: GB18030, 0x4E: "CP949", 0x4F: "BIG5", 0x78: "BIG5",
               0x57: None, 0x00: None, 0x01: "CP437", 0x02: "CP850", 0x03: "CP1252", 0x13: "CP932"}
SAMPLE_BYTES = 4 * 1024 * 1024


def codec_from_cpg(text: str) -> str | None:
    """The codec a .cpg file names, or None when it names nothing we know."""
    key = re.sub(r"[\s_\-]", "", text.strip().upper())
    key = key.replace("UTF8", "UTF-8") if key.startswith("UTF8") else key
    return CPG_CODECS.get(key) or CPG_CODECS.get(key.replace("-", ""))


def detect(data: bytes) -> tuple[str, bool]:
    """(codec, non-ASCII seen) for raw text: UTF-8 when it decodes strictly as UTF-8, else GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "UTF-8-SIG", True
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16", True
    if data.isascii():
        return UTF8, False
    try:
        data.decode("utf-8")
        return UTF8, True
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return UTF8, True  # the sample was cut inside a character
    return GB18030, True


def decode(data: bytes) -> tuple[str, str, bool]:
    """(text, codec, detected) for text of unknown encoding; GB18030 undecodable bytes become U+FFFD."""
    codec, detected = detect(data)
    return data.decode(codec, errors="replace"), codec, detected


def find_sidecar(path: Path, suffix: str) -> Path | None:
    """The file next to `path` with the same stem and `suffix`, matched case-insensitively (.DBF, .Cpg …)."""
    exact = path.with_suffix(suffix)
    if exact.exists():
        return exact
    stem = path.stem.lower()
    for other in path.parent.iterdir():
        if other.stem.lower() == stem and other.suffix.lower() == suffix.lower():
            return other
    return None


def dbf_ldid(dbf: Path) -> int:
    """The DBF language driver id (byte 29), 0 when absent."""
    with open(dbf, "rb") as fh:
        head = fh.read(32)
    return head[29] if len(head) >= 30 else 0


@dataclass(frozen=True)
class DbfField:
    """One field descriptor of a DBF header: its name as stored (bytes), type letter, width and offset in a record."""

    name: bytes
    kind: str
    offset: int
    length: int


def dbf_fields(dbf: Path) -> list[DbfField]:
    """The field descriptors of a DBF, read from its header bytes (names are decoded elsewhere, one by one)."""
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        if len(head) < 32:
            return []
        header_len = struct.unpack("<H", head[8:10])[0]
        block = fh.read(max(header_len - 32, 0))
    fields, offset = [], 1  # byte 0 of a record is the deletion flag
    for i in range(0, len(block) - 31, 32):
        if block[i] == 0x0D:
            break
        desc = block[i:i + 32]
        fields.append(DbfField(desc[:11].split(b"\0")[0], chr(desc[11]), offset, desc[16]))
        offset += desc[16]
    return fields


def dbf_char_values(dbf: Path, limit: int = SAMPLE_BYTES) -> list[bytes]:
    """The non-empty values of the character fields in a DBF's first records (at most `limit` bytes): what an encoding is judged on."""
    fields = [f for f in dbf_fields(dbf) if f.kind in "CM"]
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        if len(head) < 32 or not fields:
            return []
        header_len, record_len = struct.unpack("<HH", head[8:12])
        fh.seek(header_len)
        records = fh.read(limit)
    values = []
    for start in range(0, len(records) - record_len + 1, max(record_len, 1)):
        record = records[start:start + record_len]
        values += [v for f in fields if (v := record[f.offset:f.offset + f.length].rstrip(b" \0"))]
    return values


def decode_cut(raw: bytes, codec: str) -> tuple[str, bool]:
    """(text, cut) for bytes in `codec` whose last character may have been cut at a fixed width; UnicodeDecodeError otherwise."""
    try:
        return raw.decode(codec), False
    except UnicodeDecodeError as exc:
        if exc.end == len(raw) and len(raw) - exc.start < 4:
            return raw[:exc.start].decode(codec), True
        raise


def fits(codec: str, values: list[bytes]) -> bool:
    """True when every value decodes in `codec` (a character cut at the value's end allowed)."""
    try:
        for value in values:
            decode_cut(value, codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def judge(values: list[bytes]) -> str:
    """UTF-8 when every non-ASCII value is UTF-8, else GB18030 (what Chinese Windows writes)."""
    return UTF8 if fits(UTF8, values) else GB18030


@dataclass
class EncodingDecision:
    """The codec of a file's text, whether it was judged from the bytes, why (Chinese), and a warning when a declaration lied."""

    codec: str
    detected: bool
    why: str
    warning: str = ""


def shapefile_encoding(shp: Path) -> EncodingDecision:
    """A shapefile's DBF codec: its .cpg or LDID when the values agree with it, else judged from the values' bytes."""
    declared, source = None, ""
    cpg = find_sidecar(shp, ".cpg")
    if cpg is not None:
        text = cpg.read_bytes().decode("ascii", errors="ignore").strip()
        declared, source = codec_from_cpg(text), f".cpg 声明 {text}"
    dbf = find_sidecar(shp, ".dbf")
    if dbf is None:
        return EncodingDecision(declared or UTF8, False, "无 .dbf 属性表")
    if declared is None and LDID_CODECS.get(dbf_ldid(dbf)):
        declared, source = LDID_CODECS[dbf_ldid(dbf)], f"DBF 语言标识 LDID/{dbf_ldid(dbf)}"
    wide = [v for v in dbf_char_values(dbf) if not v.isascii()]
    if declared is None:
        if not wide:
            return EncodingDecision(UTF8, False, "属性值为纯 ASCII")
        found = judge(wide)
        return EncodingDecision(found, True, f"无 .cpg，按属性值的字节判断为 {found}")
    if not wide or (fits(declared, wide) and not (declared != UTF8 and fits(UTF8, wide))):
        return EncodingDecision(declared, False, source)
    found = judge(wide)
    return EncodingDecision(found, True, f"{source}，但属性值按字节判断为 {found}",
                            f"{source}，但属性值不是该编码（可能是拷贝来的 .cpg）；按字节判断为 {found} 并按此读取")


def dxf_encoding(dxf: Path) -> EncodingDecision:
    """A DXF's codec: UTF-8 from AutoCAD 2007 on, else $DWGCODEPAGE ANSI_936, else judged from the bytes (also when those contradict it)."""
    with open(dxf, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    version = re.search(rb"\$ACADVER\s*\r?\n\s*1\s*\r?\n\s*AC(\d+)", sample[:64 * 1024])
    page = re.search(rb"\$DWGCODEPAGE\s*\r?\n\s*3\s*\r?\n\s*(\S+)", sample[:64 * 1024])
    codepage = page.group(1).decode("ascii", "ignore").upper() if page else ""
    declared, source = None, ""
    if version and int(version.group(1)) >= 1021:
        declared, source = UTF8, f"AutoCAD 2007 及以后版本（AC{version.group(1).decode()}）规定为 UTF-8"
    elif codepage in ("ANSI_936", "GB2312", "GBK"):
        declared, source = GB18030, f"$DWGCODEPAGE 声明 {codepage}"
    if sample.isascii():
        return EncodingDecision(declared or UTF8, False, source or "纯 ASCII")
    found, _ = detect(sample)
    found = UTF8 if found.startswith("UTF-8") else found
    if declared is None:
        why = "无 HEADER 段" if not version and not page else f"$DWGCODEPAGE 为 {codepage or '空'}"
        return EncodingDecision(found, True, f"{why}，按字节判断为 {found}")
    if declared == found or (declared == GB18030 and found == GB18030):
        return EncodingDecision(declared, False, source)
    return EncodingDecision(found, True, f"{source}，但内容按字节判断为 {found}",
                            f"{source}，但内容不是该编码；按字节判断为 {found} 并按此读取")


#: MapInfo's charset names (the .tab's `!charset`, the .mif's `Charset`) → Python codec.
MAPINFO_CHARSETS = {"WINDOWSSIMPCHINESE": GB18030, "WINDOWSTRADCHINESE": "BIG5", "UTF-8": UTF8, "UTF8": UTF8,
                    "WINDOWSLATIN1": "CP1252", "ISO8859_1": "latin-1", "WINDOWSKOREAN": "CP949", "WINDOWSJAPANESE": "CP932"}
#: The part of a MapInfo table holding its text values: .dat (TAB, or .mid for MIF).
MAPINFO_DATA = {".tab": ".dat", ".mif": ".mid"}


def mapinfo_encoding(path: Path) -> EncodingDecision:
    """A MapInfo table's codec: its declared charset when the text agrees with it; with 「Neutral」 or none (GDAL writes
    Neutral), or a declaration the bytes contradict, judged from the header and the values' bytes."""
    with open(path, "rb") as fh:
        header = fh.read(64 * 1024)
    match = re.search(rb'(?im)^\s*!?charset\s+"?([A-Za-z0-9_\-]+)"?', header)
    name = match.group(1).decode("ascii", "ignore") if match else ""
    declared = MAPINFO_CHARSETS.get(name.upper())
    data = find_sidecar(path, MAPINFO_DATA.get(path.suffix.lower(), ".dat"))
    sample = header
    if data is not None:
        with open(data, "rb") as fh:
            sample += fh.read(SAMPLE_BYTES)
    if sample.isascii():
        return EncodingDecision(declared or UTF8, False, f"声明字符集 {name}" if name else "纯 ASCII")
    found, _ = detect(sample)
    found = UTF8 if found.startswith("UTF-8") else found
    if declared is None:
        why = f"字符集声明为 {name}" if name else "未声明字符集"
        return EncodingDecision(found, True, f"{why}，按字节判断为 {found}")
    if declared == found or declared not in (UTF8, GB18030):
        return EncodingDecision(declared, False, f"声明字符集 {name}")
    return EncodingDecision(found, True, f"声明字符集 {name}，但内容按字节判断为 {found}",
                            f"文件声明字符集 {name}，但内容不是该编码；按字节判断为 {found} 并按此读取")

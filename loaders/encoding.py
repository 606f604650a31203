"""Text encodings of planners' files: .cpg / DBF LDID, and UTF-8 vs GB18030 decided from the bytes."""

from __future__ import annotations

import re
import struct
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


def dbf_text_sample(dbf: Path, limit: int = SAMPLE_BYTES) -> bytes:
    """Field names and the first records of a DBF, the bytes an encoding is decided from."""
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        if len(head) < 32:
            return b""
        header_len, record_len = struct.unpack("<HH", head[8:12])
        fields = fh.read(max(header_len - 32, 0))
        names = b" ".join(fields[i:i + 11].split(b"\0")[0] for i in range(0, len(fields) - 31, 32) if fields[i] != 0x0D)
        records = fh.read(limit)
    if record_len:
        records = records[: len(records) - len(records) % record_len]
    return names + b" " + records


def shapefile_encoding(shp: Path) -> tuple[str, bool, str]:
    """(codec, detected from bytes?, how it was decided) for a shapefile's DBF: .cpg, else LDID, else the bytes."""
    cpg = find_sidecar(shp, ".cpg")
    if cpg is not None:
        text = cpg.read_bytes().decode("ascii", errors="ignore")
        codec = codec_from_cpg(text)
        if codec:
            return codec, False, f".cpg 声明 {text.strip()}"
    dbf = find_sidecar(shp, ".dbf")
    if dbf is None:
        return UTF8, False, "无 .dbf"
    ldid = dbf_ldid(dbf)
    if LDID_CODECS.get(ldid):
        return LDID_CODECS[ldid], False, f"DBF 语言标识 LDID/{ldid}"
    codec, non_ascii = detect(dbf_text_sample(dbf))
    return codec, non_ascii, "由字节判断" if non_ascii else "纯 ASCII"


def dxf_encoding(dxf: Path) -> tuple[str, bool]:
    """(codec, detected) of a DXF: UTF-8 from AutoCAD 2007 on, else $DWGCODEPAGE, else the bytes."""
    with open(dxf, "rb") as fh:
        head = fh.read(64 * 1024)
    version = re.search(rb"\$ACADVER\s*\r?\n\s*1\s*\r?\n\s*AC(\d+)", head)
    if version and int(version.group(1)) >= 1021:
        return UTF8, False
    page = re.search(rb"\$DWGCODEPAGE\s*\r?\n\s*3\s*\r?\n\s*(\S+)", head)
    codepage = page.group(1).decode("ascii", "ignore").upper() if page else ""
    if codepage in ("ANSI_936", "GB2312", "GBK"):
        return GB18030, False
    with open(dxf, "rb") as fh:
        codec, non_ascii = detect(fh.read(SAMPLE_BYTES))
    return ("UTF-8" if codec.startswith("UTF-8") else codec), non_ascii

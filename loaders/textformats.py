"""Text formats GDAL would decode wrongly, rewritten as UTF-8 before it reads them: KML/KMZ declaring GBK, GeoJSON in GBK,
DXF without a HEADER section or with \\U+XXXX / \\M+nXXXX escapes."""

from __future__ import annotations

import codecs
import re
import zipfile
from pathlib import Path

from loaders import encoding as enc
from loaders.encoding import GB18030, UTF8, EncodingDecision

XML_DECLARATION = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']+)[\"'][^>]*\?>", re.I)
#: AutoCAD's escapes for characters outside the drawing's code page: \U+4E2D, and \M+5B5C0 (n=5: GB2312 bytes).
U_ESCAPE = re.compile(r"\\U\+([0-9A-Fa-f]{4})")
M_ESCAPE = re.compile(r"\\M\+([1-5])([0-9A-Fa-f]{4})")
M_CODECS = {"1": "cp932", "2": "big5", "3": "cp949", "4": "johab", "5": GB18030}
DXF_HEADER = re.compile(rb"(^|\n)\s*0\s*\r?\n\s*SECTION\s*\r?\n\s*2\s*\r?\n\s*HEADER\s*\r?\n")
#: What GDAL needs to honour DXF_ENCODING: a HEADER section naming a version.
MINIMAL_HEADER = "  0\nSECTION\n  2\nHEADER\n  9\n$ACADVER\n  1\nAC1015\n  0\nENDSEC\n"


def _codec(name: str) -> str | None:
    """The Python codec for an encoding name a file declares (GBK and GB2312 read as GB18030), None when unknown."""
    key = name.strip().upper().replace("_", "-")
    if key in ("GBK", "GB2312", "GB18030", "CP936", "EUC-CN", "X-GBK"):
        return GB18030
    try:
        return UTF8 if "".join(key.split("-")) == "UTF8" else codecs.lookup(key).name.upper()
    except LookupError:
        return None


def recode_xml(data: bytes, kind: str = "KML") -> tuple[bytes | None, EncodingDecision]:
    """(UTF-8 bytes with the declaration rewritten, or None when already UTF-8; decision) for a KML document."""
    match = XML_DECLARATION.match(data)
    named = match.group(1).decode("ascii", "ignore") if match else ""
    declared = _codec(named) if named else UTF8
    source = f"{kind} 声明 encoding=\"{named}\"" if named else f"{kind} 未声明编码（按 XML 规定为 UTF-8）"
    codec, detected, warning = declared, False, ""
    if declared is None or not enc.fits(declared, [data]) or (declared != UTF8 and not data.isascii() and enc.fits(UTF8, [data])):
        found = enc.judge([data])
        codec, detected = found, True
        if declared is not None and declared != found:
            warning = f"{source}，但内容不是该编码；按字节判断为 {found} 并按此读取"
    decision = EncodingDecision(codec, detected, source if not detected else f"{source}，按字节判断为 {codec}", warning)
    if codec == UTF8 and not (match and declared != UTF8):
        return None, decision
    text = data.decode(codec, errors="replace").lstrip("\ufeff")
    if match:
        text = re.sub(r"^\s*<\?xml[^>]*\?>", '<?xml version="1.0" encoding="UTF-8"?>', text, count=1)
    return text.encode("utf-8"), decision


def kml_for_gdal(path: Path, tmp: Path) -> tuple[Path, EncodingDecision]:
    """The KML (or KMZ) GDAL should read: the file itself when UTF-8, else its main document rewritten as UTF-8 under tmp."""
    if path.suffix.lower() == ".kmz":
        with zipfile.ZipFile(path) as zf:
            docs = [n for n in zf.namelist() if n.lower().endswith(".kml")]
            if not docs:
                return path, EncodingDecision(UTF8, False, "KMZ 中没有 KML 文档")
            main = next((n for n in docs if n.lower() == "doc.kml"), docs[0])
            data = zf.read(main)
    else:
        data = path.read_bytes()
    recoded, decision = recode_xml(data)
    if recoded is None:
        return path, decision
    out = tmp / f"recoded-{path.stem}.kml"
    out.write_bytes(recoded)
    return out, decision


def geojson_for_gdal(path: Path, tmp: Path) -> tuple[Path, EncodingDecision, bool]:
    """(the GeoJSON GDAL should read, decision, whether the file has a `crs` member): GBK text rewritten as UTF-8."""
    data = path.read_bytes()
    text, codec, detected = enc.decode(data)
    has_crs = re.search(r'"crs"\s*:', text) is not None
    if codec.startswith("UTF-8"):
        return path, EncodingDecision(UTF8, detected, "GeoJSON 规定为 UTF-8"), has_crs
    out = tmp / f"recoded-{path.stem}.geojson"
    out.write_text(text, encoding="utf-8")
    return out, EncodingDecision(codec, detected, f"GeoJSON 应为 UTF-8，但内容按字节判断为 {codec}"), has_crs


def unescape_dxf(text: str) -> tuple[str, int]:
    """(text, count) with AutoCAD's \\U+XXXX and \\M+nXXXX escapes replaced by the characters they stand for."""
    count = 0

    def unicode(m: re.Match) -> str:
        nonlocal count
        count += 1
        return chr(int(m.group(1), 16))

    def multibyte(m: re.Match) -> str:
        nonlocal count
        try:
            char = bytes.fromhex(m.group(2)).decode(M_CODECS[m.group(1)])
        except (UnicodeDecodeError, LookupError):
            return m.group(0)
        count += 1
        return char

    return M_ESCAPE.sub(multibyte, U_ESCAPE.sub(unicode, text)), count


def dxf_for_gdal(path: Path, tmp: Path) -> tuple[Path, EncodingDecision, list[str]]:
    """(the DXF GDAL should read with DXF_ENCODING=UTF-8, decision, repairs): rewritten as UTF-8 with a HEADER when needed."""
    decision = enc.dxf_encoding(path)
    data = path.read_bytes()
    has_header = DXF_HEADER.search(data[:1024 * 1024]) is not None
    escaped = b"\\U+" in data or b"\\M+" in data
    if decision.codec == UTF8 and has_header and not escaped:
        return path, decision, []
    text, count = unescape_dxf(data.decode(decision.codec, errors="replace").lstrip("\ufeff"))
    repairs = [f"CAD 文字转义（\\U+XXXX 等）{count} 处已还原为汉字"] if count else []
    if not has_header:
        text = MINIMAL_HEADER + text
        repairs.append("DXF 没有 HEADER 段，已补上，以便按编码读取")
    out = tmp / f"recoded-{path.stem}.dxf"
    out.write_text(text, encoding="utf-8")
    return out, decision, repairs


_MAPINFO_CHARSET = re.compile(rb'(?i)(!?charset\s+)("?)[A-Za-z0-9_\-]+("?)')


def mapinfo_neutral(path: Path, tmp: Path) -> Path:
    """A copy of a MapInfo table whose header says charset Neutral (its other parts linked beside it), so that GDAL
    hands its text over undecoded and the codec judged from the bytes decodes it."""
    folder = tmp / f"mapinfo-{path.stem}"
    folder.mkdir(parents=True, exist_ok=True)
    for part in path.parent.iterdir():
        if part.stem.lower() == path.stem.lower() and part != path:
            (folder / part.name).symlink_to(part.resolve())
    data = path.read_bytes()
    head, rest = data[:64 * 1024], data[64 * 1024:]
    target = folder / path.name
    target.write_bytes(_MAPINFO_CHARSET.sub(lambda m: m.group(1) + m.group(2) + b"Neutral" + m.group(3), head) + rest)
    return target

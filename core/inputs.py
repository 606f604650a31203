"""What the app accepts from outside, said once: how large an uploaded file of each kind may be (the uploaders, the
readers behind them and Streamlit's own `server.maxUploadSize` in .streamlit/config.toml, the largest of these, follow
this table), an upload's name as text (never a path), and the hidden characters that make text read otherwise.

Each uploader passes its kind's limit as `max_upload_size`: the browser shows it (「单个文件不超过 5 MB」) and refuses a
larger file before sending it (Streamlit's words, put in Chinese by views/static/streamlit_zh.js). A file over its
kind's limit that reaches a reader another way is refused with one Chinese message (`too_large`) before it is read.
"""

from __future__ import annotations

import re

from core.errors import ChaohuError

#: Upload limit in MB per kind of file, and how the message names the kind.
UPLOAD_MB = {"layer": 200, "corrections": 50, "workbook": 5, "evidence": 10}
KIND_NAMES = {"layer": "图层文件", "corrections": "校正记录文件", "workbook": "进展填报工作簿", "evidence": "佐证材料"}
#: How many evidence files (photos, PDFs) one report may carry.
MAX_EVIDENCE_FILES = 5
#: Evidence types by their first bytes (a file's name or the browser's claim is never trusted), with their Chinese names.
EVIDENCE_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png", b"%PDF-": "application/pdf"}
EVIDENCE_KINDS = "JPEG/PNG 照片或 PDF 文件"
#: Characters that reorder or hide text (bidirectional controls): a note could read differently than it is stored.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Streamlit refuses anything above this (the server's own limit behind every uploader's).
LARGEST_MB = max(UPLOAD_MB.values())


class TooLarge(ChaohuError):
    """A file over its kind's upload limit (Chinese message naming the file, its size and the limit)."""


def limit_bytes(kind: str) -> int:
    """The limit of a kind in bytes."""
    return UPLOAD_MB[kind] * 1024**2


def _mb(size_bytes: float) -> str:
    mb = size_bytes / 1024**2
    return f"{mb:,.1f}" if mb < 10 and not mb.is_integer() else f"{mb:,.0f}"


def too_large(name: str, size_bytes: int, kind: str = "layer", max_bytes: int | None = None, advice: str = "") -> str:
    """「文件过大：「x.xlsx」 6.2 MB，超过进展填报工作簿的上限 5 MB，已拒绝。」 and what to do (`advice`)."""
    limit = max_bytes or limit_bytes(kind)
    return (f"文件过大：「{name}」{_mb(size_bytes)} MB，超过{KIND_NAMES.get(kind, '文件')}的上限 {_mb(limit)} MB，已拒绝。"
            + advice)


def check_size(kind: str, name: str, size_bytes: int) -> None:
    """Refuse a file over its kind's limit (TooLarge, Chinese) — call it where the upload is received."""
    if size_bytes > limit_bytes(kind):
        raise TooLarge(too_large(name, size_bytes, kind))


def sniff_type(data: bytes) -> str | None:
    """The evidence type the bytes begin with (image/jpeg, image/png, application/pdf), or None."""
    head = bytes(data[:16])
    return next((mime for magic, mime in EVIDENCE_MAGIC.items() if head.startswith(magic)), None)


def upload_name(name: str) -> str:
    """An uploaded file's client-given name as text to show or record: its last part only, control and bidirectional
    characters removed. Never a path: an upload is saved under a name the app makes, in a private temporary folder."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    return "".join(ch for ch in base if ch not in BIDI_CONTROLS and ch.isprintable()).strip() or "上传的文件"


def hidden_controls(text: str) -> list[str]:
    """The bidirectional control characters in a text, as U+XXXX (empty when there are none)."""
    return sorted({f"U+{ord(ch):04X}" for ch in str(text or "") if ch in BIDI_CONTROLS})

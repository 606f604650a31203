"""Evidence attached to a report (photos, PDFs): checked before anything is stored — the limits of core/inputs.py, the
type by the file's first bytes (never its name), an image that opens — and a photo's EXIF position and date read with
Pillow. A position outside 巢湖市's plausible area is dropped with a note (the photo is kept, without a map marker).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from core.formatting import number
from core.inputs import EVIDENCE_KINDS, KIND_NAMES, MAX_EVIDENCE_FILES, limit_bytes, sniff_type, too_large, upload_name
from loaders.plausibility import distance_km
from store.progress import EvidenceInput
from tracking.errors import ProgressError

#: A photo taken farther than this from 巢湖市's centre is not placed on the map (the city spans about 40 km from it).
PHOTO_KM = 40.0
#: EXIF tags: the GPS block, the Exif block, and within them the position and the dates.
GPS_IFD, EXIF_IFD = 0x8825, 0x8769
LAT_REF, LAT, LON_REF, LON = 1, 2, 3, 4
TAKEN, DATETIME = 36867, 306


@dataclass(frozen=True)
class Position:
    """Where and when a photo says it was taken (WGS84 degrees; the date as EXIF writes it, 2026:11:20 → 2026-11-20)."""

    lat: float
    lon: float
    taken: str | None


def _degrees(dms, ref) -> float:
    d, m, s = (float(x) for x in dms)
    value = d + m / 60 + s / 3600
    return -value if str(ref or "").upper() in ("S", "W") else value


def _date_text(raw) -> str | None:
    text = str(raw or "").strip().strip("\x00")
    if len(text) >= 10 and text[4] == ":" and text[7] == ":":
        return f"{text[:4]}-{text[5:7]}-{text[8:10]}"
    return text[:10] or None


def photo_position(data: bytes) -> Position | None:
    """A JPEG's or PNG's EXIF GPS position and date, or None when it has none (or an unreadable one)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            exif = img.getexif()
            gps = exif.get_ifd(GPS_IFD)
            taken = exif.get_ifd(EXIF_IFD).get(TAKEN) or exif.get(DATETIME)
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError):
        return None
    try:
        lat, lon = _degrees(gps[LAT], gps.get(LAT_REF)), _degrees(gps[LON], gps.get(LON_REF))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Position(lat, lon, _date_text(taken))


def check_evidence(files: Sequence[tuple[str, bytes]], item_id: str) -> tuple[list[EvidenceInput], list[str]]:
    """The files of one report's item as evidence to store, and notes (a GPS position ignored); ProgressError
    (Chinese, naming each file) when there are too many, one is too large, empty, not a photo or PDF by its bytes,
    or an image that does not open. `files` are (client name, bytes)."""
    if len(files) > MAX_EVIDENCE_FILES:
        raise ProgressError(f"事项 {item_id} 附了 {len(files)} 个佐证材料，每次填报最多 {MAX_EVIDENCE_FILES} 个，"
                            "没有写入任何记录。")
    problems, out, notes = [], [], []
    for raw_name, data in files:
        name = upload_name(raw_name)
        if len(data) > limit_bytes("evidence"):
            problems.append(too_large(name, len(data), "evidence"))
            continue
        mime = sniff_type(data)
        if mime is None:
            problems.append(f"「{name}」不是{EVIDENCE_KINDS}（按文件内容判断，与文件名无关），已拒绝。")
            continue
        position, placed = None, False
        if mime != "application/pdf":
            try:
                with Image.open(io.BytesIO(data)) as img:
                    img.verify()
            except (OSError, UnidentifiedImageError, ValueError, SyntaxError):
                problems.append(f"「{name}」看似图片但无法读取（文件可能已损坏），已拒绝。")
                continue
            position = photo_position(data)
            placed = position is not None and (far := distance_km(position.lon, position.lat)) <= PHOTO_KM
            if position is not None and not placed:
                notes.append(f"「{name}」的拍摄位置距巢湖市约 {number(round(far))} 公里，不在巢湖市范围内，"
                             "未标注在地图上（照片已保存）。")
        out.append(EvidenceInput(item_id=item_id, name=name, content_type=mime, data=bytes(data),
                                 lat=position.lat if placed else None, lon=position.lon if placed else None,
                                 taken=position.taken if position else None))
    if problems:
        raise ProgressError(f"{KIND_NAMES['evidence']}未通过检查，没有写入任何记录：\n" + "\n".join(problems))
    return out, notes

"""The file formats the app hands out, declared once: id, Chinese label, file suffix, and the MIME type a download
gets (from Python's ``mimetypes``; the few it lacks are registered here). Writers stay with their packages and are
looked up by format id (``reports.export``, ``reports.printmap``, ``tracking.service``)."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

#: Python's own table, not the machine's /etc/mime.types: the same answer on every machine.
_TYPES = mimetypes.MimeTypes()
for _type, _suffix in (("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
                       ("application/geopackage+sqlite3", ".gpkg"), ("application/geo+json", ".geojson")):
    _TYPES.add_type(_type, _suffix)


def mime_type(name: str | Path) -> str:
    """The MIME type of a file name or suffix (``.zip``, ``汇报.html``); application/octet-stream when unknown."""
    name = str(name)
    return _TYPES.guess_type(f"file{name}" if name.startswith(".") else name, strict=False)[0] or "application/octet-stream"


@dataclass(frozen=True)
class Format:
    """One format a planner can choose: its id (command lines, URLs), the label the app shows, the file's suffix."""

    id: str
    label: str
    suffix: str

    @property
    def mime(self) -> str:
        """The MIME type a download of this format gets."""
        return mime_type(self.suffix)


#: Format id → format.
FORMATS = {f.id: f for f in (
    Format("xlsx", "Excel（.xlsx）", ".xlsx"),
    Format("csv", "CSV（Excel 可直接打开）", ".csv"),
    Format("gpkg", "GeoPackage", ".gpkg"),
    Format("geojson", "GeoJSON", ".geojson"),
    Format("shp", "Shapefile（zip）", ".zip"),
    Format("html", "离线网页地图", ".html"),
    Format("pdf", "PDF", ".pdf"),
    Format("png", "PNG", ".png"),
)}


def choose(*ids: str) -> dict[str, Format]:
    """The formats one export offers, in this order (a dict: id → format)."""
    return {i: FORMATS[i] for i in ids}

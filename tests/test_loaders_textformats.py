"""KML declaring GBK, and DXF without a HEADER or with \\U+XXXX escapes: decoded right and the encoding said honestly."""

from __future__ import annotations

import zipfile

import pytest
from filebuild import TRUTH, assert_at_truth, metres_off
from pyproj import Transformer

from loaders.files import read_any

PLACEMARKS = "".join(f"<Placemark><name>{n}</name><description>乡镇驻地</description><Point><coordinates>{x},{y},0</coordinates>"
                     f"</Point></Placemark>" for n, (x, y) in TRUTH.items())


def _kml(declared: str | None) -> str:
    head = f'<?xml version="1.0" encoding="{declared}"?>\n' if declared else ""
    return head + f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>驻地</name>{PLACEMARKS}</Document></kml>'


def _names(lr):
    col = next(c for c in lr.gdf.columns if c.lower() == "name")
    return lr.gdf.rename(columns={col: "名称"})


@pytest.mark.parametrize("declared", ["GBK", "gb2312", "GB18030"])
def test_kml_declaring_gbk_is_decoded(tmp_path, declared):
    path = tmp_path / "驻地.kml"
    path.write_bytes(_kml(declared).encode("gbk"))
    lr = read_any(path).layers[0]
    assert lr.encoding == "GB18030" and not lr.encoding_detected and declared in lr.encoding_why
    assert set(lr.gdf["description"]) == {"乡镇驻地"} and not lr.warnings
    assert_at_truth(_names(lr), 1.0)


def test_kmz_whose_kml_declares_gbk(tmp_path):
    kmz = tmp_path / "奥维.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.writestr("doc.kml", _kml("GBK").encode("gbk"))
        zf.writestr("files/icon.png", b"\x89PNG")
    lr = read_any(kmz).layers[0]
    assert lr.encoding == "GB18030"
    assert_at_truth(_names(lr), 1.0)


def test_kml_saying_utf8_but_written_in_gbk_is_detected_and_said(tmp_path):
    path = tmp_path / "a.kml"
    path.write_bytes(_kml("UTF-8").encode("gbk"))
    lr = read_any(path).layers[0]
    assert lr.encoding == "GB18030" and lr.encoding_detected and any("UTF-8" in w for w in lr.warnings)
    assert_at_truth(_names(lr), 1.0)


def _zone39(lon: float, lat: float) -> tuple[float, float]:
    """A true position as zone-prefixed Gauss-Krüger (zone 39) easting, northing."""
    return Transformer.from_crs("EPSG:4490", "EPSG:4527", always_xy=True).transform(lon, lat)


def _entities(layer_name: str, text: str) -> str:
    """A TEXT at the first truth point and a LINE from it, on CAD layer `layer_name` (as written in the file)."""
    (x, y) = _zone39(*TRUTH["巢湖市政府"])
    return (f"  0\nSECTION\n  2\nENTITIES\n  0\nTEXT\n  8\n{layer_name}\n 10\n{x:.3f}\n 20\n{y:.3f}\n 40\n2.5\n  1\n{text}\n"
            f"  0\nLINE\n  8\n{layer_name}\n 10\n{x:.3f}\n 20\n{y:.3f}\n 11\n{x + 100:.3f}\n 21\n{y + 50:.3f}\n  0\nENDSEC\n  0\nEOF\n")


def test_dxf_without_header_in_gbk(tmp_path):
    path = tmp_path / "无表头.dxf"
    path.write_bytes(_entities("道路中线", "巢湖市政府").encode("gbk"))
    layers = read_any(path).layers
    assert {v for lr in layers for v in lr.gdf["Layer"]} == {"道路中线"}
    text = next(lr for lr in layers if "Text" in lr.gdf.columns and lr.gdf["Text"].notna().any())
    assert text.gdf["Text"].dropna().tolist() == ["巢湖市政府"]
    assert all(lr.encoding == "GB18030" and lr.encoding_detected and "HEADER" in lr.encoding_why for lr in layers)
    assert metres_off(text.gdf.geometry.iloc[0], *TRUTH["巢湖市政府"]) < 1.0


def test_dxf_with_unicode_escapes_and_a_1252_header(tmp_path):
    header = "  0\nSECTION\n  2\nHEADER\n  9\n$ACADVER\n  1\nAC1015\n  9\n$DWGCODEPAGE\n  3\nANSI_1252\n  0\nENDSEC\n"
    escaped = "".join(f"\\U+{ord(c):04X}" for c in "道路中线")
    gb = "".join(f"\\M+5{c.encode('gb2312').hex().upper()}" for c in "巢湖")
    path = tmp_path / "转义.dxf"
    path.write_bytes((header + _entities(escaped, gb + "\\U+5E02")).encode("ascii"))
    layers = read_any(path).layers
    assert {v for lr in layers for v in lr.gdf["Layer"]} == {"道路中线"}
    text = next(lr for lr in layers if "Text" in lr.gdf.columns and lr.gdf["Text"].notna().any())
    assert text.gdf["Text"].dropna().tolist() == ["巢湖市"]
    assert any("转义" in r for r in text.repairs)

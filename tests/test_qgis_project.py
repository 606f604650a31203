"""`python -m reports qgis --out DIR` writes a QGIS project that QGIS itself opens: every layer valid, read from the
GeoPackage beside it by a relative path (the folder still works when moved), drawn as the app draws it.

QGIS is Debian's python3-qgis (3.22), run headless by /usr/bin/python3 on tests/qgis_check.py.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import box

from core.declarations import LAYERS
from core.formatting import DEFAULT_NOTE
from qgis_check import qgis

pytestmark = pytest.mark.slow

def test_qgis_opens_every_layer_styled_from_relative_paths(tmp_path, monkeypatch, capsys):
    from reports.__main__ import main
    from store import forget_stores, open_store

    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.setenv("CHAOHU_WORKSPACE", str(ws))
    open_store(gpkg=ws / "workspace.gpkg").add_layer(
        "园区地块", gpd.GeoDataFrame({"名称": ["东区地块"]}, geometry=[box(117.86, 31.60, 117.87, 31.61)], crs="EPSG:4490"), "测试")
    try:
        assert main(["qgis", "--out", str(tmp_path / "out")]) == 0
    finally:
        forget_stores()
    written = [Path(line) for line in capsys.readouterr().out.split()]
    qgz, gpkg = written
    assert qgz.suffix == ".qgz" and gpkg.suffix == ".gpkg" and qgz.parent == gpkg.parent

    with zipfile.ZipFile(qgz) as zf:
        root = ElementTree.fromstring(zf.read(next(n for n in zf.namelist() if n.endswith(".qgs"))))
    sources = [e.text for e in root.iter("datasource")]
    assert sources and all(s.startswith(f"./{gpkg.name}|layername=") for s in sources), sources

    moved = tmp_path / "elsewhere" / "地图"
    shutil.move(str(qgz.parent), str(moved))  # relative paths: the folder works wherever it is copied
    seen = qgis(moved / qgz.name)
    assert seen["read"] and seen["title"] == "巢湖市制造业规划图" and seen["abstract"] == DEFAULT_NOTE
    assert seen["crs"] == "EPSG:4548"
    layers = {layer["name"]: layer for layer in seen["layers"]}
    assert len(layers) >= 10 and all(layer["valid"] for layer in layers.values()), [n for n, v in layers.items() if not v["valid"]]
    assert {s.title for s in LAYERS} | {"我的数据：园区地块"} <= set(layers)
    for layer in layers.values():
        assert layer["source"].startswith(str(moved / gpkg.name)), layer["source"]
        table = layer["source"].split("layername=")[1]
        assert layer["features"] == pyogrio.read_info(moved / gpkg.name, layer=table)["features"]
    towns = layers["特色小镇"]
    assert towns["features"] == 6 and towns["labels"] and towns["label_field"] == "name"
    assert towns["categories"]["located"]["color"].startswith("255,212,59")  # #ffd43b, the map's fill
    parks = layers["产业园区与基地"]["categories"]
    assert (parks["located"]["outline_style"], parks["approximate"]["outline_style"], parks["schematic"]["outline_style"]) == (
        "solid", "dash", "dot")
    roads = layers["半岛科学城路网"]["categories"]
    assert roads["located"]["use_custom_dash"] == "0" and roads["approximate"]["use_custom_dash"] == "1"
    assert roads["approximate"]["customdash"] == "6;4"

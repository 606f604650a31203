"""Everything that came from a planner's file reaches the map page as text: column names (tooltip aliases),
values, layer names and file names are escaped, nothing can close the page's script, and no name becomes a link."""

from __future__ import annotations

import json
import re

import geopandas as gpd
from shapely.geometry import Point

from layers.mapview import build_map
from layers.userlayers import user_layers
from loaders.workspace import Workspace

HEADER = "<img src=x onerror=top.__xss=1>"
KEY = "</script><script>top.__xss=2</script>"
LINK = "javascript:top.__xss=3"


def hostile_layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"名称": ["甲厂"], HEADER: ["<b>值</b>"], KEY: [LINK]}, geometry=[Point(117.8, 31.6)], crs="EPSG:4490")


def rendered(catalog, tmp_path, monkeypatch) -> str:
    """The map page with the hostile layer as the app shows a planner's layer."""
    monkeypatch.setenv("CHAOHU_WORKSPACE", str(tmp_path))
    Workspace().add(f"<svg onload=top.__xss=4>{LINK}", hostile_layer(), source="<img src=y>.csv")
    extra = user_layers().layers
    assert len(extra) == 1
    m = build_map(catalog.layers, ["city_boundary"], extra=extra)
    return m.get_root().render()


def js_array(page: str, name: str) -> list[list[str]]:
    """Every `let NAME = [...]` literal in the page, decoded as the browser would."""
    return [json.loads(lit) for lit in re.findall(rf"let {name} = (\[.*?\]);", page)]


def test_tooltip_aliases_are_escaped_and_nothing_closes_the_script(catalog, tmp_path, monkeypatch):
    page = rendered(catalog, tmp_path, monkeypatch)
    aliases = [a for arr in js_array(page, "aliases") for a in arr]
    # the browser puts these into innerHTML: they must arrive escaped, showing the header literally
    assert "&lt;img src=x onerror=top.__xss=1&gt;" in aliases
    assert "&lt;/script&gt;&lt;script&gt;top.__xss=2&lt;/script&gt;" in aliases
    assert not any("<" in a or ">" in a for a in aliases)
    assert HEADER not in page and "<script>top.__xss" not in page and "<svg onload" not in page
    assert "<img src=y>" not in page


def test_layer_names_in_the_legend_are_text_and_no_name_becomes_a_link(catalog, tmp_path, monkeypatch):
    page = rendered(catalog, tmp_path, monkeypatch)
    assert "我的数据：&lt;svg onload=top.__xss=4&gt;javascript:top.__xss=3" in page
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", page, re.I)
    assert all("javascript:" not in tag for tag in re.findall(r"<a\b[^>]*>", page, re.I))

"""Everything that came from a planner's file reaches the map page as text: column names (tooltip aliases),
values, layer names and file names are escaped, nothing can close the page's script, and no name becomes a link."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import geopandas as gpd
from shapely.geometry import Point

from layers.mapview import build_map
from layers.userlayers import user_layers
from store.gpkg import GpkgStore

HEADER = "<img src=x onerror=top.__xss=1>"
KEY = "</script><script>top.__xss=2</script>"
LINK = "javascript:top.__xss=3"


def hostile_layer() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"名称": ["甲厂"], HEADER: ["<b>值</b>"], KEY: [LINK]}, geometry=[Point(117.8, 31.6)], crs="EPSG:4490")


def rendered(catalog, tmp_path) -> str:
    """The map page with the hostile layer as the app shows a planner's layer."""
    ws = GpkgStore(tmp_path / "workspace.gpkg")
    ws.add_layer(f"<svg onload=top.__xss=4>{LINK}", hostile_layer(), source="<img src=y>.csv")
    extra = user_layers(ws).layers
    assert len(extra) == 1
    m = build_map(catalog.layers, ["city_boundary"], extra=extra)
    return m.get_root().render()


def tooltips(page: str) -> list[str]:
    """Every feature's tooltip HTML (`_tip`) in the page, decoded as the browser would."""
    return [json.loads(f'"{lit}"') for lit in re.findall(r'"_tip": "((?:[^"\\]|\\.)*)"', page)]


class _Cells(HTMLParser):
    """The text of each table cell of a tooltip, as the browser shows it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "td":
            self.cells.append("")

    def handle_data(self, data):
        if self.cells:
            self.cells[-1] += data


def test_tooltips_show_headers_and_values_as_text_and_nothing_closes_the_script(catalog, tmp_path):
    page = rendered(catalog, tmp_path)
    tips = [t for t in tooltips(page) if "甲厂" in t]
    assert len(tips) == 1
    cells = _Cells()
    cells.feed(tips[0])
    # the browser puts the tooltip into innerHTML: headers and values arrive escaped and show literally
    assert HEADER in cells.cells and KEY in cells.cells and "<b>值</b>" in cells.cells and LINK in cells.cells
    assert set(cells.tags) == {"table", "tr", "td"}  # no element of the file's text became markup
    assert cells.cells.count("甲厂") == 1  # the name once (the file's 名称 column), not again as `name`
    assert HEADER not in page and "<script>top.__xss" not in page and "<svg onload" not in page
    assert "<img src=y>" not in page


def test_layer_names_in_the_legend_are_text_and_no_name_becomes_a_link(catalog, tmp_path):
    page = rendered(catalog, tmp_path)
    config = json.loads(re.search(r"chaohuClient\(\w+, (\{.*?\})\); \}", page).group(1))
    assert "我的数据：&lt;svg onload=top.__xss=4&gt;javascript:top.__xss=3" in config["legend"]  # innerHTML: escaped
    assert "我的数据：&lt;svg onload=top.__xss=4&gt;javascript:top.__xss=3" in config["titles"].values()
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", page, re.I)
    assert all("javascript:" not in tag for tag in re.findall(r"<a\b[^>]*>", page, re.I))


def test_tooltips_leave_out_empty_fields_and_keep_every_value():
    """A KML's many empty columns (Description, timestamp …) do not fill the tooltip; no value is dropped."""
    import pandas as pd

    from layers.mapview import tooltip_html
    from layers.userlayers import popup_fields

    columns = {"Name": ["甲厂"], "Description": [""], "timestamp": [None], "altitudeMode": [float("nan")]}
    columns.update({f"字段{i}": [f"值{i}"] for i in range(12)})
    gdf = gpd.GeoDataFrame(columns, geometry=[Point(117.8, 31.6)], crs="EPSG:4490")
    gdf["name"] = gdf["Name"]
    spec_fields = popup_fields(gdf, own_name=False)
    cells = _Cells()
    cells.feed(tooltip_html(pd.Series(gdf.iloc[0]), type("Spec", (), {"popup_fields": spec_fields})()))
    assert cells.cells.count("甲厂") == 1
    assert [f"值{i}" for i in range(12)] == [c for c in cells.cells if c.startswith("值")]  # all twelve, none dropped
    assert not any(label in cells.cells for label in ("Description", "timestamp", "altitudeMode"))

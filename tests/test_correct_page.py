"""What the 校正位置 page is built from, without a browser: the picker's labels, the catalogue made again after a save
(only the corrected layer is joined to the towns again, and its 来源 is the correction's), places.yaml parsed once per
content, and the drawing map's surroundings over a GCJ-02 basemap (what is drawn there comes back in CGCS2000)."""

from __future__ import annotations

import shutil

import pytest
from shapely.geometry import Point

from corrections import checks as c
from layers import catalog as catalog_module
from layers.editmap import context_layers, edit_map, unshifted
from loaders import places as places_module
from store.gpkg import GpkgStore
from views.pages.correct import place_labels

PLACE, NAME = "ft_zhonghan", "中垾体育小镇"
SOURCE = "中垾镇政府 2025 年小镇选址图"


@pytest.fixture
def corrected(tmp_path):
    """A store with 中垾体育小镇 moved 600 m east, and the catalogue made from it."""
    store = GpkgStore(tmp_path / "workspace.gpkg")
    shipped = c.plan_place(PLACE).geometry
    c.correct(store, PLACE, Point(shipped.x + 0.006, shipped.y), SOURCE, "2025-03-01", user="张三")
    yield store
    store.engine.dispose()


def test_after_a_save_only_the_corrected_layer_is_joined_again_and_its_source_is_the_correction_s(corrected, monkeypatch):
    catalog_module.load_catalog(store=corrected)  # what the app holds before the save
    shipped = c.plan_place(PLACE).geometry
    c.correct(corrected, PLACE, Point(shipped.x - 0.004, shipped.y), "镇政府第二版选址图", "2025-04-01", user="张三")
    joined = []
    real = catalog_module.load_layer
    monkeypatch.setattr(catalog_module, "load_layer", lambda spec, *a, **k: joined.append(spec.id) or real(spec, *a, **k))
    after = catalog_module.load_catalog(store=corrected)
    assert joined == ["feature_towns"]
    feature = after.feature(PLACE)
    assert feature["source"] == "镇政府第二版选址图" and feature["correction"] == "已校准：镇政府第二版选址图（2025-04-01）"
    assert feature["geometry"].x == pytest.approx(shipped.x - 0.004)


def test_the_picker_names_every_place_with_its_layer_accuracy_and_correction(corrected):
    catalog = catalog_module.load_catalog(store=corrected)
    labels = place_labels(catalog)
    assert set(labels) == set(catalog.places["id"])
    assert labels[PLACE] == f"{NAME}（特色小镇 · 位置有出处 · 已校准）"
    assert labels["edz_juchao"].startswith("居巢经开区（居巢经开区 · ") and "已校准" not in labels["edz_juchao"]
    missing = catalog.places.loc[~catalog.places["id"].isin(catalog.features["id"]), "id"]
    assert len(missing) and all(labels[p].endswith("· 规划未给位置）") for p in missing)


def test_places_yaml_is_parsed_once_per_content_and_an_edit_is_followed(tmp_path, monkeypatch):
    plan_dir = tmp_path / "plan"
    shutil.copytree(places_module.settings.current().plan_dir, plan_dir)
    monkeypatch.setenv("CHAOHU_PLAN_DIR", str(plan_dir))
    parsed = []
    real = places_module.yaml.safe_load
    monkeypatch.setattr(places_module.yaml, "safe_load", lambda fh: parsed.append(1) or real(fh))
    for _ in range(5):
        assert c.plan_place(PLACE).name == NAME
    assert len(parsed) == 1
    text = (plan_dir / "places.yaml").read_text(encoding="utf-8")
    (plan_dir / "places.yaml").write_text(text.replace(f"name: {NAME}", "name: 中垾体育特色小镇"), encoding="utf-8")
    assert c.plan_place(PLACE).name == "中垾体育特色小镇" and len(parsed) == 2


def test_over_a_gcj02_basemap_the_surroundings_are_shifted_and_a_drawing_comes_back_in_cgcs2000(catalog):
    plain, shifted = context_layers(catalog), context_layers(catalog, gcj02=True)
    layers = dict(plain["layers"])
    assert {"township_areas", "lake", "city_boundary", "feature_towns", "peninsula_roads"} <= set(layers)
    names = {x["t"] for x in plain["labels"]}
    assert {"中垾镇", NAME, "居巢经开区"} <= names
    here = next(x["a"] for x in plain["labels"] if x["t"] == NAME)
    there = next(x["a"] for x in shifted["labels"] if x["t"] == NAME)
    assert 0.001 < abs(there[1] - here[1]) < 0.01  # GCJ-02 lies a few hundred metres off around 巢湖
    drawn_on_amap = Point(there[1], there[0])
    back = unshifted(drawn_on_amap, "amap")
    assert back.distance(Point(here[1], here[0])) < 1e-6 and unshifted(drawn_on_amap, "osm") is drawn_on_amap
    html = edit_map(catalog, PLACE, "draw", basemap="amap", context=shifted, max_zoom=15).get_root().render()
    assert "autonavi.com" in html and '"maxZoom": 15' in html
    assert NAME not in html  # the place itself is the dashed 现位置, not one of its surroundings

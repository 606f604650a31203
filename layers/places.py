"""A plan place as data, as the map draws it now (corrections applied): what `python -m layers show PLACE_ID --json`
prints and what the app's HTTP API (presentation/places.py) builds on."""

from __future__ import annotations

from core.clock import local_iso
from core.formatting import accuracy_label, blank
from corrections.checks import Place, plan_place
from layers.catalog import Catalog
from store.corrections import entry_geojson


def place_record(catalog: Catalog, place_id: str) -> dict:
    """A plan place as drawn now: geometry (GeoJSON, EPSG:4490), accuracy, source, town, size, and its correction."""
    row = catalog.place(str(place_id).strip())
    place = plan_place(place_id) if row is None else Place(row["id"], row["layer"], row["name"], None, row["accuracy"])
    f = catalog.feature(place.id)
    current = catalog.corrections.of(place.id)
    number = lambda key: None if f is None or blank(f.get(key)) else round(float(f[key]), 4)  # noqa: E731
    return {
        "id": place.id,
        "name": place.name,
        "layer": place.layer,
        "layer_title": place.spec.title,
        "town": "" if f is None else f["town"],
        "accuracy": "" if f is None else f["accuracy"],
        "accuracy_label": "规划未给位置" if f is None else accuracy_label(f["accuracy"]),
        "corrected": current is not None,
        "source": current.source if current else ("" if f is None else f["source"]),
        "source_date": current.source_date if current else "",
        "corrected_by": current.made_by if current else None,
        "corrected_at": local_iso(current.made_at) if current else None,
        "method": current.method if current else None,
        "area_km2": number("area_km2"),
        "length_km": number("length_km"),
        "history": len(catalog.corrections.history.get(place.id, [])),
        "geometry": None if f is None else entry_geojson(f["geometry"]),
    }

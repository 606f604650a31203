"""Build the plan-layer shapefiles in data/shapefiles/ from data/plan/places.yaml.

One shapefile per plan layer (EPSG:4490, UTF-8 .cpg), with the columns of loaders.places.COLUMNS.
Places without a geometry stay in places.yaml only (their parent's panel lists them). `town` is
not stored: the map computes it at load time from the township areas.
Run: python scripts/build_plan_layers.py
"""

import sys
from pathlib import Path

import pyogrio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.declarations import BY_ID, PLAN_LAYER_IDS  # noqa: E402
from core.settings import SHAPEFILE_DIR  # noqa: E402
from loaders.places import layer_frame, load_places_yaml  # noqa: E402

SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def build(out_dir: Path = SHAPEFILE_DIR) -> dict[str, int]:
    """Write every plan layer to out_dir; returns the number of features written per layer."""
    places = load_places_yaml()
    counts = {}
    for layer in PLAN_LAYER_IDS:
        frame = layer_frame(places, layer)
        if frame.empty:
            raise SystemExit(f"图层 {layer} 没有带几何的地点，无可绘制")
        stem = BY_ID[layer].file
        for ext in SHAPEFILE_PARTS:  # start clean, so no stale part of an older build survives
            (out_dir / f"{stem}{ext}").unlink(missing_ok=True)
        pyogrio.write_dataframe(frame, out_dir / f"{stem}.shp", encoding="UTF-8")
        counts[layer] = len(frame)
    return counts


if __name__ == "__main__":
    for layer, n in build().items():
        print(f"{layer}: {n}")

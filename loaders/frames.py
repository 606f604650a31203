"""GDAL layers read field by field position (so two fields of the same name stay two columns), in chunks with progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

Progress = Callable[[float, str], None]
#: Above this many features a layer is read in chunks so progress can be shown.
CHUNK_FEATURES = 50_000


def say(progress: Progress | None, fraction: float, message: str) -> None:
    """Report progress if someone listens."""
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)


@dataclass
class RawLayer:
    """A layer as GDAL hands it over: field names and arrays by position, geometries, CRS (None when the file has none)."""

    names: list[str]
    columns: list[np.ndarray]
    geometry: np.ndarray
    crs: str | None

    def frame(self, names: list[str] | None = None) -> gpd.GeoDataFrame:
        """A GeoDataFrame with the given (unique) column names, in field order."""
        names = self.names if names is None else names
        data = pd.DataFrame(dict(enumerate(self.columns)), index=pd.RangeIndex(len(self.geometry)))
        data.columns = names
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(self.geometry, index=data.index), crs=self.crs)


def read_layer(path, layer: str | None, encoding: str | None, label: str, progress: Progress | None) -> RawLayer:
    """One layer through pyogrio's raw reader, in chunks (with progress) when it is large and the format allows it."""
    kwargs = {"layer": layer, "encoding": encoding} if encoding else {"layer": layer}
    info = pyogrio.read_info(path, **kwargs)
    total = int(info.get("features") or 0)
    if total > CHUNK_FEATURES and info["capabilities"].get("fast_set_next_by_index"):
        parts = []
        for start in range(0, total, CHUNK_FEATURES):
            parts.append(pyogrio.raw.read(path, skip_features=start, max_features=CHUNK_FEATURES, **kwargs))
            done = min(start + CHUNK_FEATURES, total)
            say(progress, done / total, f"读取「{label}」：{done}/{total}")
        meta = parts[0][0]
        columns = [np.concatenate([p[3][i] for p in parts]) for i in range(len(meta["fields"]))]
        wkb = np.concatenate([p[2] for p in parts]) if parts[0][2] is not None else None
    else:
        say(progress, 0.1, f"读取「{label}」…")
        meta, _, wkb, columns = pyogrio.raw.read(path, **kwargs)
    n = len(wkb) if wkb is not None else (len(columns[0]) if columns else 0)
    say(progress, 1.0, f"已读取「{label}」：{n} 个要素")
    geometry = shapely.from_wkb(wkb) if wkb is not None else np.full(n, None, dtype=object)
    return RawLayer([str(f) for f in meta["fields"]], list(columns), geometry, meta["crs"])

"""The planner's own layers: a thin facade over the shared store (``store``), plus loose files in `<workspace>/layers/`.

Kept for the callers written before the store existed (the app's upload and layer list, layers/userlayers.py);
new code uses ``store.open_store()`` directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from core import settings
from loaders.errors import LoadError
from loaders.files import read_any
from store import LOCAL_USER, open_store

SUFFIXES = (".geojson", ".gpkg", ".shp")


def workspace_dir() -> Path:
    """Where the planner's layers live: $CHAOHU_WORKSPACE, else `workspace/` in the project."""
    return settings.current().workspace_dir


def workspace_path() -> Path:
    """The workspace GeoPackage: $CHAOHU_WORKSPACE_GPKG, else `workspace.gpkg` in workspace_dir()."""
    return settings.current().workspace_gpkg


class Workspace:
    """The layers of the store in effect (PostGIS when configured, else the GeoPackage), or of the GeoPackage at `path`."""

    def __init__(self, path: str | Path | None = None, user: str = LOCAL_USER):
        self.store = open_store(gpkg=path) if path else open_store()
        self.user = user

    @property
    def path(self) -> Path | None:
        """The GeoPackage file (None when the store is PostGIS)."""
        return getattr(self.store, "path", None)

    def layers(self) -> list[str]:
        """The layer names, in the order they were added."""
        return self.store.layer_names()

    def read(self, name: str) -> gpd.GeoDataFrame:
        """One layer in EPSG:4490."""
        return self.store.read_layer(name)

    def read_all(self) -> list[tuple[str, gpd.GeoDataFrame]]:
        """(name, layer) for every layer."""
        return self.store.read_all()

    def add(self, name: str, gdf: gpd.GeoDataFrame, user: str | None = None, source: str = "") -> str:
        """Store a layer under `name` (made unique in the same transaction); the name it was stored under."""
        return self.store.add_layer(name, gdf, user or self.user, source=source).name

    def rename(self, old: str, new: str, user: str | None = None) -> str:
        """Rename a layer; the new name (LoadError if another layer has it)."""
        return self.store.rename_layer(old, new, user or self.user)

    def remove(self, name: str, user: str | None = None) -> None:
        """Move a layer to the recycle bin (restorable for 30 days)."""
        self.store.remove_layer(name, user or self.user)


@dataclass
class UserLayers:
    """The planner's layers as read, and what could not be read (Chinese, shown in the app)."""

    layers: list[tuple[str, gpd.GeoDataFrame]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_user_layers(directory: Path | None = None) -> UserLayers:
    """The store's layers, then every vector file under `<workspace>/layers/`; unreadable ones are reported, not fatal."""
    base = Path(directory) if directory else workspace_dir()
    out = UserLayers()
    try:
        out.layers += Workspace(base / "workspace.gpkg" if directory else None).read_all()
    except LoadError as exc:  # a damaged or unreachable store must not take the map down, but it is said
        out.problems.append(f"工作空间无法读取，其中的图层暂不显示：{exc.message}")
    folder = base / "layers"
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        if path.suffix.lower() not in SUFFIXES:
            continue
        try:
            result = read_any(path)
        except LoadError as exc:
            out.problems.append(f"工作空间中的文件「{path.name}」未显示：{exc.message}")
            continue
        for lr in result.layers:
            out.layers.append((path.stem if len(result.layers) == 1 else f"{path.stem}·{lr.name}", lr.gdf))
    return out

"""The planner's own layers kept in a local GeoPackage workspace (atomic writes), plus loose files in `<workspace>/layers/`."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyogrio

from core import settings
from core.atomic import fsync_path as _fsync
from geo.crs import STORAGE
from loaders.errors import LoadError
from loaders.files import read_any

SUFFIXES = (".geojson", ".gpkg", ".shp")
RESERVED_PREFIXES = ("gpkg_", "rtree_", "sqlite_")
MAX_NAME = 60


def workspace_dir() -> Path:
    """Where the planner's layers live (settings: $CHAOHU_WORKSPACE, else `workspace/`)."""
    return settings.current().workspace_dir


def workspace_path() -> Path:
    """The workspace GeoPackage (settings: $CHAOHU_WORKSPACE_GPKG, else `workspace.gpkg` in workspace_dir())."""
    return settings.current().workspace_gpkg


class Workspace:
    """Layers in one GeoPackage, EPSG:4490; every change writes a copy, fsyncs it and swaps it in with os.replace."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else workspace_path()

    def layers(self) -> list[str]:
        """The layer names, in the order they were added."""
        if not self.path.exists():
            return []
        return [str(name) for name, _ in pyogrio.list_layers(self.path)]

    def read(self, name: str) -> gpd.GeoDataFrame:
        """One layer in EPSG:4490."""
        if name not in self.layers():
            raise LoadError(f"工作空间中没有名为「{name}」的图层。")
        gdf = pyogrio.read_dataframe(self.path, layer=name)
        return gdf.set_crs(STORAGE) if gdf.crs is None else gdf.to_crs(STORAGE)

    def read_all(self) -> list[tuple[str, gpd.GeoDataFrame]]:
        """(name, layer) for every layer."""
        return [(name, self.read(name)) for name in self.layers()]

    def _clean_name(self, name: str) -> str:
        """A usable layer name: trimmed, not empty, not reserved by GeoPackage, at most 60 characters."""
        name = " ".join(str(name).replace("/", "·").split())[:MAX_NAME]
        if not name:
            raise LoadError("图层名称不能为空。")
        if name.lower().startswith(RESERVED_PREFIXES):
            raise LoadError(f"图层名称不能以 {'、'.join(RESERVED_PREFIXES)} 开头。")
        return name

    def _unique(self, name: str, taken: list[str]) -> str:
        """`name`, or `name（2）`, `name（3）` … when taken (names compare case-insensitively, as SQLite does)."""
        lower = {t.lower() for t in taken}
        candidate, i = name, 2
        while candidate.lower() in lower:
            candidate, i = f"{name}（{i}）", i + 1
        return candidate

    @contextlib.contextmanager
    def _change(self):
        """Yield a temporary copy path to build the new workspace in; swap it in atomically under a lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        with open(lock, "w") as lock_fh:
            fcntl.flock(lock_fh, fcntl.LOCK_EX)
            for stale in self.path.parent.glob(f".{self.path.stem}.*.tmp.gpkg"):  # left by a killed save
                stale.unlink(missing_ok=True)
            tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp.gpkg")
            try:
                yield tmp
                if tmp.exists():
                    _fsync(tmp)
                    os.replace(tmp, self.path)
                else:
                    self.path.unlink(missing_ok=True)
                _fsync(self.path.parent)
            finally:
                tmp.unlink(missing_ok=True)

    def _write(self, gdf: gpd.GeoDataFrame, target: Path, name: str) -> None:
        """Write one layer into a GeoPackage (added beside the others, or replacing one of the same name)."""
        gdf = gdf.set_crs(STORAGE) if gdf.crs is None else gdf.to_crs(STORAGE)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pyogrio.write_dataframe(gdf, target, layer=name, driver="GPKG")

    def add(self, name: str, gdf: gpd.GeoDataFrame) -> str:
        """Store a layer under `name` (made unique); the name it was stored under."""
        if gdf is None or len(gdf) == 0:
            raise LoadError("空图层无法加入工作空间。")
        name = self._unique(self._clean_name(name), self.layers())
        with self._change() as tmp:
            if self.path.exists():
                shutil.copyfile(self.path, tmp)
            self._write(gdf, tmp, name)
        return name

    def _rebuild(self, tmp: Path, renames: dict[str, str | None]) -> None:
        """Write every layer into `tmp`, renaming per `renames` (None drops a layer)."""
        for name in self.layers():
            new = renames.get(name, name)
            if new is not None:
                self._write(self.read(name), tmp, new)

    def rename(self, old: str, new: str) -> str:
        """Rename a layer; the new name (LoadError if another layer has it)."""
        names = self.layers()
        if old not in names:
            raise LoadError(f"工作空间中没有名为「{old}」的图层。")
        new = self._clean_name(new)
        if new == old:
            return old
        if new.lower() in {n.lower() for n in names if n != old}:
            raise LoadError(f"工作空间中已有名为「{new}」的图层。")
        with self._change() as tmp:
            self._rebuild(tmp, {old: new})
        return new

    def remove(self, name: str) -> None:
        """Remove a layer."""
        if name not in self.layers():
            raise LoadError(f"工作空间中没有名为「{name}」的图层。")
        with self._change() as tmp:
            self._rebuild(tmp, {name: None})


@dataclass
class UserLayers:
    """The planner's layers as read, and what could not be read (Chinese, shown in the app)."""

    layers: list[tuple[str, gpd.GeoDataFrame]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_user_layers(directory: Path | None = None) -> UserLayers:
    """The workspace's layers, then every vector file under `<workspace>/layers/`; unreadable ones are reported, not fatal."""
    base = Path(directory) if directory else workspace_dir()
    out = UserLayers()
    gpkg = base / "workspace.gpkg" if directory else workspace_path()
    try:
        out.layers += Workspace(gpkg).read_all()
    except Exception as exc:  # a damaged workspace must not take the map down, but it is said
        out.problems.append(f"工作空间文件 {gpkg.name} 无法读取（可能已损坏），其中的图层暂不显示：{exc}")
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

"""Xi'an 1980 and Beijing 1954 honestly: PROJ has no datum shift for them here, so either an office supplies its own
seven-parameter Helmert (or a grid) and pyproj applies it, or the result says the position is approximate."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Literal

import geopandas as gpd
from pydantic import BaseModel, Field, model_validator
from pyproj import CRS

from geo.crs import STORAGE, WEB
from loaders.errors import LoadError

#: Datum names as PROJ reports them (EPSG and ESRI spellings) → the names planners use.
OLD_DATUMS = {"xian1980": "西安80", "beijing1954": "北京54"}
#: The size of what the ballpark conversion leaves out around 巢湖市, an estimate (no published parameters here).
APPROXIMATE = "数十米到百米量级（估计）"


class DatumShift(BaseModel):
    """An office's transformation from an old datum to CGCS2000: seven Helmert parameters or a PROJ grid file.

    towgs84 = (dx, dy, dz in m, rx, ry, rz in arc-seconds, ds in ppm); `convention` says how the rotations were published
    (position vector as PROJ/EPSG 9606, or coordinate frame as EPSG 9607 / ArcGIS "Coordinate Frame": signs flipped).
    CGCS2000 and WGS84 agree to centimetres, so PROJ's +towgs84 serves for CGCS2000.
    """

    name: str = "本单位七参数"
    datum: Literal["西安80", "北京54"] | None = None
    towgs84: tuple[float, float, float, float, float, float, float] | None = None
    convention: Literal["position_vector", "coordinate_frame"] = "position_vector"
    grid: str | None = Field(default=None, description="PROJ 可读的格网文件（NTv2 .gsb 或 GeoTIFF）路径")

    @model_validator(mode="after")
    def _one_method(self) -> DatumShift:
        """Exactly one of the seven parameters and a grid."""
        if (self.towgs84 is None) == (self.grid is None):
            raise ValueError("七参数与格网文件须给出且只给出一种")
        return self

    @classmethod
    def from_text(cls, text: str, **kwargs) -> DatumShift:
        """Seven comma-separated numbers as an office writes them: 'dx,dy,dz,rx,ry,rz,ds'; LoadError (Chinese) otherwise."""
        parts = [p for p in re.split(r"[,，\s]+", text.strip()) if p]
        try:
            values = tuple(float(p) for p in parts)
        except ValueError as exc:
            raise LoadError(f"七参数「{text}」中有不是数字的项。") from exc
        if len(values) != 7:
            raise LoadError(f"七参数应为 7 个数（dx,dy,dz 米，rx,ry,rz 秒，ds ppm），「{text}」有 {len(values)} 个。")
        return cls(towgs84=values, **kwargs)

    def proj_terms(self) -> str:
        """The PROJ terms that carry the shift: +towgs84=… in position-vector convention, or +nadgrids=…."""
        if self.grid is not None:
            if not Path(self.grid).exists():
                raise LoadError(f"找不到格网文件「{self.grid}」。")
            return f"+nadgrids={Path(self.grid).resolve()}"
        dx, dy, dz, rx, ry, rz, ds = self.towgs84
        if self.convention == "coordinate_frame":
            rx, ry, rz = -rx, -ry, -rz
        return "+towgs84=" + ",".join(f"{v:.10g}" for v in (dx, dy, dz, rx, ry, rz, ds))

    def describe(self) -> str:
        """What was applied, in Chinese."""
        if self.grid is not None:
            return f"{self.name}（格网 {Path(self.grid).name}）"
        rotation = "坐标框架" if self.convention == "coordinate_frame" else "位置矢量"
        return f"{self.name}（" + ", ".join(f"{v:g}" for v in self.towgs84) + f"；{rotation}旋转约定）"


def old_datum(crs) -> str | None:
    """'西安80' or '北京54' when a CRS is on one of the old datums, else None."""
    crs = CRS.from_user_input(crs)
    geodetic = crs.geodetic_crs
    if geodetic is None or geodetic.datum is None:
        return None
    key = re.sub(r"[^a-z0-9]", "", geodetic.datum.name.lower()).removeprefix("d")
    return OLD_DATUMS.get(key)


def with_shift(crs, shift: DatumShift | None) -> tuple[CRS, str, bool]:
    """(the CRS to transform from, what the report says about the datum, whether the shift was applied) for a layer's CRS."""
    crs = CRS.from_user_input(crs)
    datum = old_datum(crs)
    if datum is None:
        return crs, "", False
    if shift is not None and shift.datum in (None, datum):
        with warnings.catch_warnings():  # PROJ strings lose nothing a Gauss-Krüger or lon/lat CRS needs
            warnings.simplefilter("ignore")
            shifted = CRS.from_proj4(f"{crs.to_proj4()} {shift.proj_terms()}")
        return shifted, f"{datum} → CGCS2000 按 {shift.describe()} 转换", True
    return crs, (f"{datum} → CGCS2000 未做基准转换：PROJ 没有本地区的参数，只换算了椭球，位置误差约{APPROXIMATE}。"
                 "如需准确，请提供本单位的七参数或格网"), False


def to_cgcs2000(gdf: gpd.GeoDataFrame, crs, shift: DatumShift | None) -> tuple[gpd.GeoDataFrame, str]:
    """The layer (numbers in `crs`) in EPSG:4490, through the office's shift when it is on an old datum; and the datum note.

    A shifted CRS is bound to WGS84 (+towgs84), so PROJ applies it only on the way to WGS84; CGCS2000 equals WGS84 to
    centimetres, so the result is relabelled EPSG:4490.
    """
    source, note, applied = with_shift(crs, shift)
    gdf = gdf.set_crs(source, allow_override=True)
    if applied:
        return gdf.to_crs(WEB).set_crs(STORAGE, allow_override=True), note
    return gdf.to_crs(STORAGE), note

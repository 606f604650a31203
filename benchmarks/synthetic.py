"""Synthetic 三调-like land parcels tiling the real 巢湖市 land (boundary minus lake), for benchmarks and tests."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.crs import MEASURE, STORAGE
from loaders.base import load_city_boundary, load_lake

#: 三调 classes (地类编码, 地类名称) and their weights in three regimes: farmland, hills, town.
CLASSES = [
    ("0101", "水田", 40, 8, 4), ("0102", "水浇地", 3, 1, 1), ("0103", "旱地", 10, 8, 2),
    ("0201", "果园", 2, 5, 1), ("0204", "其他园地", 1, 3, 1), ("0301", "乔木林地", 4, 40, 2),
    ("0305", "灌木林地", 1, 8, 0), ("0307", "其他林地", 2, 8, 2), ("0404", "其他草地", 2, 4, 2),
    ("05H1", "商业服务业设施用地", 0, 0, 6), ("0601", "工业用地", 1, 1, 14), ("0602", "采矿用地", 0, 2, 0),
    ("0701", "城镇住宅用地", 0, 0, 22), ("0702", "农村宅基地", 8, 4, 4), ("08H2", "科教文卫用地", 0, 0, 4),
    ("1003", "公路用地", 1, 1, 3), ("1004", "城镇村道路用地", 0, 0, 8), ("1006", "农村道路", 5, 3, 1),
    ("1101", "河流水面", 2, 1, 1), ("1104", "坑塘水面", 9, 2, 2), ("1107", "沟渠", 5, 1, 0),
    ("1202", "设施农用地", 2, 1, 0), ("1206", "裸土地", 0, 1, 1),
]


def land():
    """The land of 巢湖市 (city polygon minus the lake) in metres (EPSG:4548)."""
    city = load_city_boundary().to_crs(MEASURE).union_all()
    lake = load_lake().to_crs(MEASURE).union_all()
    return shapely.make_valid(city.difference(lake))


def _seeds(area, n: int, rng) -> np.ndarray:
    """n uniform random points inside area."""
    x0, y0, x1, y1 = area.bounds
    shapely.prepare(area)
    out = np.empty((0, 2))
    while len(out) < n:
        pts = rng.uniform((x0, y0), (x1, y1), size=(2 * n, 2))
        out = np.vstack([out, pts[shapely.contains_xy(area, pts[:, 0], pts[:, 1])]])
    return out[:n]


def _wiggle(edges: np.ndarray, rng) -> shapely.lib.Geometry:
    """Each straight edge (E,2,2) becomes a line with 0–4 jittered inner vertices (shared by both neighbours)."""
    k = rng.choice([0, 1, 2, 3, 4], size=len(edges), p=[0.1, 0.25, 0.3, 0.2, 0.15])
    a, b = edges[:, 0], edges[:, 1]
    d = b - a
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1)
    coords, index = [a], [np.arange(len(edges))]
    for j in range(1, 5):
        sel = k >= j
        t = j / (k[sel] + 1)
        off = rng.uniform(-0.07, 0.07, size=sel.sum())
        coords.append(a[sel] + d[sel] * t[:, None] + normal[sel] * off[:, None])
        index.append(np.flatnonzero(sel))
    coords.append(b)
    index.append(np.arange(len(edges)))
    order = np.concatenate([np.full(len(ix), j) for j, ix in enumerate(index)])
    idx = np.concatenate(index)
    pts = np.concatenate(coords)
    sort = np.lexsort((order, idx))
    return shapely.linestrings(pts[sort], indices=idx[sort])


def _classes(centroids: np.ndarray, rng) -> np.ndarray:
    """Class index per parcel: regime from a smooth random field (towns, hills, farmland), class by weight."""
    x, y = centroids[:, 0] / 1000.0, centroids[:, 1] / 1000.0
    field = np.zeros(len(x))
    for _ in range(6):
        fx, fy = rng.uniform(0.05, 0.25, 2)
        px, py = rng.uniform(0, 2 * np.pi, 2)
        field += np.sin(fx * x + px) * np.cos(fy * y + py)
    town = rng.uniform(0, 1, len(x)) < np.exp(-((field - field.max()) ** 2) / 0.8)
    hills = field < np.quantile(field, 0.22)
    regime = np.where(town, 2, np.where(hills, 1, 0))
    weights = np.array([c[2:] for c in CLASSES], dtype=float)
    weights /= weights.sum(axis=0)
    cum = np.cumsum(weights, axis=0)  # (classes, regimes)
    u = rng.uniform(0, 1, len(x))
    return (u[:, None] > cum[:, regime].T).sum(axis=1).clip(0, len(CLASSES) - 1)


#: Field names of the parcels: Chinese, or the 国土调查 database standard's (as a county's 三调 GDB has them).
FIELDS = {
    "zh": ("图斑编号", "地类编码", "地类名称", "面积"),
    "standard": ("TBBH", "DLBM", "DLMC", "TBMJ"),
}


def parcels(count: int, seed: int = 2024, area=None, fields: str = "zh") -> gpd.GeoDataFrame:
    """About ``count`` irregular parcels tiling the land, with 图斑编号, 地类编码, 地类名称, 面积 (m²); EPSG:4490.

    fields="standard" names them TBBH, DLBM, DLMC, TBMJ instead.
    """
    rng = np.random.default_rng(seed)
    area = land() if area is None else area
    seeds = _seeds(area, count, rng)
    edges = shapely.voronoi_polygons(shapely.multipoints(seeds), only_edges=True, extend_to=area.envelope)
    segs = shapely.get_coordinates(shapely.get_parts(edges)).reshape(-1, 2, 2)
    del edges
    lines = _wiggle(segs, rng)
    inside = shapely.intersects(lines, area)
    noded = shapely.union_all(np.concatenate([lines[inside], [area.boundary]]))
    del lines
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    keep = shapely.contains_xy(area, *shapely.get_coordinates(shapely.point_on_surface(faces)).T)
    faces = faces[keep]
    faces = faces[shapely.area(faces) > 1.0]
    cls = _classes(shapely.get_coordinates(shapely.centroid(faces)), rng)
    number, code, name, size = FIELDS[fields]
    gdf = gpd.GeoDataFrame(
        {
            number: [f"340181{i:08d}" for i in range(1, len(faces) + 1)],
            code: [CLASSES[c][0] for c in cls],
            name: [CLASSES[c][1] for c in cls],
            size: np.round(shapely.area(faces), 2),
        },
        geometry=faces,
        crs=MEASURE,
    )
    return gdf.to_crs(STORAGE)


#: Kinds of point a planner might load by the ten thousand (enterprises, wells, survey marks …).
POINT_KINDS = ("规上企业", "个体工商户", "农村宅基地", "机井", "界桩", "监测点")


def points(count: int, seed: int = 2025, area=None) -> gpd.GeoDataFrame:
    """``count`` points on the land, clustered around towns like enterprises are, with 名称 and 类别; EPSG:4490."""
    rng = np.random.default_rng(seed)
    area = land() if area is None else area
    centres = _seeds(area, 40, rng)
    spread = rng.uniform(800, 4000, len(centres))
    pick = rng.integers(0, len(centres), 2 * count)
    xy = centres[pick] + rng.normal(size=(2 * count, 2)) * spread[pick, None]
    inside = shapely.contains_xy(area, xy[:, 0], xy[:, 1])
    xy = np.vstack([xy[inside], _seeds(area, count, rng)])[:count]
    kinds = rng.choice(POINT_KINDS, size=count)
    gdf = gpd.GeoDataFrame(
        {"名称": [f"{k}{i:06d}" for i, k in enumerate(kinds, 1)], "类别": kinds},
        geometry=shapely.points(xy),
        crs=MEASURE,
    )
    return gdf.to_crs(STORAGE)


if __name__ == "__main__":
    import sys
    import time

    t = time.perf_counter()
    g = parcels(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
    nv = shapely.get_num_coordinates(g.geometry.values) - 1
    print(len(g), f"{time.perf_counter() - t:.1f}s", "vertices min/mean/max", nv.min(), nv.mean().round(1), nv.max())
    print(g["地类名称"].value_counts().head(8).to_dict())

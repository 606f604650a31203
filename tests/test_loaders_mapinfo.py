"""MapInfo tables from older offices (TAB file sets and MIF/MID, loose or zipped with GBK names) are read like every
other format: Chinese text decoded whatever the header claims, the CRS from the CoordSys, positions right."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from pyproj import Geod
from shapely.geometry import Point

from loaders.files import LoadError, read_any, read_uploads

GEOD = Geod(ellps="GRS80")
TRUTH = {"巢湖市政府": (117.8612, 31.6002), "柘皋镇": (117.7800, 31.7800), "中垾镇": (117.6400, 31.6100)}
#: MIF's CoordSys for longitude/latitude (WGS 84 datum: MapInfo has no CGCS2000; they differ by centimetres).
LONLAT = "CoordSys Earth Projection 1, 104"


def truth() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"名称": list(TRUTH), "类别": ["市", "镇", "镇"]},
                            geometry=[Point(xy) for xy in TRUTH.values()], crs="EPSG:4490")


def mif(folder: Path, stem: str, charset: str, codec: str) -> Path:
    """A MIF/MID pair as MapInfo writes it, in `codec`, whose header declares `charset`."""
    head = (f'Version 300\nCharset "{charset}"\nDelimiter ","\n{LONLAT}\nColumns 2\n  名称 Char(50)\n  类别 Char(10)\nData\n\n'
            + "".join(f"Point {x} {y}\n" for x, y in TRUTH.values()))
    (folder / f"{stem}.mif").write_bytes(head.encode(codec))
    (folder / f"{stem}.mid").write_bytes("".join(f'"{n}","{k}"\n' for n, k in zip(TRUTH, ["市", "镇", "镇"])).encode(codec))
    return folder / f"{stem}.mif"


def tab(folder: Path, stem: str, gdf: gpd.GeoDataFrame) -> Path:
    """A TAB file set (.tab .dat .map .id) in WindowsSimpChinese, as GDAL's MapInfo driver writes one."""
    pyogrio.write_dataframe(gdf, folder / f"{stem}.tab", driver="MapInfo File", layer_options={"ENCODING": "CP936"})
    assert b"WindowsSimpChinese" in (folder / f"{stem}.tab").read_bytes()
    return folder / f"{stem}.tab"


def assert_at_truth(gdf: gpd.GeoDataFrame, tolerance_m: float = 2.0) -> None:
    gdf = gdf.to_crs("EPSG:4490")
    assert sorted(gdf["名称"]) == sorted(TRUTH), list(gdf["名称"])
    for name, geom in zip(gdf["名称"], gdf.geometry):
        assert GEOD.inv(*TRUTH[name], geom.x, geom.y)[2] < tolerance_m, name


class GbkZipInfo(zipfile.ZipInfo):
    """A zip entry named in GBK without the UTF-8 flag, as Windows' built-in zip on Chinese systems writes it."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def only(result):
    assert len(result.layers) == 1, [lr.name for lr in result.layers]
    return result.layers[0]


@pytest.mark.parametrize("charset,codec", [("WindowsSimpChinese", "gbk"), ("Neutral", "gbk"), ("Neutral", "utf-8"),
                                           ("WindowsSimpChinese", "utf-8")])
def test_mif_text_is_decoded_whatever_the_header_claims(tmp_path, charset, codec):
    lr = only(read_any(mif(tmp_path, "乡镇驻地", charset, codec)))
    assert list(lr.gdf.columns[:2]) == ["名称", "类别"]
    assert_at_truth(lr.gdf)
    lying = charset == "WindowsSimpChinese" and codec == "utf-8"
    said = [w for w in lr.warnings if "字符集" in w]
    assert bool(said) == lying  # a header that lies is said; Neutral is MapInfo's "not stated"
    assert lr.encoding == ("GB18030" if codec == "gbk" else "UTF-8")


def test_tab_in_gauss_kruger_reads_in_metres_and_lands_right(tmp_path):
    path = tab(tmp_path, "规划地块", truth().to_crs("EPSG:4548"))
    lr = only(read_any(path))
    assert lr.name == "规划地块" and sorted(lr.gdf["名称"]) == sorted(TRUTH)
    assert_at_truth(lr.gdf)


def test_zipped_tab_with_gbk_names_and_loose_parts_uploaded_together(tmp_path):
    path = tab(tmp_path, "地块", truth())
    parts = sorted(tmp_path.glob("地块.*"))
    archive = tmp_path / "成果.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in parts:
            zf.writestr(GbkZipInfo(f"资料/{part.name}"), part.read_bytes())
    lr = only(read_any(archive.read_bytes(), "成果.zip"))
    assert lr.name == "地块"
    assert_at_truth(lr.gdf)
    loose = read_uploads([(p.name, p.read_bytes()) for p in parts])
    assert_at_truth(only(loose).gdf)
    assert path.exists()


def test_a_mapinfo_part_alone_or_a_missing_part_is_refused_in_chinese(tmp_path):
    path = tab(tmp_path, "地块", truth())
    with pytest.raises(LoadError, match="MapInfo 表的附属文件"):
        read_any(path.with_suffix(".dat").read_bytes(), "地块.dat")
    path.with_suffix(".map").unlink()
    with pytest.raises(LoadError, match=r"缺少 MapInfo 的 \.map"):
        read_any(path)


def test_mapinfo_coordinates_far_from_chaohu_are_flagged(tmp_path):
    far = gpd.GeoDataFrame({"名称": ["天安门"]}, geometry=[Point(116.3975, 39.9087)], crs="EPSG:4490")
    lr = only(read_any(tab(tmp_path, "北京", far.to_crs("EPSG:4548"))))
    assert not lr.plausibility.near and 900 < lr.plausibility.distance_km < 960
    assert any("公里" in w and "不在巢湖市附近" in w for w in lr.warnings)

"""What a planner is offered when adding files, said once for the app and the command line: accepted types, the size limit
and its Chinese message, coordinate-system choices and coordinate sources."""

from __future__ import annotations

from core import inputs

#: Our upload limit for layer files in MB (core/inputs.py declares every kind's; Streamlit's is the largest of them).
MAX_UPLOAD_MB = inputs.UPLOAD_MB["layer"]
#: File types the uploader accepts (without dots). A zipped File Geodatabase is a .zip; .mdb and .xls are accepted so that
#: the planner gets the Chinese message saying what to export instead.
UPLOAD_TYPES = ("zip", "shp", "shx", "dbf", "prj", "cpg", "geojson", "json", "gpkg", "kml", "kmz", "fgb", "csv", "txt",
                "xlsx", "xlsm", "xls", "dxf", "mdb", "tab", "dat", "map", "id", "ind", "mif", "mid")
SUPPORTED = ("Shapefile（.shp 及附属文件或 zip）、文件地理数据库（.gdb 文件夹打包成 zip）、GeoJSON、GeoPackage、KML/KMZ、"
             "FlatGeobuf、CSV/Excel（含坐标列）、DXF、MapInfo（.tab 及附属文件，或 .mif/.mid，或打包成 zip）")
UPLOADER_LABEL = "添加图层文件"
UPLOADER_HELP = (f"可上传：{SUPPORTED}。Shapefile 请连同 .shx、.dbf、.prj、.cpg 一起选择，或打包成 zip；"
                 f"单个文件不超过 {MAX_UPLOAD_MB} MB。")
#: The CRS choices offered at import ('' = decide from the file and its numbers), EPSG code → Chinese label.
CRS_CHOICES = {
    "": "自动（按文件声明，或按坐标数值判断）",
    "EPSG:4490": "CGCS2000 经纬度",
    "EPSG:4548": "CGCS2000 3度带 中央经线 117°（东坐标 6 位）",
    "EPSG:4527": "CGCS2000 3度带 第 39 带（东坐标 8 位，以 39 开头）",
    "EPSG:4326": "WGS84 经纬度（GPS）",
    "EPSG:2384": "西安80 3度带 中央经线 117°（东坐标 6 位）",
    "EPSG:2363": "西安80 3度带 第 39 带（东坐标 8 位）",
    "EPSG:4610": "西安80 经纬度",
    "EPSG:2436": "北京54 3度带 中央经线 117°（东坐标 6 位）",
    "EPSG:2415": "北京54 3度带 第 39 带（东坐标 8 位）",
    "EPSG:4214": "北京54 经纬度",
}
#: Where lon/lat points were picked: the answer the app asks for every point table ('wgs84' = confirmed, no shift).
COORD_SOURCES = {"wgs84": "WGS84/CGCS2000（GPS、天地图、奥维）", "gcj02": "高德/腾讯（GCJ-02）", "bd09": "百度（BD-09）"}


def too_large(name: str, size_bytes: int, max_bytes: int | None = None) -> str:
    """The Chinese message for a layer file over the limit: its size, the limit, and how to get it in anyway."""
    return inputs.too_large(name, size_bytes, "layer", max_bytes, advice=(
        "可打包为 zip 压缩后再传，或删去不需要的图层、字段；确需更大时，管理员可调高 core/inputs.py 中的上限和 "
        ".streamlit/config.toml 中的 server.maxUploadSize（命令行用 --max-mb）。"))

"""Where lon/lat points were picked (高德/腾讯 GCJ-02, 百度 BD-09), judged from what a file says about itself — its name,
layer, column names and notes — so the check works anywhere, not only near the features we ship."""

from __future__ import annotations

from collections.abc import Iterable

from pyproj import Geod

from geo.chinacoords import bd09_to_wgs84, gcj02_to_wgs84

#: (source, Chinese name, words that name it), Baidu first: its files often say "bd09" beside "gcj" in a help text.
HINTS = (
    ("bd09", "百度（BD-09）", ("百度", "baidu", "bd09", "bd-09", "bd_09", "bmap")),
    ("gcj02", "高德/腾讯（GCJ-02）", ("高德", "amap", "gaode", "autonavi", "gcj", "腾讯", "tencent", "火星坐标")),
)
CONVERTERS = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
NAMES = {source: name for source, name, _ in HINTS}
_GEOD = Geod(ellps="GRS80")


def hint(texts: Iterable[str]) -> tuple[str, str] | None:
    """(source, the word found) when any text names a web map whose coordinates are shifted, else None."""
    blob = " ".join(str(t) for t in texts if t is not None).lower()
    for source, _, words in HINTS:
        for word in words:
            if word.lower() in blob:
                return source, word
    return None


def offset_m(lon: float, lat: float, source: str) -> float:
    """How far (metres) a point picked on that map lies from the true position, here."""
    true_lon, true_lat = CONVERTERS[source](lon, lat)
    return float(_GEOD.inv(lon, lat, true_lon, true_lat)[2])


def warning(source: str, word: str, lon: float, lat: float) -> str:
    """The Chinese warning for a layer whose names say its points come from a shifted web map."""
    return (f"文件名、图层名、字段名或说明中含「{word}」：坐标可能取自{NAMES[source]}地图，在此位置约偏 {offset_m(lon, lat, source):.0f} 米。"
            f"尚未转换：请确认坐标来源，若是，请选择「{NAMES[source]}」重新导入")

"""Text as planners read it, written once: escaping, accuracy words, measure order, numbers, sizes, the map note."""

from __future__ import annotations

import html
import math
import re

from core import settings
from core.declarations import ACCURACY, CONFIDENCE

#: The note every map, brief and slide carries unless the office has a 审图号 (CHAOHU_MAP_APPROVAL).
DEFAULT_NOTE = "示意图 · 内部资料 · 界线不作为权属依据"


def blank(value) -> bool:
    """True for None, NaN and empty text: a value with nothing to show."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def esc(value) -> str:
    """Text safe for HTML (element content and quoted attributes): the value shown literally, never interpreted."""
    return "" if blank(value) else html.escape(str(value), quote=True)


#: What Markdown (and Streamlit's :color[…] / :material/…: / $math$ extensions) would interpret: escaped with "\\".
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&])")


def plain(value) -> str:
    """Text for Streamlit's Markdown elements (st.caption, st.info, expander and widget labels …) that shows
    literally: `![x](http://…)` stays those characters, never an image fetched from elsewhere or a link."""
    return "" if blank(value) else _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))


def accuracy_label(code) -> str:
    """位置有出处 / 大致位置… / 示意位置… for an accuracy code; other text as it is."""
    return ACCURACY.get(str(code), {}).get("label", "" if blank(code) else str(code))


def confidence_label(code) -> str:
    """较高… / 中等… / 低（…约 ±3–5 公里） for a township seat's confidence code; other text as it is."""
    return CONFIDENCE.get(str(code), "" if blank(code) else str(code))


def accuracy_dash(code) -> str | None:
    """The dash pattern an accuracy is drawn with (None: solid)."""
    return ACCURACY.get(str(code), {}).get("dash")


def measure_key(measure_id: str) -> tuple[int, ...]:
    """Sort key putting measure ids in plan order: 1.2 < 1.10 < 2.1."""
    return tuple(int(p) for p in str(measure_id).split("."))


def number(value) -> str:
    """A plan number as the plan writes it: 2000, 25.85, 1.35."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def value_text(value, value_max=None) -> str:
    """`800–1000` for ranges, `25.85` otherwise."""
    return number(value) if value_max is None else f"{number(value)}–{number(value_max)}"


def requirement_text(status, deadline=None) -> str:
    """The plan's required action with its deadline beside it (建成投产（6月底前）): what the plan asks, not what happened."""
    if blank(status):
        return ""
    return f"{status}（{deadline}）" if not blank(deadline) else str(status)


def wrap_lines(text: str, width: int) -> list[str]:
    """Text cut into lines of at most `width` characters (Chinese has no spaces to break at)."""
    text = str(text or "")
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def _rounded(value: float) -> str:
    """A schematic size rounded to two significant figures (83, 4.0, 0.56, 120,000)."""
    if value == 0:
        return "0"
    digits = 1 - int(math.floor(math.log10(abs(value))))
    return f"{round(value, digits):,.{max(digits, 0)}f}"


def size_text(area_km2=None, area_mu=None, length_km=None, accuracy: str = "located") -> str:
    """A feature's size as the panel and exports show it; schematic sizes get 约 and a rounded figure."""
    rough = accuracy == "schematic"
    if not blank(area_km2):
        if rough:
            return f"约 {_rounded(area_km2)} 平方公里（约 {_rounded(area_mu)} 亩）"
        return f"{area_km2:.2f} 平方公里（约 {area_mu:,.0f} 亩）"
    if not blank(length_km):
        return f"约 {_rounded(length_km)} 公里" if rough else f"{length_km:.2f} 公里"
    return ""


def map_note() -> str:
    """The configured 审图号 when the office has one, else the default internal-use note."""
    return settings.current().map_approval or DEFAULT_NOTE

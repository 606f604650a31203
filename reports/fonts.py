"""The CJK font every PDF, chart and presentation uses, found by path, never by luck (Debian fonts-noto-cjk first)."""

from __future__ import annotations

from pathlib import Path

from matplotlib import font_manager

from core.errors import ChaohuError

#: Noto Sans CJK (Debian's fonts-noto-cjk), the font the setup installs; face 2 of the collection is SC.
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
NOTO_CJK_SC_INDEX = 2
#: Where CJK fonts live on the machines we know, tried in order.
FONT_CANDIDATES = (
    str(NOTO_CJK),
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)


class FontMissing(ChaohuError):
    """No CJK font is installed: PDFs, charts and the presentation cannot show Chinese."""


def cjk_font(candidates=FONT_CANDIDATES) -> str:
    """Register the first CJK font found by path with matplotlib; its family name (the SC face of a collection)."""
    for path in candidates:
        if Path(path).is_file():
            font_manager.fontManager.addfont(path)
            faces = [f.name for f in font_manager.fontManager.ttflist if Path(f.fname) == Path(path)]
            simplified = [n for n in faces if n.endswith(" SC") and "Mono" not in n]
            return (simplified or faces or [font_manager.FontProperties(fname=path).get_name()])[0]
    raise FontMissing("找不到中文字体，无法生成 PDF 和图表。请安装 fonts-noto-cjk（Debian/Ubuntu：apt-get install fonts-noto-cjk）。",
                      "、".join(candidates))

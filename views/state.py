"""What the planner is looking at, as plain data: the URL ↔ view state, what a map click selects, the current selection.

Nothing here imports Streamlit, so the rules are tested without a browser: a copied link reopens
the same page, layers, filters, selection and map view; a click on a tiled parcel and a click on a
plan place are told apart in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from core.declarations import LAYERS
from geo.crs import WEB
from geo.view import screen_size, view_for
from layers.catalog import Catalog
from layers.query import Filters

#: The app's pages: URL value of ?mode= → the Chinese name in the page switch.
PAGES = {"map": "规划地图", "progress": "实施进展", "overview": "概览", "present": "汇报模式", "tour": "编辑汇报",
         "correct": "校正位置", "changes": "变更记录", "accounts": "账号管理"}
DEFAULT_BASEMAP = "none"
#: What the selection names: a place, a measure, a feature of a tiled layer, or nothing.
SelectionKind = Literal["none", "place", "measure", "tile"]
MEASURE_PREFIX = "measure:"
#: The map's filters as the sidebar, the tour editor and the print name them.
FILTER_LABELS = {"measure": "措施", "unit": "牵头单位", "industry": "产业（341体系，编者归类）", "status": "规划要求",
                 "deadline": "时间要求"}
TILE = "tile"


def default_layers() -> tuple[str, ...]:
    """The layers shown when the map opens, as declared."""
    return tuple(s.id for s in LAYERS if s.visible)


def _float(text: str | None, low: float, high: float) -> float | None:
    """A number within [low, high] from URL text, or None."""
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if low <= value <= high else None


@dataclass(frozen=True)
class ViewState:
    """Page, basemap, visible layers, town focus, filters, selection and map view: everything a link reopens."""

    mode: str = "map"
    basemap: str = DEFAULT_BASEMAP
    layers: tuple[str, ...] = field(default_factory=default_layers)
    town: str = ""
    filters: Filters = field(default_factory=Filters)
    sel: str = ""
    center: tuple[float, float] | None = None  # (lat, lon) of the map view, when the user moved it
    zoom: int | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, str], layer_ids, basemaps, towns=()) -> ViewState:
        """The state a URL's query parameters describe; unknown or malformed values fall back to the defaults."""
        get = lambda key: str(params.get(key) or "").strip()  # noqa: E731
        known = set(layer_ids)
        layers = tuple(i for i in get("layers").split(",") if i in known) if get("layers") else default_layers()
        lat, lon, zoom = _float(get("lat"), -90, 90), _float(get("lon"), -180, 180), _float(get("z"), 1, 20)
        town = get("town")
        return cls(
            mode=get("mode") if get("mode") in PAGES else "map",
            basemap=get("basemap") if get("basemap") in set(basemaps) else DEFAULT_BASEMAP,
            layers=layers,
            town=town if not towns or town in set(towns) else "",
            filters=Filters(**{k: get(k) for k in Filters.keys()}),
            sel=get("sel"),
            center=(lat, lon) if lat is not None and lon is not None else None,
            zoom=int(zoom) if zoom is not None and lat is not None and lon is not None else None,
        )

    def to_query(self) -> dict[str, str]:
        """The query parameters of this state (defaults left out, so links stay short)."""
        params = {
            "mode": self.mode if self.mode != "map" else "",
            "layers": ",".join(self.layers) if self.layers != default_layers() else "",
            "basemap": self.basemap if self.basemap != DEFAULT_BASEMAP else "",
            "town": self.town,
            "sel": self.sel if self.sel != TILE else "",
            **{k: getattr(self.filters, k) for k in Filters.keys()},
        }
        if self.center is not None and self.zoom is not None:
            params.update(lat=f"{self.center[0]:.5f}", lon=f"{self.center[1]:.5f}", z=str(self.zoom))
        return {k: v for k, v in params.items() if v}

    # ---- the selection

    @property
    def selection(self) -> tuple[SelectionKind, str]:
        """(kind, id) of what the panel shows: ('place', id), ('measure', '4.2'), ('tile', ''), ('none', '')."""
        if not self.sel:
            return "none", ""
        if self.sel.startswith(MEASURE_PREFIX):
            return "measure", self.sel[len(MEASURE_PREFIX):]
        if self.sel == TILE:
            return "tile", ""
        return "place", self.sel

    def select_place(self, place_id: str) -> ViewState:
        """The state with a place selected."""
        return replace(self, sel=place_id)

    def select_measure(self, measure_id: str) -> ViewState:
        """The state with a measure selected (its places are listed in the panel)."""
        return replace(self, sel=f"{MEASURE_PREFIX}{measure_id}")

    def refiltered(self, filters: Filters, only: set[str] | None, catalog: Catalog,
                   shown: tuple[float, float, float, float] | None = None
                   ) -> tuple[ViewState, tuple[float, float, float, float] | None]:
        """The state after the planner chose new filters, and the lon/lat bounds the map then fits (None: it stays).

        A measure's highlight is dropped (the filter's places are what the map now shows, not the old measure's),
        and so is a selected plan place the filter hides. The map fits every place the filter leaves unless they are
        all in the lon/lat bounds `shown` already; with no filter, or none left, it stays where it is.
        """
        kind, ident = self.selection
        feature = catalog.feature(ident) if kind == "place" else None
        hidden = (feature is not None and only is not None and catalog.spec(feature["layer"]).plan
                  and ident not in only)
        state = replace(self, filters=filters, sel="" if kind == "measure" or hidden else self.sel)
        rows = catalog.features[catalog.features["id"].isin(only or ())]
        if rows.empty:
            return state, None
        west, south, east, north = (float(v) for v in rows.to_crs(WEB).total_bounds)
        if shown is not None and shown[0] <= west and shown[1] <= south and east <= shown[2] and north <= shown[3]:
            return state, None
        return state, (west, south, east, north)

    def slide_places(self, catalog: Catalog) -> list[str]:
        """The places a slide added from this view shows: the selected place, else the focused town's area, else none."""
        kind, ident = self.selection
        if kind == "place" and catalog.feature(ident) is not None:
            return [ident]
        if self.town:
            return catalog.town_area(self.town)["id"].tolist()
        return []


@dataclass(frozen=True)
class Click:
    """What a click on the map hit: a plan/base/planner feature drawn as vector, or a feature of a tiled layer."""

    kind: Literal["place", "tile"]
    ident: str
    props: dict

    @property
    def selection(self) -> str:
        """The `sel` value this click selects."""
        return TILE if self.kind == "tile" else self.ident


def route_click(props: Mapping | None, catalog: Catalog) -> Click | None:
    """What st_folium's `last_active_drawing` properties select, or None when the click hit nothing we know.

    Tiled layers (layers/large.py) send their row position `fid` (or `generalised` below the detail
    zoom) and the layer id; vector features send their feature `id`.
    """
    props = dict(props or {})
    layer = props.get("layer")
    if layer in catalog.user_specs and ("fid" in props or props.get("generalised")):
        return Click("tile", f"{layer}:{props.get('fid', 'overview')}", props)
    ident = props.get("id")
    if ident and catalog.feature(str(ident)) is not None:
        return Click("place", str(ident), props)
    return None


# ---- what the map frame reports, and the views the app asks it for

#: The closest zoom the app moves to by itself (a single point is not shown at street level).
MAX_FIT_ZOOM = 15
#: The map's size assumed before the frame has reported one (pixels).
DEFAULT_SIZE = (900, 700)


@dataclass(frozen=True)
class MapReport:
    """One report of the map frame: the last clicked feature's properties, the view, the map's size in pixels."""

    props: dict | None = None
    center: tuple[float, float] | None = None
    zoom: int | None = None
    size: tuple[int, int] | None = None
    bounds: tuple[float, float, float, float] | None = None  # lon/lat: west, south, east, north
    #: A button of a place's panel drawn by the frame: (action, value, press number) — presentation/panel.py LINK_ACTIONS.
    link: tuple[str, str, int] | None = None

    @classmethod
    def parse(cls, value: Mapping | None) -> MapReport:
        """The report in st_folium's format ({"last_active_drawing": …, "center": {lat, lng}, "zoom", "bounds"}), with
        "link": {action, value, n} when a button of a panel the frame drew was pressed."""
        value = dict(value or {})
        drawing = value.get("last_active_drawing") or {}
        center, zoom, raw = value.get("center"), value.get("zoom"), value.get("bounds")
        bounds = size = None
        try:
            sw, ne = raw["_southWest"], raw["_northEast"]
            bounds = (float(sw["lng"]), float(sw["lat"]), float(ne["lng"]), float(ne["lat"]))
        except (KeyError, TypeError, ValueError):
            bounds = None
        view = None
        try:
            view = (float(center["lat"]), float(center["lng"])), int(zoom)
        except (KeyError, TypeError, ValueError):
            view = None
        if bounds and view and bounds[2] > bounds[0]:
            size = screen_size(bounds, view[1])
        link = value.get("link")
        try:
            link = (str(link["action"]), str(link["value"]), int(link["n"]))
        except (KeyError, TypeError, ValueError):
            link = None
        return cls(props=dict(drawing.get("properties") or {}) or None,
                   center=view[0] if view else None, zoom=view[1] if view else None, size=size, bounds=bounds, link=link)


def fit_view(bounds: tuple[float, float, float, float], size: tuple[int, int] | None = None) -> tuple[list[float], int]:
    """Centre [lat, lon] and zoom showing lon/lat `bounds` on a map of `size` pixels (never closer than MAX_FIT_ZOOM)."""
    width, height = size or DEFAULT_SIZE
    return view_for(bounds, max(width, 200), max(height, 200), max_zoom=MAX_FIT_ZOOM)


def request(view: tuple[list[float], int], previous: tuple[list[float], float] | None) -> tuple[list[float], float]:
    """The view to send the frame so that it really moves there, whatever it was sent before.

    The frame applies a centre only when it differs from the last centre it was sent, and a zoom only when it
    differs from the last zoom (otherwise it keeps the user's zoom). When either equals the previous request,
    the centre is shifted by 1e-7° (about a centimetre) and the zoom by 1e-6 (Leaflet rounds it away).
    """
    center, zoom = [float(view[0][0]), float(view[0][1])], int(view[1])
    if previous is None:
        return center, zoom
    old_center, old_zoom = [float(c) for c in previous[0]], float(previous[1])
    if center != old_center and zoom != old_zoom:
        return center, zoom
    return [center[0] + 1e-7, center[1]], zoom + 1e-6

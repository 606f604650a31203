"""Every map layer, declared once: id, file, title, group, geometry, style, popup fields, and its role.

Loaders, the catalogue, the map, the exports, the tour and `python -m layers list` all read these
declarations; nothing else repeats a layer's title, colour or id, and no code decides by layer id —
it asks for a role (the city outline, the township areas …) or a flag (`plan`, `export_base`) instead.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

#: Layer groups in the order a planner thinks of them.
GROUPS = ("基础地理", "规划平台", "产业与项目", "创新平台", "我的数据")
#: The group of a planner's own layers.
USER_GROUP = "我的数据"

#: How each `accuracy` value reads to a planner, and how it is drawn.
ACCURACY = {
    "located": {"label": "位置有出处", "dash": None},
    "approximate": {"label": "大致位置（据文字描述估计）", "dash": "6 4"},
    "schematic": {"label": "示意位置（规划未给出，编者所画）", "dash": "2 5"},
}
#: Accuracy values that mean "not a surveyed position".
UNSURE = ("approximate", "schematic")
#: How far a township seat's estimated position may be trusted (the gazetteer's `confidence`), as the tooltip says it.
CONFIDENCE = {
    "high": "较高（有出处的坐标）",
    "medium": "中等（据附近有坐标的地点推算）",
    "low": "低（据第三方网页估计，约 ±3–5 公里）",
}

#: What a layer is for, beyond being drawn:
#: city — the city outline (its 巢湖市 row has is_city = 1); water — the lake;
#: town_areas — the township areas every feature is joined to (replaceable by official data);
#: town_seats — the township seats (label points, replaceable by official data).
Role = Literal["city", "water", "town_areas", "town_seats"]
#: Roles whose layer an office may replace with its own files in data/official/ (named after the layer's file).
OFFICIAL_ROLES = ("town_areas", "town_seats")

DEFAULT_POPUP = (("name", "名称"), ("town", "所在乡镇/街道"), ("status", "规划要求"), ("accuracy", "位置精度"))


class LayerSpec(BaseModel):
    """One planning or base layer as the map, legend and exports show it."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    group: str
    geometry: Literal["Point", "LineString", "Polygon"]
    file: str  # shapefile stem under data/shapefiles/ (or the planner's layer name)
    color: str
    fill_color: str | None = None
    fill_opacity: float = 0.25
    weight: float = 2.0
    radius: float = 6.0  # points only
    plan: bool = True  # carries plan places linked to measures (counted in summaries and exports)
    role: Role | None = None
    export_base: bool = False  # drawn around the features of a town's HTML/PDF export
    labels: bool = False  # permanent name labels on the map
    label_css: str = ""  # extra CSS of those labels
    label_priority: int = 50  # colliding labels: the higher priority is shown, the other hidden until zoomed in
    label_minzoom: int = 0  # labels appear from this zoom on (road names only when close)
    near_labels: bool = False  # names only on the live map, from label_minzoom on (road names along the roads)
    visible: bool = True  # shown when the map opens
    clickable: bool = True
    status_colors: dict[str, str] = {}
    popup_fields: tuple[tuple[str, str], ...] = DEFAULT_POPUP
    #: Plan targets (measures.yaml target id → status counted, "" for all) whose figure counts this layer's features:
    #: once some are corrected, their measured total is shown beside the plan's figure (layers/measured.py).
    counted_by: dict[str, str] = {}

    def color_for(self, status: str | None) -> str:
        """The stroke colour of a feature, by status where the layer distinguishes it."""
        return self.status_colors.get(status or "", self.color)

    @property
    def town_rule(self) -> Literal["own_name", "none", "join"]:
        """How a feature's 乡镇/街道 is found: it is a town itself, it belongs to none, or by spatial join."""
        if self.role in ("town_areas", "town_seats"):
            return "own_name"
        if self.role in ("city", "water"):
            return "none"
        return "join"

    @property
    def official(self) -> bool:
        """Whether an office's own data (data/official/<file>.*) replaces the shipped file."""
        return self.role in OFFICIAL_ROLES


LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec(
        id="city_boundary", title="巢湖市界及周边", group="基础地理", geometry="Polygon",
        file="city_boundary", color="#333333", fill_opacity=0.0, weight=2.5, plan=False, role="city",
        export_base=True, clickable=False, popup_fields=(("name", "名称"),),
    ),
    LayerSpec(
        id="lake", title="巢湖水域", group="基础地理", geometry="Polygon", file="lake",
        color="#5b9bd5", fill_color="#a9d0f0", fill_opacity=0.6, weight=1.0, plan=False, role="water",
        export_base=True, clickable=False, popup_fields=(("name", "名称"),),
    ),
    LayerSpec(
        id="township_areas", title="乡镇/街道范围（近似）", group="基础地理", geometry="Polygon",
        file="township_areas", color="#8c8c8c", fill_opacity=0.0, weight=1.0, plan=False, role="town_areas",
        export_base=True, clickable=False, popup_fields=(("name", "名称"), ("accuracy", "位置精度")),
    ),
    LayerSpec(
        id="townships", title="乡镇/街道驻地（近似）", group="基础地理", geometry="Point",
        file="townships", color="#444444", fill_color="#ffffff", fill_opacity=1.0, radius=4,
        plan=False, role="town_seats", export_base=True, labels=True, label_css="font-weight:bold;color:#333",
        label_priority=60,
        popup_fields=(("name", "名称"), ("kind", "类型"), ("confidence", "位置可信度"), ("accuracy", "位置精度")),
    ),
    LayerSpec(
        id="juchao_edz", title="居巢经开区", group="规划平台", geometry="Polygon", file="juchao_edz",
        color="#d9480f", fill_opacity=0.2, labels=True, label_priority=90,
    ),
    LayerSpec(
        id="peninsula_science_city", title="巢湖半岛科学城", group="规划平台", geometry="Polygon",
        file="peninsula_science_city", color="#1971c2", fill_opacity=0.12, labels=True, label_priority=90,
    ),
    LayerSpec(
        id="peninsula_roads", title="半岛科学城路网", group="规划平台", geometry="LineString",
        file="peninsula_roads", color="#1971c2", weight=4,
        status_colors={"续建": "#495057", "新建": "#e03131"}, near_labels=True, label_priority=30, label_minzoom=13,
        popup_fields=(("name", "名称"), ("status", "规划要求"), ("length_km", "长度（公里）"), ("accuracy", "位置精度")),
        counted_by={"4.2-t3": "新建"},  # 新建主次干道 9 条 25.85 公里
    ),
    LayerSpec(
        id="hechao_new_city", title="合巢产业新城", group="规划平台", geometry="Polygon",
        file="hechao_new_city", color="#7048e8", fill_opacity=0.08,
    ),
    LayerSpec(
        id="zhegao_new_city", title="柘皋产业新城", group="规划平台", geometry="Polygon",
        file="zhegao_new_city", color="#ae3ec9", fill_opacity=0.2, labels=True, label_priority=85,
    ),
    LayerSpec(
        id="feature_towns", title="特色小镇", group="规划平台", geometry="Point", file="feature_towns",
        color="#f08c00", fill_color="#ffd43b", fill_opacity=0.9, radius=9, labels=True, label_priority=80,
    ),
    LayerSpec(
        id="industrial_parks", title="产业园区与基地", group="产业与项目", geometry="Polygon",
        file="industrial_parks", color="#2f9e44", fill_opacity=0.3,
    ),
    LayerSpec(
        id="projects", title="重点项目", group="产业与项目", geometry="Point", file="projects",
        color="#c92a2a", fill_color="#ff8787", fill_opacity=0.9, radius=6,
    ),
    LayerSpec(
        id="innovation_platforms", title="创新平台与院校", group="创新平台", geometry="Point",
        file="innovation_platforms", color="#0c8599", fill_color="#66d9e8", fill_opacity=0.9, radius=7,
    ),
)

BY_ID: dict[str, LayerSpec] = {spec.id: spec for spec in LAYERS}
#: The plan layers (one shapefile each, built from data/plan/places.yaml), in declaration order.
PLAN_LAYER_IDS: tuple[str, ...] = tuple(s.id for s in LAYERS if s.plan)


def by_role(role: Role) -> LayerSpec:
    """The one declared layer with this role."""
    return next(s for s in LAYERS if s.role == role)

"""A plan place as the map's click shows it: JSON (``GET /api/places/{id}``) and the panel's HTML (the map page's panel
and ``GET /api/places/{id}/panel`` alike, one template: templates/panel.html.j2), from the plan, the catalogue and the
tracking board as of the store's newest change.

Why here: a place's panel reads the tracking board (its items' states), so its module ranks at tracking or above.
tracking/ is the domain of items, reports and 通报, not of how a place is shown; views/ is Streamlit's, and the HTTP
route must not import it (importing views declares the map's Streamlit component outside a script run, which then
never registers). presentation/ — the plan put together for a reader from every domain below it, outside a Streamlit
run, as the tour already does with the same board — is the lowest rank that may import all a place's panel needs.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from core.clock import today
from core.errors import ChaohuError
from layers.catalog import Catalog
from layers.places import place_record
from loaders.plan import Plan
from presentation.panel import measure_words, panel_links, place_html
from presentation.progress_panel import place_progress_html
from tracking.board import Board, place_category

#: How long a snapshot is trusted before the store's change log is asked again (seconds).
CHECK_EVERY_S = 1.0


class UnknownPlace(ChaohuError):
    """No plan place has this id."""


@dataclass(frozen=True)
class Snapshot:
    """The plan, the catalogue (plan and base layers, corrections applied) and the board of one store state."""

    plan: Plan
    catalog: Catalog
    board: Board | None
    version: tuple
    #: What was made from it ((kind, place id) → JSON or HTML): a snapshot never changes, so neither do they.
    made: dict = field(default_factory=dict, compare=False, repr=False)

    def once(self, key: tuple, make):
        """`make()`, made once per snapshot."""
        if key not in self.made:
            self.made[key] = make()
        return self.made[key]


def snapshot_list(snap: Snapshot) -> list[dict]:
    """`place_list` of a snapshot."""
    return snap.once(("list",), lambda: place_list(snap.catalog))


def place_list(catalog: Catalog) -> list[dict]:
    """Every plan place (places.yaml): id, name, layer, accuracy as drawn now ("" for a place the plan gives no position)."""
    out = []
    for _, row in catalog.places.iterrows():
        f = catalog.feature(row["id"])
        out.append({"id": row["id"], "name": row["name"], "layer": row["layer"],
                    "accuracy": "" if f is None else f["accuracy"]})
    return out


def _measure(plan: Plan, catalog: Catalog, place_id: str, measure_id: str) -> dict:
    """One measure linked to the place, in the plan's words (targets keep their qualifiers: 3支左右)."""
    m = plan.measure(measure_id)
    words = measure_words(plan, m)
    link = catalog.link(place_id, measure_id)
    return {"id": m.id, "title": m.title, "lead": [plan.unit(u).name for u in m.lead if u in plan.units_by_id],
            "cooperating": [plan.unit(u).name for u in m.coop if u in plan.units_by_id],
            "deadline": words["deadlines"], "targets": words["targets"], "link": link["kind"]}


def place_json(snap: Snapshot, place_id: str) -> dict:
    """The place as `GET /api/places/{id}` answers it; UnknownPlace for an id places.yaml does not have."""
    if snap.catalog.place(place_id) is None:
        raise UnknownPlace(f"没有编号为「{place_id}」的规划地点。")
    return snap.once(("json", place_id), lambda: _place_json(snap, place_id))


def _place_json(snap: Snapshot, place_id: str) -> dict:
    r = place_record(snap.catalog, place_id)
    states = snap.board.of_place(place_id) if snap.board is not None else []
    return {
        "id": r["id"], "name": r["name"], "layer": r["layer"], "layer_title": r["layer_title"],
        "accuracy": r["accuracy"], "accuracy_label": r["accuracy_label"], "source": r["source"], "town": r["town"],
        "area_km2": r["area_km2"], "length_km": r["length_km"],
        "measures": [_measure(snap.plan, snap.catalog, place_id, mid) for mid in snap.catalog.measures_of(place_id)],
        "progress": {"category": place_category(states), "items": [s.to_dict() for s in states],
                     "as_of": snap.board.on.isoformat() if snap.board is not None else None},
        "correction": {"in_effect": r["corrected"], "by": r["corrected_by"], "at": r["corrected_at"],
                       "source": r["source"] if r["corrected"] else None, "source_date": r["source_date"] or None,
                       "method": r["method"], "history": r["history"]},
    }


def panel_html(catalog: Catalog, plan: Plan, board: Board | None, place_id: str) -> str:
    """The panel of a plan place as the map shows it: the place, its 实施进展 (when the board could be read) and its
    links (measures, lead units, 校正位置), which the map frame turns into the page's actions."""
    feature = catalog.feature(place_id)
    if feature is None:
        return place_html(catalog, plan, None)
    progress = place_progress_html(board, place_id, feature["name"]) if board is not None else ""
    return place_html(catalog, plan, feature) + progress + panel_links(catalog, plan, feature)


def snapshot_panel(snap: Snapshot, place_id: str) -> str:
    """`panel_html` of a snapshot; UnknownPlace for an id the map does not draw."""
    if snap.catalog.place(place_id) is None:
        raise UnknownPlace(f"没有编号为「{place_id}」的规划地点。")
    if snap.catalog.feature(place_id) is None:
        raise UnknownPlace(f"「{snap.catalog.place_name(place_id)}」在地图上没有位置（规划未给出），没有地图面板。")
    return snap.once(("panel", place_id), lambda: panel_html(snap.catalog, snap.plan, snap.board, place_id))


class Places:
    """The current Snapshot of one store for the HTTP routes, rebuilt when its change log moves on or the day changes
    (asked at most once a second); the catalogue only when a position correction was written (thread-safe)."""

    def __init__(self, open_store, load_plan, load_catalog, load_board, plan_items):
        self._open_store, self._load_plan, self._load_catalog, self._load_board, self._plan_items = (
            open_store, load_plan, load_catalog, load_board, plan_items)
        self._lock = threading.Lock()
        self._snap: Snapshot | None = None
        self._checked = 0.0
        self._plan: Plan | None = None
        self._items = None
        self._catalog: tuple | None = None  # (corrections key, Catalog)

    def current(self) -> Snapshot:
        """The snapshot as of the store's newest change (ChaohuError while the store cannot be read)."""
        with self._lock:
            if self._snap is not None and time.monotonic() - self._checked < CHECK_EVERY_S:
                return self._snap
            store = self._open_store()
            newest = store.changes(limit=1)
            version = (newest[0].id if newest else 0, today())
            if self._snap is None or self._snap.version != version:
                self._snap = self._build(store, version)
            self._checked = time.monotonic()
            return self._snap

    def _build(self, store, version: tuple) -> Snapshot:
        if self._plan is None:
            self._plan = self._load_plan()
            self._items = self._plan_items(self._plan)
        key = store.corrections_stamp()
        if self._catalog is None or self._catalog[0] != key:
            self._catalog = (key, self._load_catalog(store=store, own_layers=False))
        try:
            board = self._load_board(self._plan, store, version[1], self._items)
        except ChaohuError:
            board = None  # the panel goes without its 实施进展 section, as on the map page
        return Snapshot(self._plan, self._catalog[1], board, version)


def default_places() -> Places:
    """Places of the store the settings name, with the shipped plan and layers."""
    from layers.catalog import load_catalog
    from loaders.plan import load_plan
    from store import open_store
    from tracking.load import load_board, plan_items

    return Places(open_store, load_plan, load_catalog, load_board, plan_items)

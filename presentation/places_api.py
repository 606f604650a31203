"""The plan's places over HTTP, beside Streamlit on its Starlette app, so that a click on the map costs the server a
lookup instead of a script run:

  GET /api/places                        every plan place: [{id, name, layer, accuracy}]
  GET /api/places/{id}                   one place (presentation/places.py `place_json`), 404 {"message"} if unknown
  GET /api/places/{id}/panel?view=…      the place's panel as the map page draws it (HTML, the same template)

The map frame (layers/static/map_client.js) asks for the panel when a place is clicked and shows it in the page; it
names its page's view (`view`, a random key the page gives it) so that the page's next run shows the same selection
(`take_pick`). Behind store/webauth.py's SessionGate like the tiles: 401 without a valid session while accounts exist.
GeoPandas and the plan load on the first request, not while the app starts.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

ROUTE = "api/places"
#: The panel route as seen from inside the map's component frame (``<base>/component/<name>/index.html``).
COMPONENT_URL = f"../../{ROUTE}"
#: What a page's view key looks like (views/pages/map.py makes it with secrets.token_urlsafe).
VIEW_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_PICKS = 10_000

_PICKS: OrderedDict[str, str] = OrderedDict()
_PICKS_LOCK = threading.Lock()
_PLACES: dict = {}


def pick(view: str, place_id: str) -> None:
    """Remember that the map of this view selected a place (the page takes it on its next run)."""
    if not VIEW_KEY.match(view or ""):
        return
    with _PICKS_LOCK:
        _PICKS[view] = place_id
        _PICKS.move_to_end(view)
        while len(_PICKS) > MAX_PICKS:
            _PICKS.popitem(last=False)


def take_pick(view: str) -> str | None:
    """The place the map of this view selected since the page last asked, if any (forgotten once taken)."""
    with _PICKS_LOCK:
        return _PICKS.pop(view, None)


def places():
    """The process's Places (presentation/places.py), made on first use."""
    with _PICKS_LOCK:
        if "current" not in _PLACES:
            from presentation.places import default_places

            _PLACES["current"] = default_places()
        return _PLACES["current"]


def warm() -> None:
    """Load the places' data in the background once per process (the map page calls this: its first click is then quick)."""
    if "warming" in _PLACES:
        return
    _PLACES["warming"] = threading.Thread(target=_warm, name="chaohu-places-warm", daemon=True)
    _PLACES["warming"].start()


def _warm() -> None:
    from core.errors import ChaohuError

    try:
        places().current()
    except ChaohuError:
        pass  # said by the first request instead


def _message(text: str, status: int):
    from starlette.responses import JSONResponse

    return JSONResponse({"message": text}, status_code=status, headers={"Cache-Control": "no-store"})


async def _answer(request, make):
    """Run `make(snapshot)` off the event loop; the store's or the data's trouble as a Chinese JSON message."""
    from starlette.concurrency import run_in_threadpool

    from core.errors import ChaohuError
    from presentation.places import UnknownPlace

    def work():
        return make(places().current())

    try:
        return await run_in_threadpool(work)
    except UnknownPlace as exc:
        return _message(exc.message, 404)
    except ChaohuError as exc:
        return _message(exc.message, 503)


async def list_endpoint(request):
    """GET /api/places: every plan place."""
    from starlette.responses import JSONResponse

    from presentation.places import snapshot_list

    return await _answer(request, lambda snap: JSONResponse(snapshot_list(snap), headers={"Cache-Control": "no-store"}))


async def place_endpoint(request):
    """GET /api/places/{id}: one place as JSON."""
    from starlette.responses import JSONResponse

    from presentation.places import place_json

    place_id = request.path_params["place_id"]
    return await _answer(request, lambda snap: JSONResponse(place_json(snap, place_id), headers={"Cache-Control": "no-store"}))


async def panel_endpoint(request):
    """GET /api/places/{id}/panel?view=…: the place's panel (HTML); the view's page takes the selection on its next run."""
    from starlette.responses import HTMLResponse

    from presentation.places import snapshot_panel

    place_id = request.path_params["place_id"]

    def make(snap):
        html = snapshot_panel(snap, place_id)
        pick(request.query_params.get("view", ""), place_id)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    return await _answer(request, make)


def place_routes() -> list:
    """The routes of /api/places (under server.baseUrlPath), for ``st.App(routes=…)``."""
    from starlette.routing import Route
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}/{ROUTE}" if base else f"/{ROUTE}"
    return [Route(prefix, list_endpoint, methods=["GET"]),
            Route(prefix + "/{place_id}", place_endpoint, methods=["GET"]),
            Route(prefix + "/{place_id}/panel", panel_endpoint, methods=["GET"])]

"""巢湖市制造业规划图: routes a request to its page (views/); everything else lives below.

Run: streamlit run streamlit_app.py

`streamlit run` first imports this module to find `app` (Starlette, with the large layers' tile route
/api/tiles/…, layers/tileserver.py; a place's data and panel for a map click, /api/places/…,
presentation/places_api.py; the login API /api/login, /api/logout with the gate that keeps tiles, places, downloads,
uploads and metrics behind a session, store/webauth.py; and OGC API – Features at /ogc, layers/ogc.py), then runs it as
__main__ for each session. That first import must run no
page code and declare no custom component (a component declared outside a script run is never registered and its
frame gets 404): hence everything else under the __main__ guard. It starts the import of the heavy libraries in
the background (layers/warmup.py), which the first page waits for.
"""

import streamlit as st

from layers import warmup
from layers.ogc import ogc_routes
from layers.tileserver import tile_routes
from presentation.places_api import place_routes
from store.webauth import auth_middleware, auth_routes

warmup.start()  # the libraries are imported while the server starts, not in the first planner's page
app = st.App(__file__, routes=tile_routes() + place_routes() + auth_routes() + ogc_routes(), middleware=auth_middleware())  # /ogc: QGIS/ArcGIS

if __name__ == "__main__":
    st.set_page_config(page_title="巢湖市制造业规划图", page_icon="🗺️", layout="wide", initial_sidebar_state="expanded")
    warmup.wait()

    from views import FULL_SCREEN, allowed_pages, errors, login, render, requested_mode, resources

    with errors.reported():
        resources.vendor()
        resources.plan()  # a broken plan file stops here with its Chinese message
        user = login.signed_in()  # with accounts configured: the login page, and the run ends, until someone logs in
        pages = allowed_pages(user)
        mode = requested_mode(st.query_params.get("mode"))  # a page this role may not open says so (render)
        if mode not in FULL_SCREEN:
            with st.sidebar:
                chosen = st.radio("页面", list(pages), index=list(pages).index(mode) if mode in pages else None,
                                  format_func=pages.get, horizontal=True)
                login.account_box(user)
            if chosen is not None and chosen != mode:  # drawn in this same run: a rerun here leaves the new page's widgets deaf to a first click
                st.query_params["mode"] = mode = chosen
                if mode in FULL_SCREEN:
                    st.rerun()  # without the sidebar
        render(mode)

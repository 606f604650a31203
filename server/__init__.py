"""Several app processes behind HAProxy on one PostGIS: ``python -m server up|status|down`` (and ``supervise``, the
detached process that keeps the replicas running). The top rank beside streamlit_app.py: it may import core and the
store, nothing imports it. Laptop mode (``streamlit run streamlit_app.py`` alone) does not use it.

``config.py`` is what a run is made of (ports, the shared cookie secret, each replica's command and environment, the
HAProxy configuration from ``templates/haproxy.cfg.j2``), ``state.py`` the run state file
(``<workspace>/run/server.json``), ``processes.py`` how a pid is looked at and stopped, ``supervise.py`` the supervisor
and ``control.py`` the commands.
"""

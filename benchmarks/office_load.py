"""Office load benchmark (not a timed test): the app as an office runs it — `python -m server up` with 1 and with 3
replicas behind HAProxy on a throwaway PostGIS — and N logged-in users browsing: log in, the map, click random plan
places and wait for each panel, a new session every 8 clicks (benchmarks/app_load.py's users, reused as they are:
websocket clients speaking Streamlit's protocol, so that N Chromium renderers do not take the 2 cores from the
server). Each user has an account and an address of its own (X-Forwarded-For; `up` trusts HAProxy), so login limits
count them apart, and no HAProxy cookie: each session lands on the next replica.

Prints one JSON line per replica count: login → map and click → panel p50/p95, clicks, sessions, errors (want 0).

Run: python benchmarks/office_load.py [--users 50] [--seconds 120] [--replicas 1 3]
Smoke: python benchmarks/office_load.py --users 3 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from app_load import PASSWORD, Figures, browsing_user, pct, plan_places, warm_up

START_TIMEOUT = 600


def server(*args) -> subprocess.CompletedProcess:
    """`python -m server ARGS`; a failure stops the benchmark with its Chinese line."""
    done = subprocess.run([sys.executable, "-m", "server", *map(str, args)], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"python -m server {args[0]} failed: {done.stderr.strip()}")
    return done


async def browse(url: str, users: int, seconds: float, places: list[str]) -> Figures:
    figures = Figures()
    until = time.monotonic() + seconds
    await asyncio.gather(*(browsing_user(i + 1, url, places, until, figures) for i in range(users)))
    return figures


async def warm_every(urls: list[str]) -> bool:
    """One login and map on each replica directly (its first user builds the catalogue and the map): not counted."""
    return all(await asyncio.gather(*(warm_up(u) for u in urls)))


def run(cluster, replicas: int, users: int, seconds: float, places: list[str], folder: Path) -> dict:
    """One `server up` with `replicas` on a fresh database, the users for `seconds`, then `down`; the figures."""
    from pgcluster import free_port
    from store.postgis import PostgisStore

    database = cluster.new_database()
    store = PostgisStore(database)
    store.add_account("负载管理员", PASSWORD, "管理", "负载测试")
    for i in range(users):
        store.add_account(f"浏览{i + 1}", PASSWORD, "查看", "负载测试")
    store.engine.dispose()
    ws, port = folder / f"ws-{replicas}", free_port()
    server("up", "--replicas", replicas, "--port", port, "--address", "127.0.0.1", "--database", database,
           "--workspace", ws, "--timeout", START_TIMEOUT)
    try:
        status = json.loads(server("status", "--json", "--workspace", ws).stdout)
        t0 = time.perf_counter()
        warm = asyncio.run(warm_every([f"http://127.0.0.1:{r['port']}" for r in status["replicas"]]))
        warm_s = time.perf_counter() - t0
        load_before = os.getloadavg()
        figures = asyncio.run(browse(status["url"], users, seconds, places))
        load_after = os.getloadavg()
        restarts = sum(r["restarts"] for r in json.loads(server("status", "--json", "--workspace", ws).stdout)["replicas"])
    finally:
        server("down", "--workspace", ws)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "replicas": replicas, "users": users, "seconds": seconds,
        "load_average_before_after": [round(load_before[0], 1), round(load_after[0], 1)],
        "warm_up_s": round(warm_s, 1), "warm_up_ok": warm, "replica_restarts": restarts,
        "errors": len(figures.errors), "error_examples": figures.errors[:5],
        "sessions": len(figures.renders), "login_to_map_p50_s": pct(figures.renders, 0.5),
        "login_to_map_p95_s": pct(figures.renders, 0.95),
        "clicks": len(figures.clicks), "clicks_redone": figures.redone,
        "click_to_panel_p50_s": pct(figures.clicks, 0.5), "click_to_panel_p95_s": pct(figures.clicks, 0.95),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 3])
    args = parser.parse_args()

    from pgcluster import PgCluster

    places = plan_places()
    cluster = PgCluster()
    folder = Path(tempfile.mkdtemp(prefix="chaohu-office-load-"))
    try:
        for replicas in args.replicas:
            print(json.dumps(run(cluster, replicas, args.users, args.seconds, places, folder), ensure_ascii=False), flush=True)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()

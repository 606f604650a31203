"""Store-level load test (not the app benchmark): 20 readers list and read layers while 5 writers upload.

Against a throwaway PostGIS started as the tests start it (tests/pgcluster.py) and, beside it, the embedded
GeoPackage engine under the same load. Writers all upload under the SAME name (名称（2）… must be handed out
without loss); at the end every upload must be in the store, under the name its writer was told, with its own
data. Prints errors, lost layers and the readers' list+read latency p50/p95 per engine as one JSON line.

Run: python benchmarks/store_load.py [--seconds 120] [--engines postgis gpkg]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

READER_PROCESSES, THREADS_PER_READER, WRITERS = 4, 5, 5
FEATURES = 300


def layer(tag: str, n: int = FEATURES):
    """n points near 巢湖市 carrying a tag (whose data a layer holds)."""
    import geopandas as gpd

    rng = random.Random(tag)
    return gpd.GeoDataFrame({"tag": [tag] * n, "名称": [f"点{i}" for i in range(n)]},
                            geometry=gpd.points_from_xy([117.6 + rng.random() * 0.4 for _ in range(n)],
                                                        [31.4 + rng.random() * 0.4 for _ in range(n)]), crs="EPSG:4490")


def writer(where: str, index: int, until: float, out) -> None:
    """Upload layers named 上传 until the deadline; report (tag, name told, features) and errors."""
    from store import open_target

    store = open_target(where)
    told, errors, i = [], [], 0
    while time.time() < until:
        tag = f"w{index}-{i}"
        try:
            info = store.add_layer("上传", layer(tag, FEATURES + index), f"写入{index}")
            told.append([tag, info.name, info.features])
        except Exception as exc:  # counted, not raised: the benchmark reports every error
            errors.append(f"{type(exc).__name__}: {exc}")
        i += 1
    out.put({"role": "writer", "told": told, "errors": errors})


def reader_process(where: str, index: int, until: float, out) -> None:
    """THREADS_PER_READER threads each listing the layers and reading a random one, timed, until the deadline."""
    from store import open_target

    store = open_target(where)
    latencies, errors, lock = [], [], threading.Lock()

    def loop(seed: int) -> None:
        rng = random.Random(seed)
        while time.time() < until:
            t0 = time.perf_counter()
            try:
                infos = store.layers()
                if infos:
                    gdf = store.read_layer(rng.choice(infos))
                    assert len(gdf) > 0
            except Exception as exc:  # a layer removed meanwhile never happens here: nobody removes
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                latencies.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=loop, args=(index * 100 + k,)) for k in range(THREADS_PER_READER)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    out.put({"role": "reader", "latencies": latencies, "errors": errors})


def run(where: str, seconds: float) -> dict:
    """One engine under load; its figures."""
    from store import open_target

    store = open_target(where)
    for i in range(5):  # something to read from the start
        store.add_layer(f"底图{i}", layer(f"base-{i}"), "准备")
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    until = time.time() + 20 + seconds  # spawned processes need a few seconds to import GeoPandas
    procs = [ctx.Process(target=writer, args=(where, i, until, out)) for i in range(WRITERS)]
    procs += [ctx.Process(target=reader_process, args=(where, i, until, out)) for i in range(READER_PROCESSES)]
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 600) for _ in procs]
    for p in procs:
        p.join()
    told = [t for r in results if r["role"] == "writer" for t in r["told"]]
    errors = [e for r in results for e in r["errors"]]
    latencies = sorted(x for r in results if r["role"] == "reader" for x in r["latencies"])
    # lost: an upload its writer was told was stored, not found under that name with its own data
    now = {info.name: info for info in store.layers()}
    lost = 0
    for tag, name, features in told:
        info = now.get(name)
        if info is None or info.features != features or set(store.read_layer(info)["tag"]) != {tag}:
            lost += 1
    names = list(now)
    return {
        "uploads": len(told), "errors": len(errors), "error_examples": errors[:3], "lost_layers": lost,
        "names_unique": len({n.lower() for n in names}) == len(names),
        "reads": len(latencies),
        "read_p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "read_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1) if latencies else None,
        "log_entries": len(store.changes(limit=1_000_000)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--engines", nargs="+", default=["postgis", "gpkg"], choices=["postgis", "gpkg"])
    args = parser.parse_args()
    figures = {"machine": f"{platform.machine()}, {mp.cpu_count()} cores", "seconds": args.seconds,
               "readers": READER_PROCESSES * THREADS_PER_READER, "writers": WRITERS, "features_per_layer": FEATURES}
    for engine in args.engines:
        if engine == "postgis":
            from pgcluster import PgCluster

            cluster = PgCluster()
            try:
                figures["postgis"] = run(cluster.new_database(), args.seconds)
            finally:
                cluster.stop()
        else:
            with tempfile.TemporaryDirectory(prefix="chaohu-bench-") as folder:
                figures["gpkg"] = run(str(Path(folder) / "workspace.gpkg"), args.seconds)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()

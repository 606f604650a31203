"""How long saving a position correction takes on the 校正位置 page, beside the naive way of making the catalogue.

The page runs in Streamlit's AppTest (benchmarks/correct_page.py: the real page, the drawing replaced by a point) on
a fresh workspace: 保存校正 is pressed three times with a new point and 来源; each save is the run that stores it
and the run after it that shows the page again (the catalogue made again with the correction). Then the catalogue
after one more correction is made twice: as the app makes it (only the corrected layer joined to the towns again)
and the naive way it was made before the caches by content (every shapefile, places.yaml and town join again).

Run: python benchmarks/correct_save.py [--saves 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def catalogue_s(store, naive: bool) -> float:
    """Seconds to make the catalogue; naive: with every cache by content emptied first."""
    from layers import catalog
    from loaders import base, places

    if naive:
        base._read_shipped.cache_clear()
        places._parsed.cache_clear()
        catalog._JOINED.clear()
    started = time.perf_counter()
    catalog.load_catalog(store=store)
    return time.perf_counter() - started


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=3)
    args = parser.parse_args(argv)
    workspace = Path(tempfile.mkdtemp(prefix="chaohu-bench-correct-"))
    os.environ.update(CHAOHU_WORKSPACE=str(workspace), BENCH_REPO=str(REPO))
    from streamlit.testing.v1 import AppTest

    from store.gpkg import GpkgStore

    app = AppTest.from_file(str(REPO / "benchmarks" / "correct_page.py"), default_timeout=600)
    app.query_params.update(mode="correct", sel="ft_zhonghan")
    app.run()
    app.run()
    saves = []
    for i in range(args.saves):
        app.text_input(key="corr_source").input(f"基准测试来源 {i + 1}")
        button = next(b for b in app.button if b.label == "保存校正")
        started = time.perf_counter()
        button.click().run()
        saves.append(time.perf_counter() - started)
        assert any(s.value.startswith("已保存「中垾体育小镇」的校正") for s in app.success), [e.value for e in app.exception]
    from shapely.geometry import Point

    from corrections.checks import correct

    store = GpkgStore(workspace / "workspace.gpkg")
    correct(store, "ft_zhonghan", Point(117.69, 31.62), "基准测试来源", user="基准测试")
    ours, naive = catalogue_s(store, naive=False), catalogue_s(store, naive=True)
    result = {"saves_s": [round(s, 2) for s in saves], "save_median_s": round(statistics.median(saves), 2),
              "catalogue_after_save_s": round(ours, 2), "naive_catalogue_s": round(naive, 2),
              "ratio": round(naive / ours, 1), "load": round(os.getloadavg()[0], 1), "cores": os.cpu_count()}
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()

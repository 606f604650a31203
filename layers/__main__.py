"""`python -m layers list [--json]`: each declared layer with its title, feature count, geometry and file."""

from __future__ import annotations

import argparse
import json
import sys

from core.declarations import LAYERS
from core.errors import ChaohuError, user_message
from core.settings import REPO
from layers.catalog import DATA_DIR, load_catalog


def layer_rows() -> list[dict]:
    """One row per declared layer, counted from the data as loaded (official overrides included)."""
    catalog = load_catalog()
    return [
        {
            "id": spec.id,
            "title": spec.title,
            "group": spec.group,
            "count": int(len(catalog.layers[spec.id])),
            "geometry": spec.geometry,
            "file": (DATA_DIR / f"{spec.file}.shp").relative_to(REPO).as_posix(),
        }
        for spec in LAYERS
    ]


def main(argv: list[str] | None = None) -> int:
    """List the layers; exit 2 with a Chinese message when the data cannot be read."""
    parser = argparse.ArgumentParser(prog="python -m layers", description="列出地图图层")
    parser.add_argument("command", choices=["list"], help="list：列出全部图层")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    args = parser.parse_args(argv)
    try:
        rows = layer_rows()
    except ChaohuError as exc:  # a broken data file: say which, no traceback
        print(f"读取图层失败：{exc.message}", file=sys.stderr)
        return 2
    except Exception as exc:  # never a traceback for a planner
        print(f"读取图层失败：{user_message(exc)}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            print(f"{r['id']:<24}{r['title']:<16}{r['count']:>5}  {r['geometry']:<11}{r['file']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

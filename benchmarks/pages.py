"""A naive Streamlit page in a directory of its own, as the benchmarks run it beside the app."""

from __future__ import annotations

import shutil
from pathlib import Path

from layers.assets import materialise_vendor

REPO = Path(__file__).resolve().parent.parent


def page_dir(script: Path, root: Path) -> Path:
    """Copy `script` into `root` with the offline map assets (static/vendor) and the app's Streamlit config
    (static serving on); the copied script's path, to run with cwd=root."""
    shutil.copy(script, root / script.name)
    materialise_vendor(root / "static")
    (root / ".streamlit").mkdir(exist_ok=True)
    shutil.copy(REPO / ".streamlit" / "config.toml", root / ".streamlit" / "config.toml")
    return root / script.name

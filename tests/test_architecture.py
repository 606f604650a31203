"""The shape of the code: imports point down the layers, one exception family, the router only routes."""

from __future__ import annotations

import ast
import builtins
import json
import subprocess
import sys
from pathlib import Path

import pytest

from layers import warmup

REPO = Path(__file__).resolve().parent.parent
#: Each top-level package (and the app script) with its rank: a module may import only ranks at or below its own.
RANKS = {"core": 0, "geo": 1, "loaders": 2, "store": 3, "corrections": 4, "layers": 5, "reports": 6, "tracking": 7,
         "presentation": 8, "views": 9, "streamlit_app": 10}
#: Command lines are entry points: `python -m loaders` also carries the store's and the corrections' commands.
ENTRY_POINTS = {"loaders/__main__.py": {"store", "corrections"}}


def _modules() -> list[Path]:
    files = [REPO / "streamlit_app.py"]
    for package in RANKS:
        folder = REPO / package
        if folder.is_dir():
            files += sorted(folder.rglob("*.py"))
    return files


def _owner(path: Path) -> str:
    return path.relative_to(REPO).parts[0].removesuffix(".py")


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, top-level module name) of every import, including those inside functions."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module.split(".")[0]))
    return out


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_imports_point_down_the_layers(path):
    owner = _owner(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = ENTRY_POINTS.get(path.relative_to(REPO).as_posix(), set())
    upward = [f"line {line}: {owner} imports {name}" for line, name in _imported(tree)
              if name in RANKS and RANKS[name] > RANKS[owner] and name not in allowed]
    assert not upward, "\n".join(upward)


def test_the_import_check_catches_an_upward_import(tmp_path):
    tree = ast.parse("def f():\n    from views.map import render\n")
    assert [(2, "views")] == _imported(tree)  # a function-level import is seen too
    assert RANKS["views"] > RANKS["loaders"]


#: Python's own exception classes (Exception, ValueError, OSError …): only ChaohuError may derive from one directly.
BUILTIN_ERRORS = {n for n in dir(builtins) if n.endswith(("Error", "Exception")) or n == "BaseException"}


def test_exactly_one_exception_base_in_the_project():
    direct = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                if bases & BUILTIN_ERRORS:
                    direct.append(f"{path.relative_to(REPO)}: {node.name}({', '.join(sorted(bases))})")
    assert direct == ["core/errors.py: ChaohuError(Exception)"], direct


def test_every_error_class_belongs_to_the_family():
    from core.errors import ChaohuError
    from loaders.errors import LoadError
    from loaders.plan import PlanDataError
    from loaders.places import PlacesError
    from tracking.errors import ProgressError, WorkbookError
    from presentation.tour import TourError
    from reports.export import ExportError
    from reports.fonts import FontMissing

    for cls in (LoadError, PlanDataError, PlacesError, TourError, ExportError, FontMissing, ProgressError, WorkbookError):
        assert issubclass(cls, ChaohuError), cls


def test_the_app_script_only_routes():
    tree = ast.parse((REPO / "streamlit_app.py").read_text(encoding="utf-8"))
    defined = [n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    assert defined == [], f"streamlit_app.py defines {defined}: pages and logic belong in views/ and below"
    imported = {name for _, name in _imported(tree)}
    # layers: the tile route and the import warm-up; store: the login API and its session gate (store/webauth.py)
    assert imported <= {"streamlit", "views", "layers", "store"}, imported


def test_the_warm_up_declares_no_component_before_the_server_runs():
    """The warm-up runs while the server starts: a Streamlit component declared then is never registered, and the
    map frame would answer 404. Importing everything it imports must leave streamlit_folium and the pages alone."""
    code = ("import json, sys; from layers import warmup; warmup.start(); warmup.wait(); print(json.dumps(["
            "sorted(m for m in sys.modules if m.split('.')[0] in ('views', 'streamlit_folium')),"
            "[m for m in warmup.MODULES if m not in sys.modules]]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    pages, not_imported = json.loads(out.stdout.strip().splitlines()[-1])
    assert pages == []
    assert not_imported == []  # a misspelt or broken module would be skipped silently
    assert "layers.catalog" in warmup.MODULES  # the app's data layers are imported ahead too

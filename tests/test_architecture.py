"""The shape of the code: imports point down the layers, one exception family, the router only routes."""

from __future__ import annotations

import ast
import builtins
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from layers import warmup

REPO = Path(__file__).resolve().parent.parent
#: Each top-level package (and the app script) with its rank: a module may import only ranks at or below its own.
#: server/ (processes behind HAProxy) is on top: it runs the app as programs and nothing imports it.
RANKS = {"core": 0, "geo": 1, "loaders": 2, "store": 3, "corrections": 4, "layers": 5, "reports": 6, "tracking": 7,
         "presentation": 8, "views": 9, "streamlit_app": 10, "server": 11}
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
    tree = ast.parse("def f():\n    from views.pages.map import render\n")
    assert [(2, "views")] == _imported(tree)  # a function-level import is seen too
    assert RANKS["views"] > RANKS["loaders"]


PAGES_DIR = REPO / "views" / "pages"


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


def _is_module(name: str) -> bool:
    path = REPO.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _project_imports(tree: ast.AST) -> set[str]:
    """The project modules an AST imports, by full dotted name (`from views import resources` → views.resources),
    including imports inside functions."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out |= {f"{node.module}.{a.name}" if _is_module(f"{node.module}.{a.name}") else node.module for a in node.names}
    return {name for name in out if name.split(".")[0] in RANKS and _is_module(name)}


def _page_imports(page: str, graph: dict[str, set[str]], pages: set[str]) -> list[list[str]]:
    """Every chain from `page` through the project's modules to another page (a page's own package excepted)."""
    chains, seen, todo = [], {page}, [[page]]
    while todo:
        chain = todo.pop()
        for name in sorted(graph.get(chain[-1], ())):
            if name in pages and name != page:
                chains.append([*chain, name])
            elif name not in seen and name != "views.pages":
                seen.add(name)
                todo.append([*chain, name])
    return chains


def test_pages_never_import_pages():
    """A page (views/pages/*.py) imports shared parts of views/ and lower ranks, never another page: not directly,
    not inside a function, not through a shared module."""
    graph = {_module_name(p): _project_imports(ast.parse(p.read_text(encoding="utf-8"))) for p in _modules()
             if p.name != "streamlit_app.py"}
    pages = {_module_name(p) for p in PAGES_DIR.glob("*.py") if p.name != "__init__.py"}
    assert {"views.pages.map", "views.pages.progress", "views.pages.tour_editor"} <= pages
    crossing = [" → ".join(chain) for page in sorted(pages) for chain in _page_imports(page, graph, pages)]
    assert not crossing, "\n".join(crossing)


def test_the_page_check_catches_a_page_importing_a_page_inside_a_function():
    tree = ast.parse("def f():\n    from views.pages import present\n    from views.tour_view import stamp\n")
    assert _project_imports(tree) == {"views.pages.present", "views.tour_view"}
    graph = {"views.pages.overview": _project_imports(tree), "views.tour_view": {"views.pages.map"}}
    assert _page_imports("views.pages.overview", graph, {"views.pages.overview", "views.pages.present", "views.pages.map"}) \
        == [["views.pages.overview", "views.pages.present"], ["views.pages.overview", "views.tour_view", "views.pages.map"]]


def test_views_reach_the_store_only_through_resources():
    """One way to the office's data in views/: views.resources.store() and .tracking(), the store the settings name now."""
    found = []
    for path in sorted((REPO / "views").rglob("*.py")):
        if path.name == "resources.py" and path.parent.name == "views":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "store" and {a.name for a in node.names} & {"open_store", "open_target"}:
                found.append(f"{path.relative_to(REPO)}:{node.lineno} imports store.open_store")
            if isinstance(node, ast.Attribute) and node.attr == "open" and isinstance(node.value, ast.Name) \
                    and node.value.id == "Tracking":
                found.append(f"{path.relative_to(REPO)}:{node.lineno} calls Tracking.open")
    assert not found, "\n".join(found)


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
    # layers: the tile route and the import warm-up; store: the login API and its session gate (store/webauth.py);
    # presentation: the places a map click asks for (presentation/places_api.py)
    assert imported <= {"streamlit", "views", "layers", "store", "presentation"}, imported


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


#: A line of HTML, a script or a style sheet: a tag, a line ending in { } or ;, a function, an arrow, a CSS rule.
WEB_LINE = re.compile(r"</?[a-zA-Z][\w-]*[^<>]*>|[{};]\s*$|\bfunction\b|=>|^\s*[.#@]?[\w-]+\s*[{:]")
#: From this many lines on, a page, script or style sheet belongs in a template or static file, not in a .py string.
WEB_BLOCK_LINES = 30


def web_blocks(source: str) -> list[tuple[int, int]]:
    """(line, length) of each string constant of WEB_BLOCK_LINES lines or more that is mostly HTML/JS/CSS."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            lines = node.value.splitlines()
            text = [line for line in lines if line.strip()]
            if len(lines) >= WEB_BLOCK_LINES and sum(bool(WEB_LINE.search(line)) for line in text) * 2 > len(text):
                out.append((node.lineno, len(lines)))
    return out


def test_no_page_script_or_style_sheet_is_a_python_string():
    """HTML, JS and CSS live in templates/ and static/ files (core/templates.py renders them), never in .py strings."""
    found = [f"{path.relative_to(REPO)}:{line} ({length} lines)"
             for path in sorted(REPO.rglob("*.py")) if not any(p.startswith(".") for p in path.relative_to(REPO).parts)
             for line, length in web_blocks(path.read_text(encoding="utf-8"))]
    assert found == [], found


def test_the_web_block_check_catches_a_style_sheet_and_passes_prose():
    css = "CSS = '''\n" + "".join(f".c{i} {{ color: #{i:03d}; }}\n" for i in range(30)) + "'''\n"
    assert web_blocks(css) == [(1, 31)]
    prose = 'DOC = """\n' + "一行说明文字，没有标签。\n" * 40 + '"""\n'
    assert web_blocks(prose) == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_graph(files: dict[str, str]) -> dict[str, set[str]]:
    """Module → the project modules it imports (imports inside functions included; `from a import b` is a.b when
    b is a module, else a — as import-linter counts them)."""
    known = set(files)

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, source in files.items():
        is_package = module in {m for m in known if any(k.startswith(m + ".") for k in known)}
        base = module if is_package else module.rpartition(".")[0]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                root = node.module or ""
                if node.level:
                    up = base
                    for _ in range(node.level - 1):
                        up = up.rpartition(".")[0]
                    root = f"{up}.{root}".strip(".")
                names = [f"{root}.{a.name}" if f"{root}.{a.name}" in known else root for a in node.names]
            else:
                continue
            edges |= {r for r in map(resolve, names) if r and r != module}
        graph[module] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_between_modules_counting_imports_inside_functions():
    files = {_module_name(p): p.read_text(encoding="utf-8") for p in _modules()}
    assert _cycles(_module_graph(files)) == []


def test_the_cycle_check_sees_a_cycle_hidden_in_a_function():
    files = {"store": "", "store.base": "from store.corrections import Mixin\n",
             "store.corrections": "def local():\n    from store.base import local_text\n"}
    assert _cycles(_module_graph(files)) == [["store.base", "store.corrections"]]


def test_no_top_level_package_holds_more_than_30_percent_of_the_product():
    lines = {}
    for path in _modules():
        lines[_owner(path)] = lines.get(_owner(path), 0) + sum(1 for line in path.read_text(encoding="utf-8").splitlines()
                                                               if line.strip())
    total = sum(lines.values())
    assert max(lines.values()) / total <= 0.30, {k: round(v / total, 2) for k, v in lines.items()}

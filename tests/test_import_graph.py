"""The import graph, read with `ast` from the source files (lazy imports inside functions count too):
no circle between modules, `indexer` never imports `search`, each stage imports only earlier stages, and the UI
imports only the modules that are public for it. docs/ARCHITECTURE.md describes the layout these rules keep."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("indexer", "search", "bench")
UI = "ui_streamlit"

# What ui_streamlit.py may import from this project; everything else it needs goes through search.ui_api.
UI_PUBLIC = frozenset({
    "indexer", "indexer.errors", "indexer.settings",
    "search", "search.ui_support", "search.reading", "search.ui_api", "search.access",
})

# Layers, lowest first: a module may import modules of its own layer or a lower one, never a higher one.
# A module belongs to the longest prefix listed ("indexer.store.reader" → "indexer.store").
LAYERS = (
    ("indexer.model", "indexer.errors", "indexer.settings"),  # the dataclasses, errors and settings every stage uses
    ("indexer.read",),
    ("indexer.text",),
    ("indexer.structure",),
    ("indexer.duties",),
    ("indexer.embed",),
    ("indexer.store",),
    ("indexer.pipeline",),
    ("indexer.parallel",),  # files through the pipeline on several cores
    ("indexer.cluster",),  # files through the pipeline and passages through the model on a Ray cluster
    ("indexer.build",),
    ("indexer",),
    ("search.ocr_note", "search.evaluate", "search.ui_support", "search.reading", "search.precedents",
     "search.access"),
    ("search.query",),
    ("search.answer",),
    ("search.retrieve",),
    ("search",),
    ("search.cli", "bench", "search.api"),  # search.api: the HTTP API of `tracuu serve`
    ("search.ui_api",),
    (UI,),
)


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def source_modules(root: Path, packages=PACKAGES, scripts=(UI,)) -> dict[str, Path]:
    """Module name → file, for every .py file of the packages and the top-level scripts under `root`."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            modules[module_name(path, root)] = path
    for script in scripts:
        path = root / f"{script}.py"
        if path.is_file():
            modules[script] = path
    return modules


def _resolve(name: str, known) -> str | None:
    """The longest known module that `name` is or lies in ("indexer.store.lexical.LexicalIndex" → its module)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def imports_of(module: str, path: Path, known) -> set[str]:
    """The project modules that `module` imports, anywhere in its file."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # `from a import b` names module a.b when there is one, else something defined in a
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            resolved = _resolve(target, known)
            if resolved is not None and resolved != module:
                found.add(resolved)
    return found


def import_graph(root: Path = REPO, packages=PACKAGES, scripts=(UI,)) -> dict[str, set[str]]:
    modules = source_modules(root, packages, scripts)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (or a module importing itself), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:  # iterative Tarjan: deep graphs do not hit the recursion limit
        nonlocal counter
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph.get(node, ()):
                        cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


def layer_of(module: str) -> int | None:
    best, best_len = None, -1
    for rank, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = rank, len(prefix)
    return best


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            if layer_of(target) > layer_of(module):
                bad.append(f"{module} → {target}")
    return bad


def indexer_reaching_out(graph: dict[str, set[str]]) -> list[str]:
    """Imports from indexer modules of anything outside indexer (search, bench, the UI)."""
    return sorted(f"{m} → {t}" for m, ts in graph.items() if m.split(".")[0] == "indexer"
                  for t in ts if t.split(".")[0] != "indexer")


# ---- the project -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_graph_sees_the_project(graph):
    assert {"indexer", "indexer.build", "indexer.read.readers", "search", "search.retrieve.searcher", UI} <= set(graph)
    assert "indexer.store.lexical" in graph["search.retrieve.searcher"]
    assert "search.retrieve.searcher" in graph["search"]  # the lazy import in search/__init__.py counts


def test_no_import_circle(graph):
    assert find_cycles(graph) == []


def test_indexer_does_not_import_search_or_the_ui(graph):
    assert indexer_reaching_out(graph) == []


def test_every_module_has_a_layer(graph):
    assert [m for m in graph if layer_of(m) is None] == []


def test_imports_point_from_later_stages_to_earlier_ones(graph):
    assert layer_violations(graph) == []


def test_the_ui_imports_only_public_modules(graph):
    assert graph[UI] and graph[UI] <= UI_PUBLIC, sorted(graph[UI] - UI_PUBLIC)


def test_no_folder_or_module_grows_too_big():
    for package in ("indexer", "search"):
        for folder in [REPO / package, *(p for p in (REPO / package).rglob("*") if (p / "__init__.py").is_file())]:
            modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
            assert len(modules) <= 12, folder
            for path in modules:
                assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path


# ---- the checker fails when it should --------------------------------------------------------------------------


def test_find_cycles_on_synthetic_graphs():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"a"}}) == [["a"]]
    assert find_cycles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}) == [["a", "b"], ["c", "d"]]


def test_a_circle_added_to_the_project_graph_is_found(graph):
    circled = {module: set(targets) for module, targets in graph.items()}
    circled["indexer.model"].add("indexer.build")  # build imports model (through the stages)
    assert any({"indexer.model", "indexer.build"} <= set(c) for c in find_cycles(circled))
    assert "indexer.model → indexer.build" in layer_violations(circled)


def _package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_circle_in_a_package_on_disk_is_found(tmp_path):
    _package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/low/__init__.py": "",
        "pkg/low/a.py": "from pkg.high import b\n",
        "pkg/high/__init__.py": "",
        "pkg/high/b.py": "def f():\n    from ..low.a import x  # lazy and relative: still an import\n",
        "pkg/high/c.py": "import pkg.low.a\n",
        "app.py": "from pkg.high.c import thing\nfrom pkg import low\n",
    })
    graph = import_graph(tmp_path, packages=("pkg",), scripts=("app",))
    assert graph["pkg.high.b"] == {"pkg.low.a"} and graph["pkg.high.c"] == {"pkg.low.a"}
    assert graph["app"] == {"pkg.high.c", "pkg.low"}
    assert find_cycles(graph) == [["pkg.high.b", "pkg.low.a"]]

    (tmp_path / "pkg/low/a.py").write_text("X = 1\n", encoding="utf-8")
    assert find_cycles(import_graph(tmp_path, packages=("pkg",), scripts=("app",))) == []


def test_indexer_importing_search_is_found(tmp_path):
    _package(tmp_path, {"indexer/__init__.py": "", "indexer/x.py": "import search.y\n",
                        "search/__init__.py": "", "search/y.py": ""})
    graph = import_graph(tmp_path, packages=("indexer", "search"), scripts=())
    assert graph["indexer.x"] == {"search.y"}
    assert indexer_reaching_out(graph) == ["indexer.x → search.y"]
    assert "indexer.x → search.y" in layer_violations(graph)

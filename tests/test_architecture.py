"""The architecture, checked (docs/architecture.md, "The rules and what enforces them").

The layers and who may import Rich, Typer, SQL and the CLI are import-linter contracts in
pyproject.toml: ``lint-imports`` checks them (in .ci/run) and the first test here runs it,
so ``pytest`` alone fails on a broken rule. The rest are what a contract cannot say: no
import cycle among minicrm's modules (function-level imports included), a function-level
import says why it is one, no SQL statement run outside db/ and the queries modules, no
module using another's underscore names, and the CLI's lazy-loading tables match the
command tree."""

from __future__ import annotations

import ast
import itertools
import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "minicrm"
LAZY = "# lazy: start-up"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    """Every import of every minicrm module, those inside functions included."""
    return grimp.build_graph("minicrm", include_external_packages=True, cache_dir=None)


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_click_only_in_the_cli(graph):
    """typer bundles its own click (the contract on typer covers it); this is the other
    one, which no contract can name while nothing imports it."""
    if "click" in graph.modules:
        users = graph.find_modules_that_directly_import("click")
        assert {m for m in users if not m.startswith("minicrm.cli")} == set()


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each as one
    cycle through it, in import order."""
    mods = sorted(m for m in graph.modules if m == "minicrm" or m.startswith("minicrm."))
    edges = {
        m: sorted(n for n in graph.find_modules_directly_imported_by(m) if n in mods) for m in mods
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for m in mods:
        if m not in index:
            visit(m)
    cycles = []
    for component in found:
        start = min(component)
        # a shortest way back to the start, inside the component
        paths = {start: [start]}
        queue = [start]
        cycle: list[str] = []
        while queue and not cycle:
            here = queue.pop(0)
            for there in edges[here]:
                if there == start:
                    cycle = [*paths[here], start]
                    break
                if there in component and there not in paths:
                    paths[there] = [*paths[here], there]
                    queue.append(there)
        cycles.append(cycle)
    return cycles


def _where(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    lines = sorted(
        {d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)}
    )
    return f"{importer} -> {imported} (line {', '.join(map(str, lines))})"


def test_no_import_cycle_among_minicrm_modules(graph):
    """Module-level and function-level imports alike: a cycle hidden in a function is
    still a cycle. Break one by moving the shared lookup down."""
    described = [
        "\n  ".join(_where(graph, a, b) for a, b in itertools.pairwise(cycle))
        for cycle in _cycles(graph)
    ]
    assert not described, "import cycles:\n  " + "\n\n  ".join(described)


def test_the_cycle_finder_finds_one():
    g = grimp.ImportGraph()
    for name in ("minicrm", "minicrm.a", "minicrm.b", "minicrm.c"):
        g.add_module(name)
    g.add_import(importer="minicrm.a", imported="minicrm.b", line_number=3, line_contents="")
    g.add_import(importer="minicrm.b", imported="minicrm.c", line_number=9, line_contents="")
    assert _cycles(g) == []
    g.add_import(importer="minicrm.c", imported="minicrm.a", line_number=5, line_contents="")
    assert _cycles(g) == [["minicrm.a", "minicrm.b", "minicrm.c", "minicrm.a"]]


def _function_level_import_runs(tree: ast.AST):
    """Runs of consecutive import statements inside functions (a run shares one comment)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            for field in ("body", "orelse", "finalbody", "handlers"):
                body = getattr(inner, field, None)
                if not isinstance(body, list):
                    continue
                run: list[ast.stmt] = []
                for stmt in [*body, None]:
                    if isinstance(stmt, ast.Import | ast.ImportFrom):
                        run.append(stmt)
                        continue
                    if run:
                        yield run
                    run = []


def _is_own(stmt: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(stmt, ast.ImportFrom):
        return stmt.level > 0 or (stmt.module or "").split(".")[0] == "minicrm"
    return any(alias.name.split(".")[0] == "minicrm" for alias in stmt.names)


def test_a_function_level_import_is_for_start_up_and_says_so():
    """An import of minicrm's own modules inside a function is there only to keep a
    module's start-up cost off commands that do not need it, and says so with
    ``# lazy: start-up`` (on the import, or on the comment line just above a run of
    them). One made to dodge a cycle is a cycle (the test above)."""
    unmarked = []
    for path in sorted(SRC.rglob("*.py")):
        lines = path.read_text().splitlines()
        for run in _function_level_import_runs(ast.parse("\n".join(lines))):
            if not any(_is_own(stmt) for stmt in run):
                continue
            first = run[0].lineno - 1
            above = lines[first - 1].strip() if first else ""
            text = lines[first : run[-1].end_lineno or run[-1].lineno]
            if not any(LAZY in t for t in text) and not (
                above.startswith("#") and LAZY[2:] in above
            ):
                unmarked.append(f"{path.relative_to(ROOT)}:{run[0].lineno}: {lines[first].strip()}")
    assert not unmarked, "function-level imports without " + LAZY + ":\n" + "\n".join(unmarked)


_SQL_CALL = re.compile(r"\.(query|execute|executemany|executescript)\(")


def test_sql_runs_only_in_db_and_the_queries_modules():
    """Contracts see imports; a statement run through ``store.db``/``store.conn`` needs
    no import, so this looks for the calls themselves."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        if name.startswith("db/") or name.endswith("queries.py"):
            continue
        for number, text in enumerate(path.read_text().splitlines(), 1):
            if _SQL_CALL.search(text) and not text.lstrip().startswith("#"):
                found.append(f"{name}:{number}: {text.strip()}")
    assert not found, "SQL outside db/ and queries.py:\n" + "\n".join(found)


def test_every_command_is_in_the_lazy_loading_table():
    import typer

    from minicrm import cli

    full = typer.main.get_command(cli.app)
    assert set(full.commands) == set(cli.COMMANDS)  # type: ignore[attr-defined]
    for name in full.commands:  # type: ignore[attr-defined]
        alone = typer.main.get_command(cli.build_app(name))
        assert name in alone.commands  # type: ignore[attr-defined]
        assert len(alone.commands) < len(full.commands)  # type: ignore[attr-defined]


def test_the_command_name_is_found_after_global_options():
    from minicrm.cli import command_name

    assert command_name(["ls", "tag:vip"]) == "ls"
    assert command_name(["--db", "x.db", "--debug", "due"]) == "due"
    assert command_name(["--db=x.db", "show", "jane"]) == "show"
    assert command_name(["--help"]) is None
    assert command_name([]) is None


def test_the_help_table_is_regenerated_by_python_m_and_imported_by_nothing(graph):
    """cli/summaries/__main__.py needs the whole command tree, which imports the table:
    as its own module run by ``python -m minicrm.cli.summaries``, it closes no cycle."""
    done = subprocess.run(
        [sys.executable, "-m", "minicrm.cli.summaries"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("SUMMARIES: tuple[tuple[str, str], ...] = (")
    assert graph.find_modules_that_directly_import("minicrm.cli.summaries.__main__") == set()


def _module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_uses(path: Path, src: Path = SRC) -> list[str]:
    """Where the module at ``path`` (under the package at ``src``) uses another minicrm
    module's underscore name: ``from minicrm.x import _name`` (relative imports too), or
    ``x._name`` read of an imported module or of a name imported from one
    (``Store._execute`` after ``from minicrm.db.store import Store``)."""
    here = _module_name(path, src)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    imported: dict[str, str] = {}  # a local name -> what it is in minicrm
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([module] if module else [])])
            if module.split(".")[0] != "minicrm":
                continue
            for alias in node.names:
                if _is_private(alias.name) and module != here:
                    found.append((node.lineno, f"from {module} import {alias.name}"))
                imported[alias.asname or alias.name] = f"{module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "minicrm":
                    local = alias.asname or "minicrm"
                    imported[local] = alias.name if alias.asname else "minicrm"
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _is_private(node.attr)):
            continue
        value, chain = node.value, []
        while isinstance(value, ast.Attribute):
            chain.insert(0, value.attr)
            value = value.value
        if isinstance(value, ast.Name) and value.id in imported:
            owner = ".".join([imported[value.id], *chain])
            if owner != here:
                found.append((node.lineno, f"{owner}.{node.attr}"))
    where = path.relative_to(src.parent.parent)
    return [f"{where}:{line}: {use}" for line, use in sorted(found)]


def test_no_module_uses_another_modules_private_names():
    """An underscore name is its module's own business: a name another module needs gets
    a public name where it is defined. Nothing is exempt. (Tests may still reach a
    private name of the module they test.)"""
    found = [use for path in sorted(SRC.rglob("*.py")) for use in _private_uses(path)]
    assert not found, f"{len(found)} uses of another module's private names:\n" + "\n".join(found)


def test_the_private_name_finder_finds_them(tmp_path):
    package = tmp_path / "src" / "minicrm" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from .mod import _hidden, shown\n")
    (package / "other.py").write_text("import minicrm.pkg.other\nx = minicrm.pkg.other._own\n")
    (package / "mod.py").write_text(
        "import minicrm.pkg.other as other\n"
        "import minicrm\n"
        "from minicrm.pkg import other as again\n"
        "from minicrm.pkg.other import Thing\n"
        "_own = 1\n"
        "x = other._secret + again.shown + minicrm.pkg.other._deep + _own + Thing._method()\n"
    )
    src = tmp_path / "src" / "minicrm"
    assert _private_uses(package / "__init__.py", src) == [
        "src/minicrm/pkg/__init__.py:1: from minicrm.pkg.mod import _hidden"
    ]
    assert _private_uses(package / "other.py", src) == []
    assert [use.split(":", 2)[2] for use in _private_uses(package / "mod.py", src)] == [
        " minicrm.pkg.other.Thing._method",
        " minicrm.pkg.other._deep",
        " minicrm.pkg.other._secret",
    ]

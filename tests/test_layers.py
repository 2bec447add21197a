"""The layers hold: every import of the project's own modules, at the top of a module or inside a
function (or under `if TYPE_CHECKING:`), points down, and no import cycle exists.

    app -> schema -> resolvers -> domain -> models
                  -> subscriptions (beside resolvers: it may use them, they do not use it)
    migrations -> models

Only schema/ (and subscriptions/, beside it) import resolvers/; app/ builds the resolvers'
Context, so it may import `resolvers.context` and nothing else of resolvers/.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "domain", "models", "resolvers", "schema", "subscriptions", "migrations")

# What each package may import of the project (besides itself).
MAY_IMPORT = {
    "models": set(),
    "domain": {"models"},
    "resolvers": {"domain", "models"},
    "subscriptions": {"resolvers", "domain", "models"},
    "schema": {"resolvers", "subscriptions", "domain", "models"},
    "app": {"schema", "subscriptions", "domain", "models"},
    "migrations": {"models"},
}
# Single modules a package may import although their package is out of its reach.
MAY_ALSO_IMPORT = {"app": {"resolvers.context"}}  # app/ builds the Context the resolvers get


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    where: str  # file:line
    statement: str
    inner: bool  # not at the top of its module (inside a function, class or `if`)

    def __str__(self) -> str:
        kind = "inside a block" if self.inner else "at the top"
        return f"{self.importer} imports {self.imported} ({self.where}, {kind}: `{self.statement}`)"


def modules(root: Path | None = None) -> dict[str, Path]:
    root = root or ROOT
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _target(name: str, known: dict[str, Path]) -> str | None:
    """The project module `name` is, or is in (`models.Order` -> `models`); None: not ours."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, path: Path, known: dict[str, Path], root: Path | None = None) -> list[Import]:
    root = root or ROOT
    tree = ast.parse(path.read_text(), str(path))
    top = {id(node) for node in tree.body}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names]  # a submodule, or a name in `base`
        else:
            continue
        for target in dict.fromkeys(_target(name, known) for name in names):  # once per module a statement imports
            if target is not None and target != module:
                where = f"{path.relative_to(root)}:{node.lineno}"
                found.append(Import(module, target, where, ast.unparse(node), id(node) not in top))
    return found


def all_imports() -> list[Import]:
    known = modules()
    return [imp for module, path in known.items() for imp in imports_of(module, path, known)]


def forbidden(imp: Import) -> bool:
    source, target = imp.importer.partition(".")[0], imp.imported.partition(".")[0]
    if source == target or target in MAY_IMPORT[source]:
        return False
    return imp.imported not in MAY_ALSO_IMPORT.get(source, set())


def cycles(edges: list[Import]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in edges:
        graph[imp.importer].add(imp.imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for following in sorted(graph[node]):
            if following not in index:
                visit(following)
                low[node] = min(low[node], low[following])
            elif following in on_stack:
                low[node] = min(low[node], index[following])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_walk_finds_imports_at_the_top_and_inside_functions(tmp_path: Path) -> None:
    """The walk itself: relative imports resolved, names in a package mapped to it, inner
    imports found, an upward import and a cycle (through a function) reported."""
    (tmp_path / "domain").mkdir()
    (tmp_path / "schema").mkdir()
    (tmp_path / "domain" / "__init__.py").write_text("")
    (tmp_path / "schema" / "__init__.py").write_text("")
    (tmp_path / "domain" / "a.py").write_text("from . import b\n\ndef f():\n    from schema.x import T\n")
    (tmp_path / "domain" / "b.py").write_text("from .a import f\n")
    (tmp_path / "schema" / "x.py").write_text("import domain\nfrom domain.a import f\n")
    known = {
        name: tmp_path / relative
        for name, relative in {
            "domain": "domain/__init__.py",
            "domain.a": "domain/a.py",
            "domain.b": "domain/b.py",
            "schema": "schema/__init__.py",
            "schema.x": "schema/x.py",
        }.items()
    }
    edges = [imp for module, path in known.items() for imp in imports_of(module, path, known, tmp_path)]
    assert {(e.importer, e.imported, e.inner) for e in edges} == {
        ("domain.a", "domain.b", False),
        ("domain.a", "schema.x", True),
        ("domain.b", "domain.a", False),
        ("schema.x", "domain", False),
        ("schema.x", "domain.a", False),
    }
    assert [str(e) for e in edges if forbidden(e)] == [
        "domain.a imports schema.x (domain/a.py:4, inside a block: `from schema.x import T`)"
    ]
    assert cycles(edges) == [["domain.a", "domain.b", "schema.x"]]


def test_every_module_is_walked() -> None:
    found = modules()
    for expected in ("app.server", "domain.ids", "models.order", "resolvers.orders", "schema.api", "migrations.env"):
        assert expected in found
    assert "subscriptions.feed" in found and "resolvers.mutations.runner" in found


def test_imports_point_down() -> None:
    edges = all_imports()
    wrong = sorted(str(imp) for imp in edges if forbidden(imp))
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_import_cycles() -> None:
    edges = all_imports()
    found = cycles(edges)
    details = [
        "cycle: "
        + ", ".join(component)
        + "\n"
        + "\n".join(f"  {imp}" for imp in edges if imp.importer in component and imp.imported in component)
        for component in found
    ]
    assert not found, "\n".join(details)

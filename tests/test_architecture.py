"""The shape of the code, checked: modules import in one direction and never in a circle.

Read from the source (module-level imports only; an import inside a function is deliberately
late and does not count), so the rule holds for every module, not just the ones a test loads.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pip_app
from tests.syntax import parse_module

ROOT = Path(pip_app.__file__).parent
BLUEPRINTS = {
    "adjustments",
    "admin",
    "attachments",
    "auth",
    "closure",
    "factors",
    "hr",
    "letters",
    "main",
    "meetings",
    "plans",
    "register",
    "reviews",
    "support",
}


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = ("pip_app", *path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, root: Path = ROOT) -> set[str]:
    """The pip_app modules this file imports at module level (package-relative names resolved)."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in parse_module(path).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("pip_app")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("pip_app"):
                continue
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}
    return found


def _graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Each pip_app module and the pip_app modules it imports at module level."""
    modules = {_module_name(p, root): p for p in root.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        targets = {t for t in _imports(path, root) if t in modules and t != name}
        if path.name == "__init__.py":
            # A blueprint package registers its routes by importing its own views last
            # (`bp` first, then `from . import views`): package initialisation, not a cycle.
            targets = {t for t in targets if not t.startswith(name + ".")}
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every back edge found by a depth-first walk, as the circle of modules it closes."""
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append(trail[trail.index(target) :] + [target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def test_no_import_cycle_among_pip_app_modules():
    assert _cycles(_graph()) == []


def test_operations_and_rules_do_not_import_the_web_layer():
    web = {f"pip_app.{b}" for b in BLUEPRINTS} | {
        "pip_app.templating",
        "pip_app.htmx",
        "pip_app.pdf",
        "pip_app.screens",
        "pip_app.access",
        "pip_app.plan_page",
    }
    lower = [
        name
        for name in _graph()
        if name.startswith(("pip_app.services", "pip_app.notifications"))
        or name
        in {
            "pip_app.policy",
            "pip_app.quality",
            "pip_app.quality_words",
            "pip_app.schedule",
            "pip_app.lifecycle",
            "pip_app.flags",
            "pip_app.measures",
            "pip_app.formatting",
            "pip_app.models",
        }
    ]
    graph = _graph()
    leaks = {
        name: sorted(t for t in graph[name] if any(t == w or t.startswith(w + ".") for w in web)) for name in lower
    }
    assert {name: found for name, found in leaks.items() if found} == {}


def test_a_feature_never_imports_another_feature():
    graph = _graph()
    leaks = {}
    for name, targets in graph.items():
        parts = name.split(".")
        if len(parts) > 1 and parts[1] in BLUEPRINTS:
            other = sorted(
                t for t in targets if t.count(".") and t.split(".")[1] in BLUEPRINTS and t.split(".")[1] != parts[1]
            )
            if other:
                leaks[name] = other
    assert leaks == {}


def test_the_cycle_check_finds_a_cycle(tmp_path):
    """The checker itself: two made-up modules importing each other are reported."""
    package = tmp_path / "pip_app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("from .a import thing\n")
    (package / "c.py").write_text("from pip_app import a\n")
    assert _cycles(_graph(package)) == [["pip_app.a", "pip_app.b", "pip_app.a"]]


PURE = [
    "adjustment_rules",
    "fair_summaries",
    "file_types",
    "folding",
    "formatting",
    "history",
    "flags",
    "lifecycle",
    "measures",
    "quality",
    "quality_words",
    "schedule",
    "summaries",
    "pdf",
    "pdf.blocks",
    "pdf.plan_document",
    "pdf.closure_summary",
    "pdf.fair_process",
    "pdf.letter",
    "letter_rules",
]


@pytest.mark.parametrize("name", PURE)
def test_rule_modules_and_the_pdf_import_no_flask_or_database(name):
    """Plain functions over plain values: no Flask, no database session, no operations."""
    path = ROOT / (name.replace(".", "/") + ("/__init__.py" if name == "pdf" else ".py"))
    tree = parse_module(path)
    outside = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    outside |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level}
    assert not {m for m in outside if m.split(".")[0] in ("flask", "flask_login", "sqlalchemy")}
    forbidden = ("pip_app.extensions", "pip_app.models", "pip_app.database", "pip_app.services")
    assert not {m for m in _imports(path) if m.startswith(forbidden)}

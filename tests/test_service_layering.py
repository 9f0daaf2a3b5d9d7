"""Layers in one direction: operations (pip_app/services) import rules, models and each other,
never a blueprint package, the templating, the htmx helpers or the PDF package; the pure rule
modules and the PDF package import nothing from Flask."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "pip_app"
BLUEPRINTS = {"auth", "plans", "reviews", "register", "closure", "hr", "admin", "main"}
NOT_FOR_OPERATIONS = BLUEPRINTS | {"templating", "htmx", "pdf"}
# Moving the password, TOTP and password-policy primitives out of auth/ is its own change (issue 14).
CREDENTIALS_PENDING = {"users.py", "two_factor.py"}


def app_imports(path: Path) -> set[str]:
    """The pip_app modules a file imports, as dotted names relative to pip_app ("services.plans")."""
    package = path.relative_to(APP).parent.parts
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[:len(package) - node.level + 1])
                target = base + (node.module.split(".") if node.module else [])
                if node.module is None:
                    names.update(".".join(target + [alias.name]) for alias in node.names)
                else:
                    names.add(".".join(target))
            elif node.module and node.module.startswith("pip_app"):
                names.add(node.module.removeprefix("pip_app").lstrip("."))
        elif isinstance(node, ast.Import):
            names.update(a.name.removeprefix("pip_app").lstrip(".") for a in node.names if a.name.startswith("pip_app"))
    return names


@pytest.mark.parametrize("path", sorted(p for p in (APP / "services").glob("*.py") if p.name not in CREDENTIALS_PENDING),
                         ids=lambda p: p.name)
def test_operations_do_not_import_views_templating_htmx_or_pdf(path):
    wrong = {name for name in app_imports(path) if name.split(".")[0] in NOT_FOR_OPERATIONS}
    assert not wrong, f"services/{path.name} imports {sorted(wrong)}"


@pytest.mark.parametrize("name", ["formatting.py", "flags.py", "lifecycle.py", "measures.py", "quality.py",
                                  "summaries.py", "pdf/__init__.py", "pdf/blocks.py", "pdf/plan_document.py",
                                  "pdf/closure_summary.py"])
def test_rule_modules_and_the_pdf_import_no_flask_or_database(name):
    tree = ast.parse((APP / name).read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level}
    assert not {m for m in imported if m.split(".")[0] in ("flask", "flask_login", "sqlalchemy")}
    assert not {m for m in app_imports(APP / name) if m.split(".")[0] in ("extensions", "models", "database", "services")}

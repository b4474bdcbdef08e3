"""ARCHITECTURE.md §2: which domain may import which, read from the source with ast."""

import ast
from pathlib import Path

LMS = Path(__file__).parents[2] / "lms"

ALLOWED = {
    "core": set(),
    "accounts": {"core"},
    "org": {"core", "accounts"},
    "catalogue": {"core", "plugins"},
    "assessment": {"core", "catalogue"},
    # Notifications, like the audit log, is told things by every domain that has news.
    "notifications": {"core", "accounts"},
    "learning": {"core", "accounts", "org", "catalogue", "plugins", "notifications"},
    "certificates": {"core", "accounts", "org", "catalogue", "learning", "notifications"},
    "needs": {"core", "accounts", "org", "catalogue", "learning", "assessment", "notifications"},
    # Authoring builds module versions and previews them through the learner runtime.
    "authoring": {"core", "accounts", "catalogue", "plugins", "assessment", "learning"},
    "classes": {"core", "accounts", "org", "catalogue", "learning", "notifications"},
}
# Shared plumbing every domain may use.
COMMON = {"extensions", "config"}
# A domain's commands reach ``lms`` through the plugin hook ``lms_cli`` (its ``hookimpl``).
CLI = {"plugins"}


def imported_domains(path: Path) -> set[tuple[str, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "lms" and len(parts) > 1:
                found.add((parts[1], ".".join(parts[2:3])))
    return found


def test_domains_import_only_what_the_architecture_allows():
    problems = []
    for domain, allowed in ALLOWED.items():
        for path in (LMS / domain).rglob("*.py") if (LMS / domain).exists() else []:
            also = CLI if path.name == "cli.py" else set()
            for imported, _module in imported_domains(path):
                if imported not in allowed | COMMON | also | {domain}:
                    problems.append(f"{path.relative_to(LMS)} imports lms.{imported}")
    assert problems == []


def test_no_domain_imports_another_domains_views_or_forms():
    """The app factory (``lms/__init__.py``) may: it wires the layout's language form."""
    problems = []
    for path in LMS.glob("*/**/*.py"):
        domain = path.relative_to(LMS).parts[0]
        for imported, module in imported_domains(path):
            if imported not in {domain, "core"} and module in {"views", "forms"}:
                problems.append(f"{path.relative_to(LMS)} imports lms.{imported}.{module}")
    assert problems == []

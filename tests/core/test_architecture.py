"""ARCHITECTURE.md §2: which package may import which, read from the source with ast, for
every package under lms/; no import cycle between packages; no activity type known by its
id outside its own package."""

import ast
from pathlib import Path

LMS = Path(__file__).parents[2] / "lms"

# Every package under lms/ and what it may import besides itself and COMMON. ``plugins``
# holds the contracts and the registry: a domain that needs the registered types asks it
# (ARCHITECTURE.md §2, below the table), so assessment, classes and needs may import it.
ALLOWED = {
    "core": set(),
    "plugins": {"core"},
    "accounts": {"core"},
    "org": {"core", "accounts"},
    "catalogue": {"core", "plugins"},
    # Question texts render with the Markdown extensions plugins add (a legal citation).
    "assessment": {"core", "catalogue", "plugins"},
    # The register of legal instruments checks and renders the courses' citations; it is
    # also a built-in plugin (citations in Markdown, checks in course validation).
    "legal": {"core", "accounts", "catalogue", "plugins"},
    # Notifications, like the audit log, is told things by every domain that has news.
    "notifications": {"core", "accounts"},
    # The daily job flags modules for review; a module's page shows its review to learners.
    "learning": {"core", "accounts", "org", "catalogue", "plugins", "notifications", "legal"},
    "certificates": {"core", "accounts", "org", "catalogue", "learning", "notifications"},
    "needs": {
        *("core", "accounts", "org", "catalogue", "learning", "assessment", "notifications"),
        "plugins",
    },
    # Authoring builds module versions and previews them through the learner runtime.
    # ... and shows a module's review state and records reviews beside the editor; its
    # competency picker lists the needs domain's framework.
    "authoring": {
        *("core", "accounts", "catalogue", "plugins", "assessment", "learning", "legal"),
        "needs",
    },
    "classes": {"core", "accounts", "org", "catalogue", "learning", "notifications", "plugins"},
    # xAPI turns learning events into statements: it reads the records the events carry.
    "xapi": {"core", "accounts", "catalogue", "learning", "assessment"},
}
# Read-only reports, and the packages composed from every domain's services and queries
# (admin, api, demo; testing's fixtures and factories build every domain's objects).
ANY_DOMAIN = {"reports", "admin", "api", "demo", "testing"}
# The built-in activity types: core, plugins, the learner runtime and their own domain.
ACTIVITY_DOMAIN = {"lesson": set(), "quiz": {"assessment"}, "session": {"classes"}}
ACTIVITY_ALLOWED = {("core", None), ("plugins", None), ("learning", "runtime")}
# Shared plumbing every package may use.
COMMON = {"extensions", "config"}
NOT_PYTHON = {"translations"}
# A domain's commands reach ``lms`` through the plugin hook ``lms_cli`` (its ``hookimpl``).
CLI = {"plugins"}


def packages() -> list[str]:
    return sorted(path.name for path in LMS.iterdir() if path.is_dir() and any(path.rglob("*.py")))


def activity_types() -> list[str]:
    return sorted(path.parent.name for path in (LMS / "activities").glob("*/__init__.py"))


def imports(path: Path) -> set[tuple[str, str]]:
    """(package, module) of every ``lms`` import in the file, function-level ones included."""
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


def node_of(path: Path) -> str:
    """The package a file belongs to; each activity type is a node of its own."""
    parts = path.relative_to(LMS).parts
    if parts[0] == "activities" and len(parts) > 2:
        return f"activities.{parts[1]}"
    return parts[0]


def _imported_node(package: str, module: str) -> str:
    return f"activities.{module}" if package == "activities" and module else package


def test_every_package_under_lms_is_in_the_table():
    assert set(packages()) - NOT_PYTHON <= set(ALLOWED) | ANY_DOMAIN | {"activities"}
    assert set(activity_types()) == set(ACTIVITY_DOMAIN)


def test_packages_import_only_what_the_architecture_allows():
    problems = []
    for package in packages():
        if package in ANY_DOMAIN | NOT_PYTHON | {"activities"}:
            continue
        for path in (LMS / package).rglob("*.py"):
            also = CLI if path.name == "cli.py" else set()
            for imported, _module in imports(path):
                if imported not in ALLOWED[package] | COMMON | also | {package}:
                    problems.append(f"{path.relative_to(LMS)} imports lms.{imported}")
    assert problems == []


def test_activity_types_import_the_contract_the_runtime_and_their_own_domain_only():
    problems = []
    for type_name, domains in ACTIVITY_DOMAIN.items():
        for path in (LMS / "activities" / type_name).rglob("*.py"):
            for imported, module in imports(path):
                allowed = (
                    imported in domains | COMMON
                    or (imported, None) in ACTIVITY_ALLOWED
                    or (imported, module) in ACTIVITY_ALLOWED
                    or (imported, module) == ("activities", type_name)
                )
                if not allowed:
                    name = ".".join(filter(None, (imported, module)))
                    problems.append(f"{path.relative_to(LMS)} imports lms.{name}")
    assert problems == []


def test_no_domain_imports_another_domains_views_or_forms():
    """The app factory (``lms/__init__.py``) may: it wires the layout's language form."""
    problems = []
    for path in LMS.glob("*/**/*.py"):
        package = path.relative_to(LMS).parts[0]
        for imported, module in imports(path):
            if imported not in {package, "core"} and module in {"views", "forms"}:
                problems.append(f"{path.relative_to(LMS)} imports lms.{imported}.{module}")
    assert problems == []


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in LMS.glob("*/**/*.py"):
        node = node_of(path)
        for package, module in imports(path):
            target = _imported_node(package, module)
            if target != node and package not in COMMON:
                graph.setdefault(node, set()).add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, done = [], set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            found.append([*path[path.index(node) :], node])
            return
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            visit(target, [*path, node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return found


def test_the_cycle_finder_finds_one():
    assert cycles(
        {"plugins": {"assessment"}, "assessment": {"catalogue"}, "catalogue": {"plugins"}}
    ) == [["assessment", "catalogue", "plugins", "assessment"]]


def test_no_import_cycle_between_packages():
    """Function-level imports count: a cycle hidden in a function is still one."""
    assert cycles(import_graph()) == []


# A literal equal to a type id that names something else: a keyword argument's value
# (pytest's scope="session", a relationship's back_populates) or a mapping's key.
def _names_something_else(node: ast.Constant, parents: dict) -> bool:
    parent = parents.get(node)
    return isinstance(parent, ast.keyword) or (
        isinstance(parent, ast.Subscript) and parent.slice is node
    )


def test_no_activity_type_is_known_by_its_id_outside_its_package():
    """The core asks a type's capabilities (``lms.plugins.activity.Capability``)."""
    type_ids = set(activity_types())
    problems = []
    for path in LMS.rglob("*.py"):
        if path.relative_to(LMS).parts[0] == "activities":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and node.value in type_ids
                and not _names_something_else(node, parents)
            ):
                problems.append(f"{path.relative_to(LMS)}:{node.lineno}: {node.value!r}")
    assert problems == []


def test_every_test_file_has_a_name_of_its_own():
    """The test folders are not packages, so two test files of one name in two folders
    collide when pytest collects them ("import file mismatch")."""
    names = [path.name for path in (LMS.parent / "tests").rglob("test_*.py")]
    assert sorted({name for name in names if names.count(name) > 1}) == []

"""Rules of the repository's layout that a reader relies on:

- no test module imports a conftest module: pytest finds fixtures in conftest.py files by itself, and
  helpers shared by the test tiers live in tests/support/;
- no file of the project cites a design document outside the repository (the design is docs/);
- no import cycle among the project's modules, no task package importing another, no module over 500
  lines, and only the emulator commands of cli/ import the emulator.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from contract.paths import REPO_ROOT
from tests.support.repository import project_files

pytestmark = pytest.mark.unit

TESTS_DIR = REPO_ROOT / "tests"
# Spelled in two parts so that this file does not mention it.
OUTSIDE_DESIGN_DOCUMENT = "DESIGN" + ".md"


def conftest_imports(path: Path) -> list[str]:
    """The imports of the module at ``path`` that name a conftest module, as written (``a.b.conftest``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if "conftest" in alias.name.split(".")]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if "conftest" in module.split("."):
                found.append(module)
            found += [f"{module}.{alias.name}" for alias in node.names if alias.name == "conftest"]
    return found


def test_the_conftest_check_finds_every_form_of_import(tmp_path: Path) -> None:
    module = tmp_path / "test_sample.py"
    module.write_text(
        "import tests.workflow.conftest\n"
        "from tests.reliability.conftest import inject\n"
        "from tests.triggers import conftest\n"
        "from .conftest import fixture\n"
        "from tests.support.fleet import new_fleet\n",
        encoding="utf-8",
    )
    assert conftest_imports(module) == [
        "tests.workflow.conftest",
        "tests.reliability.conftest",
        "tests.triggers.conftest",
        ".conftest",
    ]


def test_no_test_module_imports_a_conftest_module() -> None:
    modules = sorted(TESTS_DIR.rglob("*.py"))
    assert len(modules) > 20  # the tiers were found
    offenders = {
        str(path.relative_to(REPO_ROOT)): imports for path in modules if (imports := conftest_imports(path))
    }
    assert offenders == {}


def test_no_project_file_cites_a_design_document_outside_the_repository() -> None:
    files = project_files()
    assert REPO_ROOT / "README.md" in files and Path(__file__) in files
    citing = sorted(
        str(path.relative_to(REPO_ROOT))
        for path in files
        if OUTSIDE_DESIGN_DOCUMENT.encode() in path.read_bytes()
    )
    assert citing == []


def test_every_lambda_package_is_installed_by_pyproject() -> None:
    """Each task package under lambdas/ is in pyproject's package include list: pytest finds them through its
    pythonpath, but the installed ``ca-revoke`` (the demo, the emulator) imports them from the install, and a
    package left out fails only there (ModuleNotFoundError in the demo on a fresh clone)."""
    import tomllib

    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    included = {
        pattern.rstrip("*") for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    packages = {path.parent.name for path in (REPO_ROOT / "lambdas").glob("*/__init__.py")}
    assert packages, "no task packages found under lambdas/"
    assert packages - included == set()


# The project's own top-level packages; lambdas/ holds one more top-level package per task (the Lambda
# asset's root), and app.py is the CDK app.
PROJECT_PACKAGES = ("cli", "contract", "emulator", "infra", "tests")
SHARED_TASK_PACKAGE = "revocation_common"
MAX_MODULE_LINES = 500


def project_modules() -> dict[str, Path]:
    """Every Python module of the project by its import name (``emulator.iot.models``, ``deactivate_ca``)."""
    roots = [(REPO_ROOT, REPO_ROOT / package) for package in PROJECT_PACKAGES]
    roots.append((REPO_ROOT / "lambdas", REPO_ROOT / "lambdas"))
    modules = {"app": REPO_ROOT / "app.py"}
    for base, folder in roots:
        for path in folder.rglob("*.py"):
            name = ".".join(path.relative_to(base).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    return modules


def runtime_imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules that importing ``name`` imports, at module level or inside functions; imports
    under ``if TYPE_CHECKING:`` are left out (they never run)."""
    found: set[str] = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                target = f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module
                if target in modules:
                    found.add(target)
    return found - {name}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm): each is a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while (member := stack.pop()) != module:
                component.append(member)
            if component:
                cycles.append(sorted([*component, module]))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_the_cycle_check_finds_a_cycle_through_a_function_level_import(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import b\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("def f():\n    from c import g\n", encoding="utf-8")
    (tmp_path / "c.py").write_text("from a import x\n", encoding="utf-8")
    (tmp_path / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\n")
    modules = {path.stem: path for path in tmp_path.glob("*.py")}
    graph = {name: runtime_imports(name, path, modules) for name, path in modules.items()}
    assert graph["d"] == set()
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_there_is_no_import_cycle_among_the_project_modules() -> None:
    modules = project_modules()
    assert {"emulator.iot.models", "revoke_certificates.handler", "cli.main"} <= set(modules)
    graph = {name: runtime_imports(name, path, modules) for name, path in modules.items()}
    assert import_cycles(graph) == []


def test_no_task_package_imports_another_task_package() -> None:
    modules = project_modules()
    tasks = {path.parent.name for path in (REPO_ROOT / "lambdas").glob("*/__init__.py")}
    crossing = {
        name: sorted(other)
        for name, path in modules.items()
        if (task := name.split(".")[0]) in tasks - {SHARED_TASK_PACKAGE}
        and (
            other := {t.split(".")[0] for t in runtime_imports(name, path, modules)}
            & tasks - {task, SHARED_TASK_PACKAGE}
        )
    }
    assert crossing == {}


def test_no_python_module_of_the_project_is_over_500_lines() -> None:
    long = {
        str(path.relative_to(REPO_ROOT)): lines
        for path in project_modules().values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


# The commands that run on the embedded emulator (demo, emulator, bench): the only cli modules that may
# import it, so that `ca-revoke run` against AWS never loads moto.
CLI_MODULES_ON_THE_EMULATOR = {
    "cli.demo",
    "cli.demo_regions",
    "cli.serve",
    "cli.bench",
    "cli.bench_baselines",
}


def test_only_the_emulator_commands_import_the_emulator() -> None:
    modules = project_modules()
    importing = {
        name
        for name, path in modules.items()
        if name.startswith("cli.")
        and any(t.split(".")[0] == "emulator" for t in runtime_imports(name, path, modules))
    }
    assert importing <= CLI_MODULES_ON_THE_EMULATOR
    assert "cli.run" not in importing and "cli.main" in modules


def test_the_unit_tier_calls_every_handler_of_the_function_table() -> None:
    """Issue 8: ``pytest -m unit`` calls every handler. Each FUNCTION_SPECS handler is imported by a module
    of tests/unit and called there (its imported name followed by a call)."""
    from contract.functions import FUNCTION_SPECS

    sources = [path.read_text(encoding="utf-8") for path in (TESTS_DIR / "unit").glob("test_*.py")]
    uncalled = []
    for spec in FUNCTION_SPECS:
        module, name = spec.handler.rsplit(".", 1)
        import_line = re.compile(rf"from {re.escape(module)} import (?:\(\s*)?[^)]*?\b{name}\b(?: as (\w+))?")
        called = False
        for source in sources:
            for match in import_line.finditer(source):
                alias = match.group(1) or name
                if re.search(rf"\b{alias}\(", source):
                    called = True
        if not called:
            uncalled.append(spec.logical_name)
    assert uncalled == []

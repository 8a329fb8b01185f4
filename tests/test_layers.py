"""The layers of pyproject.toml's import-linter contract hold, and cover every module:
a new module that no layer names fails here until it is given its place."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE_DIRS = {
    "archive": REPO / "archive",
    "crawler": REPO / "crawler",
    "pipelines": REPO / "pipelines",
    "nianbao_site": REPO / "archive" / "site" / "nianbao_site",
    "nianbao_common": REPO / "archive" / "site" / "nianbao_common",
}


def importlinter_config() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]


def layered_modules() -> list[str]:
    (layers,) = [c["layers"] for c in importlinter_config()["contracts"] if c["type"] == "layers"]
    names = [name.strip() for layer in layers for name in layer.replace("|", ":").split(":")]
    return [name.strip("()") for name in names]  # (optional) modules in parentheses


def project_modules() -> list[str]:
    modules = []
    for package, directory in PACKAGE_DIRS.items():
        for path in directory.rglob("*.py"):
            relative = path.relative_to(directory).with_suffix("")
            if package == "archive" and relative.parts[0] == "site":
                continue  # the site distribution's own packages, listed above
            parts = [p for p in relative.parts if p != "__init__"]
            modules.append(".".join([package, *parts]))
    return modules


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env_path = f"{root}:{root / 'archive' / 'site'}"
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_module_is_in_a_layer():
    layered = layered_modules()
    roots = set(PACKAGE_DIRS) - {"nianbao_site", "nianbao_common"}
    unplaced = [
        module
        for module in project_modules()
        if module not in roots
        and not any(module == name or module.startswith(name + ".") for name in layered)
    ]
    assert unplaced == [], "modules in no layer of pyproject.toml's import-linter contract"


def test_the_import_contracts_are_kept():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.slow
def test_an_upward_import_breaks_the_contract(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(
        REPO,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "data", "tests", "*.pyc", "fixtures"),
    )
    parse_init = copy / "pipelines" / "parse" / "__init__.py"
    parse_init.write_text(parse_init.read_text() + "\nfrom archive import store  # noqa\n")
    result = lint_imports(copy)
    assert result.returncode != 0
    assert "pipelines.parse -> archive.store" in result.stdout

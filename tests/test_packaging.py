"""The tconv package installs and imports with only the dependencies pyproject.toml declares.

Two checks: a static one (every third-party module imported anywhere in lib/tconv belongs to a
declared distribution), and the real one: build the wheel, install it into a fresh virtual
environment with nothing but its declared dependencies (pip, from PyPI or its cache), and
import every module of the package there, found by walking it, so new modules and
subpackages are covered without editing this file. It takes a minute or so (mostly pip);
the environment is built once per test session.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lib" / "tconv"


def _declared() -> set[str]:
    """The distribution names pyproject.toml declares, normalised."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = set()
    for requirement in project["dependencies"]:
        name = requirement.split(";")[0]
        for sep in "<>=!~[ ":
            name = name.split(sep)[0]
        names.add(_normal(name))
    return names


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _source_modules() -> list[str]:
    """Every module of the package in the source tree: tconv, tconv.conv, tconv.show.x, ..."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(names)


def _imported_top_level_modules() -> dict[str, str]:
    """Third-party top-level modules imported in lib/tconv: {module: a file importing it}."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("tconv", "__future__"):
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_third_party_import_is_a_declared_dependency():
    distributions = metadata.packages_distributions()  # module -> distributions providing it
    declared = _declared()
    missing = {}
    for module, where in _imported_top_level_modules().items():
        provided_by = {_normal(d) for d in distributions.get(module, [module])}
        if not provided_by & declared:
            missing[module] = (where, sorted(provided_by))
    assert not missing, f"imported but not in pyproject.toml's dependencies: {missing}"
    assert {"numpy", "threadpoolctl", "matplotlib", "anywidget", "traitlets"} <= declared


def _build_isolation() -> list[str]:
    """``--no-build-isolation`` when this environment has the build requirements already.

    requirements.txt brings them (setuptools), which saves pip an isolated build environment
    (~20 s); without them, pip builds in isolation as a user's `pip install .` would.
    """
    for requirement in tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"][
            "requires"]:
        requirement = Requirement(requirement)
        try:
            if metadata.version(requirement.name) not in requirement.specifier:
                return []
        except metadata.PackageNotFoundError:
            return []
    return ["--no-build-isolation"]


def _fresh_install(work: Path) -> tuple[Path, Path]:
    """A new virtual environment holding the built wheel and its declared dependencies only."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    run = dict(check=True, capture_output=True, text=True, env=env, timeout=900)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    # build from a copy of what the package is made of, so no build/ is left in the project
    source = work / "source"
    shutil.copytree(PACKAGE.parent, source / "lib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE-CONTENT"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, source / name)
    try:
        subprocess.run([*pip, "wheel", "--no-deps", "--quiet", *_build_isolation(), "-w",
                        str(work / "dist"), str(source)], **run)
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(work / "venv")],
                       **run)
        python = work / "venv" / "bin" / "python"
        wheel = next((work / "dist").glob("tconv-*.whl"))
        # this environment's pip installs into the new one: no pip bootstrap needed there
        subprocess.run([*pip, "--python", str(python), "install", "--quiet", "--prefer-binary",
                        str(wheel)], **run)
    except subprocess.CalledProcessError as err:
        pytest.fail(f"building or installing the wheel failed:\n{err.stdout}\n{err.stderr}")
    return python, wheel


IMPORT_ALL = """
import importlib, json, pkgutil, tconv
from importlib import metadata

def fail(name):
    raise ImportError(f"could not import {name}")

names = ["tconv"] + [m.name for m in pkgutil.walk_packages(tconv.__path__, "tconv.",
                                                          onerror=fail)]
for name in names:
    importlib.import_module(name)
print(json.dumps({"file": tconv.__file__, "modules": sorted(names),
                  "installed": [d.metadata["Name"] for d in metadata.distributions()]}))
"""


def test_the_wheel_imports_every_module_in_a_fresh_environment(tmp_path):
    # one test, so that one session builds one environment (tests may run on two workers)
    python, wheel = _fresh_install(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["MPLBACKEND"] = "Agg"
    done = subprocess.run([str(python), "-c", IMPORT_ALL], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(result["file"]).is_relative_to(tmp_path / "venv")  # the wheel, not lib/
    assert result["modules"] == _source_modules()  # every module made it into the wheel
    installed = {_normal(name) for name in result["installed"]}
    assert "tconv" in installed and _declared() <= installed
    # nothing else of this project's environment came along to make the imports work
    assert not installed & {"torch", "pytest", "jupyter-book", "hypothesis"}

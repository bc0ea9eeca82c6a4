"""The library's three layers, and the arrows between them, which run one way only.

``tconv`` (the operations and ``tconv.nn``) <- ``tconv.show`` (the toolkit) <- ``tconv.book``
(the chapters' companions). Every module of ``lib/tconv`` is parsed with ``ast``, so an import
anywhere in it (at the top or inside a function) counts. The operations import numpy,
threadpoolctl and the standard library only, and ``import tconv`` works where matplotlib and
ipywidgets are absent (checked in a fresh interpreter that cannot import them).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lib" / "tconv"
LAYERS = {"ops": 0, "show": 1, "book": 2}
OPS_THIRD_PARTY = {"numpy", "threadpoolctl"}
"""What the operations may import beyond the standard library and tconv itself."""


def module_name(path: Path) -> str:
    """lib/tconv/show/draw.py -> 'tconv.show.draw'; a package's __init__.py -> the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    """Which layer a tconv module belongs to: 'book', 'show' or 'ops'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ("show", "book") else "ops"


def is_module(name: str) -> bool:
    """Whether ``name`` (tconv.x.y) is a module or package of lib/tconv."""
    rel = Path(*name.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists()


def imports(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, imported module) of every import in ``source``, relative ones made absolute."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            # `from pkg import name` imports pkg.name when that is a module of its own
            subs = [f"{target}.{a.name}" for a in node.names
                    if target.split(".")[0] == "tconv" and is_module(f"{target}.{a.name}")]
            found += [(node.lineno, name) for name in subs or [target]]
    return found


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """Every import in ``source`` (the text of ``module``) that runs against the arrows."""
    own = layer(module)
    out = []
    for line, target in imports(source, module, is_package):
        top = target.split(".")[0]
        if top == "tconv":
            if LAYERS[layer(target)] > LAYERS[own]:
                out.append(f"{module}:{line} ({own}) imports {target} ({layer(target)})")
        elif own == "ops" and top not in OPS_THIRD_PARTY and top not in sys.stdlib_module_names:
            out.append(f"{module}:{line} (ops) imports {target}: the operations import numpy only")
    return out


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_the_tree_has_the_three_layers():
    layers = {layer(module_name(p)) for p in SOURCES}
    assert layers == {"ops", "show", "book"}
    assert {module_name(p) for p in SOURCES} >= {
        "tconv", "tconv.nn", "tconv.conv", "tconv.placements", "tconv.show", "tconv.show.draw",
        "tconv.show.player", "tconv.show.widgets", "tconv.book", "tconv.book.exercises"}


@pytest.mark.parametrize("path", SOURCES, ids=[module_name(p) for p in SOURCES])
def test_imports_run_from_companions_to_toolkit_to_operations(path):
    assert violations(path.read_text("utf-8"), module_name(path),
                      path.name == "__init__.py") == []


@pytest.mark.parametrize("module, source, wrong", [
    ("tconv.conv", "from .show import draw\n", "tconv.show.draw (show)"),
    ("tconv.conv", "def f():\n    import matplotlib.pyplot as plt\n", "imports matplotlib"),
    ("tconv.views", "from . import widgets\nfrom .book import data\n", "tconv.book.data (book)"),
    ("tconv.nn", "import ipywidgets\n", "imports ipywidgets"),
    ("tconv.show.draw", "from ..book.checkerboard import OverlapExplorer\n",
     "tconv.book.checkerboard (book)"),
    ("tconv.show.widgets", "from tconv.book import exercises\n", "tconv.book.exercises (book)"),
    ("tconv.show.player", "from .. import book\n", "tconv.book (book)"),
])
def test_the_checker_catches_an_import_against_the_arrows(module, source, wrong):
    found = violations(source, module)
    assert found and wrong in found[-1]


def test_the_checker_lets_the_arrows_point_down():
    assert violations("from ..show.widgets import ChooserView\nfrom .. import nn, arch\n"
                      "from .data import downsample_box\nimport matplotlib\n",
                      "tconv.book.checkerboard") == []
    assert violations("import numpy as np\nfrom ..placements import Placements\n",
                      "tconv.show.draw") == []
    assert violations("from .conv import conv2d\nimport numbers\n", "tconv.grad") == []


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_the_operations_import_without_matplotlib_or_ipywidgets():
    ops = sorted(module_name(p) for p in SOURCES if layer(module_name(p)) == "ops")
    code = (
        "import importlib, sys\n"
        "for name in ('matplotlib', 'ipywidgets', 'PIL', 'IPython'):\n"
        "    sys.modules[name] = None  # any import of them now raises ImportError\n"
        f"for name in {ops!r}:\n"
        "    importlib.import_module(name)\n"
        "import tconv, tconv.nn\n"
        "print(tconv.conv_transpose2d([[1, 2]], [[1, 1]]).tolist())\n"
    )
    run = _python(code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[[1, 3, 2]]"


def test_blocking_matplotlib_does_make_the_toolkit_fail():
    # the check above can fail: the same interpreter set-up refuses the drawing module
    run = _python("import sys\nsys.modules['matplotlib'] = None\nimport tconv.show.draw\n")
    assert run.returncode != 0 and "matplotlib" in run.stderr


@pytest.mark.parametrize("package", ["tconv", "tconv.nn", "tconv.show"])
def test_importing_loads_neither_matplotlib_nor_ipywidgets(package):
    run = _python(f"import sys, {package}\n"
                  "print(sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"

"""Start JupyterLab on the chapters, offline, opening on the book's first chapter (``make lab``).

Everything it sets comes from the project's own files, not from the user's home:
``jupyter/jupyter_lab_config.json`` (127.0.0.1, ``chapters/`` as the root, no news feed, no
update check, no extension manager that queries PyPI) and ``jupyter/settings/overrides.json``
(JupyterLab's defaults: never ask to fetch news, theme following the system's light or dark
mode). Workspaces (the open tabs) are kept in ``_build/lab/workspaces``. The user's own
JupyterLab settings in their home still apply on top, as they would anywhere.

Usage: ``python scripts/lab.py [JUPYTER-LAB-OPTIONS...]``, e.g. ``--no-browser`` or
``--ServerApp.port=8899``; the browser test starts JupyterLab with the same command.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "jupyter" / "jupyter_lab_config.json"
SETTINGS = ROOT / "jupyter" / "settings"
WORKSPACES = ROOT / "_build" / "lab" / "workspaces"
CHAPTERS = ROOT / "chapters"


def _files(node) -> list[str]:
    """Every ``file:`` of _toc.yml, in reading order."""
    found = []
    if isinstance(node, dict):
        if "file" in node:
            found.append(str(node["file"]))
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key) or []:
                found.extend(_files(child))
    return found


def first_chapter() -> str:
    """The first notebook of _toc.yml, relative to chapters/ (e.g. ``why-upsample.ipynb``)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    for name in _files(toc):
        path = ROOT / Path(name).with_suffix(".ipynb")
        if path.is_file() and path.parent == CHAPTERS:
            return path.name
    raise SystemExit("no chapters/*.ipynb in _toc.yml")


def lab_command(*extra: str) -> list[str]:
    """The command line that starts JupyterLab the way ``make lab`` does.

    An option in ``extra`` replaces the default of the same name (JupyterLab refuses an option
    given twice), e.g. ``--LabApp.workspaces_dir=...`` for a test's own folder.
    """
    defaults = {
        "--config": CONFIG,
        "--LabApp.app_settings_dir": SETTINGS,
        "--LabApp.workspaces_dir": WORKSPACES,
        "--LabApp.default_url": f"/lab/tree/{first_chapter()}",
    }
    given = {arg.split("=", 1)[0] for arg in extra}
    command = [sys.executable, "-m", "jupyterlab"]
    command += [f"{name}={value}" for name, value in defaults.items() if name not in given]
    if hasattr(os, "getuid") and os.getuid() == 0 and "--allow-root" not in given:
        command.append("--allow-root")  # containers and CI often run as root
    return command + list(extra)


def main(argv: list[str]) -> None:
    WORKSPACES.mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)  # the config names chapters/ relative to the repository
    command = lab_command(*argv)
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])

"""JupyterLab as ``make lab`` starts it, for the Lab tests and the Lab benchmark.

``start_lab(folder)`` runs ``scripts/lab.py`` from this venv (the project's ``jupyter/``
settings) on 127.0.0.1, a free port and a random token, over a copy of the chapters; the
scripts below run in a Lab page through Playwright's ``page.evaluate``.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The live players of the notebook in front: the players' module in an anywidget, whose
# element (``.tconv-widget``) holds one or two ``.tconv-player`` roots.
PLAYER_SELECTOR = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .tconv-player"


@dataclass
class Lab:
    url: str  # http://127.0.0.1:PORT/
    token: str
    root: Path  # the copy of chapters/ it serves
    log: Path
    external: list[str] = field(default_factory=list)  # requests that tried to leave
    process: subprocess.Popen | None = None

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    # notebooks whose kernel a test keeps across tests (a notebook opened twice, even from
    # another browser context, shares one session: shutting it down stops both pages' kernel)
    kept: set[str] = field(default_factory=set)

    def shut_down_kernels(self) -> None:
        """Stop every kernel but those of the ``kept`` notebooks."""
        for session in self.api("api/sessions"):
            if session.get("path") not in self.kept:
                self.api(f"api/sessions/{session['id']}", method="DELETE")

    def stop(self) -> None:
        """Shut the server down (through its API; terminated if it does not answer)."""
        try:
            self.api("api/shutdown", method="POST")
            self.process.wait(timeout=20)
        except Exception:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(folder: Path) -> None:
    """Test-only user settings: every cell rendered at once, no autosave."""
    settings = {
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    }
    for name, value in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")


def start_lab(tmp: Path, attempts: int = 3) -> Lab:
    """JupyterLab started the way ``make lab`` does, on a copy of the chapters in ``tmp``.

    A free port can be taken by another process (a kernel's ZMQ socket, on a shared machine)
    between the moment it is found and the moment Lab binds it: then Lab is stopped and
    started again on another port. Raises RuntimeError (with the end of the server's log) if
    it exits or does not answer; never leaves a server running when it raises.
    """
    root = tmp / "chapters"
    shutil.copytree(ROOT / "chapters", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    _write_settings(tmp / "user-settings")
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp / "user-settings"),
           "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "NO_COLOR": "1"}
    for attempt in range(1, attempts + 1):
        port, token = _free_port(), secrets.token_hex(16)
        command = [sys.executable, str(ROOT / "scripts" / "lab.py"), "--no-browser",
                   f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
                   f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
                   "--LabApp.expose_app_in_browser=True"]
        log = tmp / f"lab-{attempt}.log"
        with log.open("w") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        server = Lab(f"http://127.0.0.1:{port}/", token, root, log, process=process)
        try:
            if _wait_until_ready(server):
                return server
        except BaseException:
            _kill(process)
            raise
        _kill(process)
    raise RuntimeError(f"JupyterLab did not start in {attempts} attempts:\n"
                       + log.read_text()[-3000:])


def _wait_until_ready(server: Lab) -> bool:
    """True once Lab answers; False if its port was someone else's (try another)."""
    deadline = time.monotonic() + 90
    while True:
        if server.process.poll() is not None:
            if "already in use" in server.log.read_text():
                return False
            raise RuntimeError("JupyterLab exited:\n" + server.log.read_text()[-3000:])
        try:  # JupyterLab's own API, not only the server's: Lab is loaded
            server.api("lab/api/settings/@jupyterlab/apputils-extension:notification")
            return True
        except http.client.HTTPException:  # not HTTP: another program holds the port
            return False
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise RuntimeError("JupyterLab did not answer in 90 s:\n"
                                   + server.log.read_text()[-3000:]) from None
            time.sleep(0.3)


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()


WAIT_FOR_NOTEBOOK = """async (name) => {
  for (let i = 0; i < 600; i++) {
    const app = window.jupyterapp;
    const w = app && app.shell && app.shell.currentWidget;
    if (w && w.context && w.context.path.endsWith(name) && w.content && w.content.widgets) {
      await w.context.ready;
      await w.sessionContext.ready;
      return w.content.widgets.length;
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error('notebook ' + name + ' did not open');
}"""

RUN_ALL = """async () => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  await app.commands.execute('notebook:run-all-cells');
  for (let i = 0; i < 3000; i++) {
    const code = panel.content.widgets.filter(c => c.model.type === 'code');
    const busy = panel.sessionContext.session.kernel.status !== 'idle';
    if (!busy && code.every(c => c.model.executionCount !== null)) break;
    await new Promise(r => setTimeout(r, 100));
  }
  const errors = [];
  panel.content.widgets.forEach((c, i) => {
    if (c.model.type !== 'code') return;
    if (c.model.executionCount === null) errors.push(`cell ${i} did not run`);
    for (const o of c.model.outputs.toJSON()) {
      if (o.output_type === 'error') errors.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
    }
  });
  return errors;
}"""

# The index, among PLAYER_SELECTOR, of the first player whose text includes ``marker``.
WIDGET_INDEX = f"""(marker) => {{
  const roots = Array.from(document.querySelectorAll('{PLAYER_SELECTOR}'));
  return roots.findIndex(r => r.innerText.includes(marker));
}}"""

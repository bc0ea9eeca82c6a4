"""The book stage's sharing rests on pytest-xdist's --dist loadgroup: the tests of one
``xdist_group`` (one phone visit per page, the printed editions, the decks) run on one worker,
where a session fixture is made once. pytest 9.2 broke that silently (pytest-xdist issue 1386:
the groups were split and each worker made the fixture again); this checks it holds.
"""

from __future__ import annotations

import subprocess
import sys

GROUPED = '''
import os
import pathlib
import pytest

@pytest.mark.xdist_group("together")
@pytest.mark.parametrize("i", range(4))
def test_grouped(i):
    seen = pathlib.Path(__file__).with_name(f"ran-{i}.txt")
    seen.write_text(os.environ["PYTEST_XDIST_WORKER"])

@pytest.mark.parametrize("i", range(4))
def test_free(i):
    pass
'''


def test_tests_of_one_xdist_group_run_on_one_worker(tmp_path):
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    run = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup",
                           "-p", "no:cacheprovider", "-q", str(tmp_path)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    workers = [(tmp_path / f"ran-{i}.txt").read_text() for i in range(4)]
    assert len(set(workers)) == 1, workers

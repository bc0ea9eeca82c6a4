"""Draw the README's picture: the introduction's overview figure, saved as a PNG.

The figure's code lives in one place, the ``{code-cell}`` of intro.md tagged
``readme-figure``; this script runs that cell and saves the matplotlib figure it leaves in
``fig``. Usage: ``python scripts/readme_figure.py docs/readme-figure.png`` (``make
readme-figure``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import matplotlib
import yaml

ROOT = Path(__file__).resolve().parents[1]
CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(?:---\n(?P<options>.*?)\n---\n)?(?P<code>.*?)^```$",
                  re.S | re.M)


def tagged_cell(source: str, tag: str) -> str:
    """The code of the one code cell of a MyST notebook whose tags include ``tag``."""
    found = [m["code"] for m in CELL.finditer(source)
             if tag in (yaml.safe_load(m["options"] or "") or {}).get("tags", [])]
    if len(found) != 1:
        raise SystemExit(f"expected one code cell tagged {tag!r}, found {len(found)}")
    return found[0]


def main(out: str) -> None:
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    code = tagged_cell((ROOT / "intro.md").read_text(encoding="utf-8"), "readme-figure")
    namespace: dict = {}
    exec(compile(code, "intro.md[readme-figure]", "exec"), namespace)  # noqa: S102
    fig = namespace["fig"]
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    # No software/date metadata, so the same code and libraries give the same bytes.
    fig.savefig(out, dpi=110, bbox_inches="tight", facecolor="white",
                metadata={"Software": None})
    plt.close(fig)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/readme-figure.png")

"""Serve the built book on 127.0.0.1 the way a static host does: compressed.

The build writes a ``.gz`` copy (and a ``.br`` copy, where brotli is installed) next to each
text file (``_ext/precompress.py``). Like nginx with ``gzip_static on``, this server answers a
request for ``page.html`` from ``page.html.br`` or ``page.html.gz`` when the browser accepts
that encoding, with the type of the original file and ``Content-Encoding`` set. A text file
with no compressed copy beside it (a build made before the copies existed) is gzipped on the
fly, as ``gzip on`` does, unless ``compress_missing`` is off; anything else is served as is.

Used by ``make serve``, ``make bench-web`` (benchmarks/web_pages.py) and the browser tests
(tests/browser_support.py). Standard library only.

    python scripts/serve_book.py _build/html --port 8000
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import os
import threading
from pathlib import Path

# Types worth compressing: text, and the few binary formats that are not compressed already.
COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
    "application/vnd.ms-fontobject",
    "font/ttf",
    "font/otf",
)
# Preferred first: brotli is smaller, where the browser accepts it (Chromium asks for it from
# HTTPS sites and from 127.0.0.1).
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))


def accepted_encodings(header: str | None) -> set[str]:
    """The codings an ``Accept-Encoding`` header allows (``q=0`` excluded)."""
    codings = set()
    for item in (header or "").split(","):
        name, _, params = item.strip().partition(";")
        if name and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            codings.add(name.strip().lower())
    return codings


def compressible(content_type: str) -> bool:
    return content_type.startswith(COMPRESSIBLE)


class BookHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, served from their precompressed copies when the browser accepts them."""

    compress_missing = True
    quiet = True
    codings = ("br", "gzip")  # the precompressed copies this server may answer from

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        if not self.quiet:
            super().log_message(format, *args)

    def end_headers(self):
        self.send_header("Vary", "Accept-Encoding")
        super().end_headers()

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path) or not os.path.isfile(path) or self.path.endswith("/"):
            return super().send_head()  # folders, redirects and 404s as the stdlib does them
        content_type = self.guess_type(path)
        accepted = accepted_encodings(self.headers.get("Accept-Encoding"))
        for coding, suffix in PRECOMPRESSED:
            if coding in self.codings and coding in accepted and os.path.isfile(path + suffix):
                return self._send_bytes(Path(path + suffix).read_bytes(), content_type, coding)
        if self.compress_missing and "gzip" in accepted and compressible(content_type):
            body = gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)
            return self._send_bytes(body, content_type, "gzip")
        return super().send_head()

    def _send_bytes(self, body: bytes, content_type: str, coding: str):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Encoding", coding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def make_server(directory: str | os.PathLike, port: int = 0, *, compress_missing: bool = True,
                quiet: bool = True, codings: tuple[str, ...] = ("br", "gzip")
                ) -> http.server.ThreadingHTTPServer:
    """A threading server for ``directory`` on 127.0.0.1 (port 0: any free port); ``codings``
    limits the precompressed copies it answers from (("gzip",): gzip only)."""
    settings = {"compress_missing": compress_missing, "quiet": quiet, "codings": tuple(codings)}
    handler = functools.partial(type("Handler", (BookHandler,), settings),
                                directory=str(directory))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


class BackgroundServer:
    """``with BackgroundServer(folder) as url:`` serves folder from a daemon thread."""

    def __init__(self, directory, **options):
        self.server = make_server(directory, **options)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def __enter__(self) -> str:
        self.thread.start()
        return self.url

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default="_build/html")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-compress-missing", action="store_true",
                        help="serve text files without a .gz copy uncompressed")
    parser.add_argument("--gzip-only", action="store_true", help="never answer with brotli")
    args = parser.parse_args()
    server = make_server(args.directory, args.port, quiet=False,
                         compress_missing=not args.no_compress_missing,
                         codings=("gzip",) if args.gzip_only else ("br", "gzip"))
    print(f"Serving {args.directory} on http://127.0.0.1:{server.server_address[1]}/ "
          "(Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

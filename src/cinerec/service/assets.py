"""The page's files, served from memory.

They are read once at start-up (tens of kilobytes) and never change while the service
runs, so answering for one opens no file: a server out of file descriptors under a flood
of connections still serves the page to those it has taken, and no request pays for a
``stat``. Each answer carries an ``ETag``, so a browser revalidates with a 304 instead of
downloading again.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response


@dataclass(frozen=True)
class Asset:
    content: bytes
    media_type: str
    etag: str

    def response(self, request: Request) -> Response:
        """The file, or a 304 when the browser already holds this version of it."""
        headers = {"etag": self.etag, "cache-control": "no-cache"}
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers=headers)
        return Response(self.content, media_type=self.media_type, headers=headers)


def load_assets(directory: Path) -> dict[str, Asset]:
    """Every file directly in ``directory``, by name."""
    return {path.name: _asset(path) for path in sorted(directory.iterdir()) if path.is_file()}


def _asset(path: Path) -> Asset:
    content = path.read_bytes()
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Asset(content, media_type, f'"{hashlib.sha256(content).hexdigest()[:20]}"')

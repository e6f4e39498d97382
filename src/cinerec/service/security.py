"""Headers that keep the page to itself, on every answer the service gives.

The page loads its script, style sheet and icon from the service and nothing else, runs
no inline script and is never framed; a browser told so refuses anything else, which
turns a title that smuggles in HTML, or a hostile page framing this one, into nothing.
A page with inline code of its own (the API documentation) carries a policy that names
that code by its hash (:func:`policy_for_inline_code`).
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Only the service's own files; no plugins, no ``<base>``, forms post back here, never framed.
CONTENT_SECURITY_POLICY = ("default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
)
_ENCODED_HEADERS = tuple((name.encode(), value.encode()) for name, value in SECURITY_HEADERS)
_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)


def policy_for_inline_code(html: str, *, styles: str = "", images: str = "", workers: str = "") -> str:
    """:data:`CONTENT_SECURITY_POLICY` widened for ``html``: its inline ``<script>`` and
    ``<style>`` blocks allowed by their SHA-256, plus the sources given for styles, images
    and workers. (Beside ``'unsafe-inline'`` no hash is added: a browser that sees a hash
    ignores ``'unsafe-inline'``.)"""
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for kind, code in _INLINE.findall(html):
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        hashes[kind].append(f"'sha256-{digest}'")
    directives = {
        "script-src": " ".join(["'self'", *hashes["script"]]),
        "style-src": " ".join(["'self'", *([] if "'unsafe-inline'" in styles else hashes["style"]), styles]),
        "img-src": f"'self' {images}",
        "worker-src": f"'self' {workers}",
    }
    widened = "; ".join(f"{name} {' '.join(sources.split())}" for name, sources in directives.items())
    return f"{CONTENT_SECURITY_POLICY}; {widened}"


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every HTTP answer, except those
    an answer already sets itself (a page with its own Content-Security-Policy)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in _ENCODED_HEADERS if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

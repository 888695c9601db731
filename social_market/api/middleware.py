"""ASGI middleware around the whole backend: security headers and an upload size cap.

Every response refuses to be framed (clickjacking), except the /embed/ cards, which
set their own CSP (frame-ancestors *, no scripts) and never touch the session cookie.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Reflex's upload endpoint reads whole files into memory (reflex #6115): refuse big
# bodies before they are read. 6 MB leaves room for multipart overhead on a 5 MB image.
MAX_UPLOAD_BODY = 6 * 1024 * 1024

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path", "").startswith("/_upload") and scope.get("method") == "POST":
            length = dict(scope.get("headers", [])).get(b"content-length")
            if length is None or not length.isdigit() or int(length) > MAX_UPLOAD_BODY:
                await _reject(send)
                return

        embeddable = scope.get("path", "").startswith("/embed/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (k, v)
                    for k, v in SECURITY_HEADERS
                    if k not in existing and not (embeddable and k == b"x-frame-options")
                ]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _reject(send: Send) -> None:
    body = b'{"detail": "The file is too large (at most 5 MB)."}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), *SECURITY_HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})

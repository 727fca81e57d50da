"""What stands in front of every route (a pure ASGI middleware, so nothing streams
past it):

- a request body limit (``settings.max_body_bytes``): 413 before anything is parsed;
- NUL characters in the path or the query string: 422 (PostgreSQL cannot store them);
- an unexpected error: 500 with a plain body, logged with its type and frames only
  (messages of errors may carry personal data), never a traceback to the client.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("flexbank.api")


def _response(
    status: int, body: dict[str, Any], headers: Sequence[tuple[bytes, bytes]] = ()
) -> list[Message]:
    data = json.dumps(body).encode()
    return [
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *headers,
            ],
        },
        {"type": "http.response.body", "body": data},
    ]


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            for message in refusal:
                await send(message)
            return
        body, too_big = await self._read(scope, receive)
        if too_big:
            for message in self._too_large():
                await send(message)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, replay, watch)
        except Exception as e:
            frames = "".join(traceback.format_tb(e.__traceback__))
            log.error(
                "unexpected %s on %s %s\n%s",
                type(e).__name__,
                scope.get("method"),
                scope.get("path"),
                frames,
            )
            if not started:
                for message in _response(500, {"detail": "internal error; it has been logged"}):
                    await send(message)

    def _too_large(self) -> list[Message]:
        return _response(413, {"detail": f"the request body is over {self.max_body_bytes} bytes"})

    def _refusal(self, scope: Scope) -> list[Message] | None:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    if int(value) > self.max_body_bytes:
                        return self._too_large()
                except ValueError:
                    return _response(400, {"detail": "a bad Content-Length"})
        raw_path = scope.get("raw_path") or scope.get("path", "").encode()
        query = scope.get("query_string", b"")
        if b"\x00" in unquote_to_bytes(raw_path) or b"\x00" in unquote_to_bytes(query):
            where = "$.path" if b"\x00" in unquote_to_bytes(raw_path) else "$.query"
            return _response(
                422,
                {
                    "detail": "1 problem in the request",
                    "problems": [{"path": where, "message": "text may not contain NUL characters"}],
                },
            )
        return None

    async def _read(self, scope: Scope, receive: Receive) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return b"", True
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), False

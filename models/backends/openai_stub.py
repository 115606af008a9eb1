"""A small local OpenAI-compatible chat server for tests and benchmarks (standard library only; it imports nothing of
the project, so any layer's tests may use it).

It serves ``POST /v1/chat/completions`` (everything else is a 404) on ``127.0.0.1`` at a free port, one
thread per connection, and records every request it gets::

    with OpenAIStub(responder=lambda body: "hello") as stub:
        stub.add_faults(("status", 429, {"retry-after-ms": "10"}), ("sleep", 2.0))
        backend = OpenAIBackend("m", base_url=stub.base_url)
        ...
        stub.requests[0]["model"], stub.requests[0].authorization

Behaviour, in the order it is applied to each request:

* ``delay_s``: wait this long before every reply (a benchmark's stand-in for model latency);
* ``faults``: scripted faults, played one per request before normal replies:

  - ``("status", code)`` or ``("status", code, retry_after)`` or ``("status", code, retry_after, message)``:
    an OpenAI-style error body with that HTTP status. ``retry_after`` is ``None``, a value for the
    ``retry-after`` header (seconds) or a dict of extra headers (``{"retry-after-ms": "10"}``). The
    openai SDK honours only delays above 0 (``retry-after: 0`` falls back to its ~0.5 s backoff), so
    ``{"retry-after-ms": "10"}`` is the way to make retries fast.
    ``message`` may hold ``{authorization}``, replaced by the request's Authorization header (a server
    that reflects the key back, for redaction tests);
  - ``("sleep", seconds)``: say nothing for that long (longer than the client's timeout), then reply;
  - ``("malformed", raw_bytes)``: 200 with ``application/json`` content type and a body that is not JSON;
  - ``("shape", dict)``: 200 with that JSON object as the body (a reply lacking ``choices``, say);
  - ``("ok",)``: no fault, a normal reply (to interleave faults with good replies);

* ``fail_status``: when not ``None``, answer every remaining request with that HTTP status (and
  ``fail_retry_after``, as for a status fault);
* otherwise a ``chat.completion`` whose text is ``responder(body)`` (default: ``"ok"``), with usage
  counted in whitespace-separated words. A responder that raises gives a 500 carrying its message.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAT_PATH = "/v1/chat/completions"
FAULT_KINDS = ("status", "sleep", "malformed", "shape", "ok")

Fault = tuple[Any, ...]
Responder = Callable[[dict[str, Any]], str]


class ReceivedRequest(dict):
    """One request's parsed JSON body (it *is* the dict), plus the headers it came with."""

    def __init__(self, body: dict[str, Any], headers: dict[str, str], path: str):
        super().__init__(body)
        self.headers = headers
        self.path = path

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")


def _check_fault(fault: Fault) -> Fault:
    if not isinstance(fault, tuple) or not fault or fault[0] not in FAULT_KINDS:
        raise ValueError(f"a fault is a tuple starting with one of {FAULT_KINDS}, not {fault!r}")
    kind = fault[0]
    if kind == "status" and not (2 <= len(fault) <= 4 and isinstance(fault[1], int)):
        raise ValueError(f"('status', code[, retry_after[, message]]) expected, not {fault!r}")
    if kind == "sleep" and not (len(fault) == 2 and isinstance(fault[1], int | float) and fault[1] >= 0):
        raise ValueError(f"('sleep', seconds) expected, not {fault!r}")
    if kind == "malformed" and not (len(fault) == 2 and isinstance(fault[1], bytes | str)):
        raise ValueError(f"('malformed', raw_bytes) expected, not {fault!r}")
    if kind == "shape" and not (len(fault) == 2 and isinstance(fault[1], dict)):
        raise ValueError(f"('shape', dict) expected, not {fault!r}")
    if kind == "ok" and len(fault) != 1:
        raise ValueError(f"('ok',) expected, not {fault!r}")
    return fault


def _words(value: Any) -> int:
    return len(value.split()) if isinstance(value, str) else 0


def default_responder(body: dict[str, Any]) -> str:
    return "ok"


def play_clinic_role(body: dict[str, Any], *, judge_reply: str = "**Yes.**") -> str:
    """A responder that plays every consultation role from the prompt it gets (recognised by the opening
    words of agents/prompts/*.txt): the doctor asks one question, requests one test, then diagnoses; the
    patient answers, the measurement reader reports, the judge gives ``judge_reply``. Six requests an episode."""
    messages = body["messages"]
    first = messages[0]["content"]
    if first.startswith("You are a physician"):
        doctor_turns = sum(m["role"] == "assistant" for m in messages)
        return [
            "Hello, what brings you in today?",
            "REQUEST TEST: Complete_Blood_Count",
            "DIAGNOSIS READY: Something rare",
        ][min(doctor_turns, 2)]
    if first.startswith("You are playing a patient"):
        return "Patient: It has been bothering me for a week."
    if first.startswith("You are the clinic's measurement reader"):
        return "RESULTS: within normal limits"
    if first.startswith("You judge whether"):
        return judge_reply
    raise ValueError(f"no role recognised from the prompt {first[:60]!r}")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # close() ends open connections itself instead of waiting on them
    request_queue_size = 256  # concurrent benchmark clients connect all at once
    stub: OpenAIStub

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up (timeout, closed pool) is normal here, not worth a traceback


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real server; every reply carries Content-Length
    disable_nagle_algorithm = True  # headers and body go out in two sends: without this Nagle adds ~40 ms
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.server.stub._register(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.stub._unregister(self.connection)

    def _not_found(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        self._send_json(404, {"error": {"message": f"stub: no route {self.command} {self.path}", "type": "not_found"}})

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = _not_found

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        if path != CHAT_PATH:
            self._send_json(404, {"error": {"message": f"stub: no route POST {path}", "type": "not_found"}})
            return
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        headers = {key.lower(): value for key, value in self.headers.items()}
        request = ReceivedRequest(body if isinstance(body, dict) else {}, headers, self.path)
        stub = self.server.stub
        stub._record(request)
        if not isinstance(body, dict):
            self._send_json(400, {"error": {"message": "stub: request body is not a JSON object", "type": "bad"}})
            return
        stub._reply(self, request)

    def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), headers)


class OpenAIStub:
    """A running stub server; ``close()`` (or leaving the ``with`` block) stops it."""

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        delay_s: float = 0.0,
        fail_status: int | None = None,
        fail_retry_after: Any = None,
    ):
        self.responder: Responder = responder or default_responder
        self.delay_s = delay_s
        self.fail_status = fail_status
        self.fail_retry_after = fail_retry_after
        self.faults: deque[Fault] = deque()
        self.requests: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._connections: set[socket.socket] = set()
        self._handled = 0
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.stub = self
        host, port = self._server.socket.getsockname()[:2]  # server_address itself, typed for every address family
        self.host: str = host
        self.port: int = port
        self.base_url = f"http://{self.host}:{self.port}/v1"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="openai-stub", daemon=True
        )
        self._thread.start()

    # -- configuration ----------------------------------------------------------------------------

    def add_faults(self, *faults: Fault) -> OpenAIStub:
        """Queue faults (checked now) to be played, one per request, before normal replies."""
        checked = [_check_fault(fault) for fault in faults]
        with self._lock:
            self.faults.extend(checked)
        return self

    def set_faults(self, faults: Iterable[Fault]) -> OpenAIStub:
        with self._lock:
            self.faults.clear()
        return self.add_faults(*faults)

    @property
    def authorizations(self) -> list[str | None]:
        with self._lock:
            return [request.authorization for request in self.requests]

    # -- lifecycle --------------------------------------------------------------------------------

    def close(self) -> None:
        if self._closing.is_set():
            return
        self._closing.set()  # wakes handlers in a "sleep" fault or delay
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:  # idle keep-alive connections would otherwise hold their threads
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIStub:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closing.is_set() else "running"
        return f"OpenAIStub({self.base_url}, {state}, {len(self.requests)} requests)"

    # -- serving (called from handler threads) ----------------------------------------------------

    def _register(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def _unregister(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self.faults.popleft() if self.faults else None

    def _reply(self, handler: _Handler, request: ReceivedRequest) -> None:
        if self.delay_s > 0 and self._closing.wait(self.delay_s):
            return
        fault = self._next_fault()
        if fault is not None:
            kind = fault[0]
            if kind == "status":
                self._send_status(handler, request, *fault[1:])
                return
            if kind == "sleep":
                if self._closing.wait(fault[1]):
                    return
            elif kind == "malformed":
                raw = fault[1].encode() if isinstance(fault[1], str) else fault[1]
                handler._send(200, raw)
                return
            elif kind == "shape":
                handler._send_json(200, fault[1])
                return
        if self.fail_status is not None:
            self._send_status(handler, request, self.fail_status, self.fail_retry_after)
            return
        try:
            text = self.responder(dict(request))
        except Exception as exc:  # the test's responder failed: tell the client, keep serving
            self._send_status(handler, request, 500, None, f"stub responder failed: {type(exc).__name__}: {exc}")
            return
        handler._send_json(200, self.completion(request, text))

    def _send_status(
        self, handler: _Handler, request: ReceivedRequest, status: int, retry_after: Any = None, message: Any = None
    ) -> None:
        if isinstance(retry_after, dict):
            headers = {str(key): str(value) for key, value in retry_after.items()}
        elif retry_after is not None:
            headers = {"retry-after": str(retry_after)}
        else:
            headers = {}
        text = f"stub: scripted status {status}" if message is None else str(message)
        text = text.replace("{authorization}", request.authorization or "")
        error_type = "rate_limit_exceeded" if status == 429 else "server_error" if status >= 500 else "invalid_request"
        handler._send_json(status, {"error": {"message": text, "type": error_type, "code": status}}, headers)

    def completion(self, request: dict[str, Any], text: str) -> dict[str, Any]:
        """The ``chat.completion`` JSON for ``text`` in answer to ``request`` (usage counts words)."""
        with self._lock:
            self._handled += 1
            number = self._handled
        messages = request.get("messages") or []
        prompt = sum(_words(message.get("content")) for message in messages if isinstance(message, dict))
        completion = len(text.split())
        return {
            "id": f"chatcmpl-stub-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", ""),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"},
            ],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        }

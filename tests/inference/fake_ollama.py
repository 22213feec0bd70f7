"""An honest stand-in for an Ollama server, for the tests: no Ollama binary runs here.

It speaks the parts of Ollama's HTTP API that secretscan uses, as docs/api.md describes them: `GET /api/tags`
and `POST /api/generate` with a JSON body, streaming NDJSON by default or one JSON object with
`"stream": false`, `logprobs` / `top_logprobs` in the response, a 404 `{"error": "model \"x\" not found, try
pulling it first"}` for an unknown model. Answers are real: greedy decoding of the prompt by the embedded GGUF
through llama.cpp. Only raw prompts and greedy sampling are served; anything else is refused with a 400, never
answered wrongly.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

from secretscan.inference.llama_cpp import LlamaRunner

# The name `ollama create secretscan-judge` gives the judge model, as /api/tags lists it.
JUDGE_MODEL = "secretscan-judge:latest"
# Ollama's own default is "until a stop token"; the fake stops earlier so that a test can't run for minutes.
MAX_PREDICT = 32
MAX_TOP_LOGPROBS = 20


@dataclass
class FakeOllama:
    runner: LlamaRunner
    # name:tag -> digest, as /api/tags lists them.
    models: dict[str, str]
    requests: list[dict[str, Any]] = field(default_factory=list)
    host: str = ""
    _server: ThreadingHTTPServer | None = None

    def start(self) -> FakeOllama:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                if self.path != "/api/tags":
                    self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
                    return
                self._json(HTTPStatus.OK, {"models": [fake.tag(name, digest) for name, digest in fake.models.items()]})

            def do_POST(self) -> None:  # noqa: N802
                if self.path != "/api/generate":
                    self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
                    return
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append(body)
                name = body.get("model", "")
                full = name if ":" in name else f"{name}:latest"
                if full not in fake.models:
                    self._json(HTTPStatus.NOT_FOUND, {"error": f'model "{name}" not found, try pulling it first'})
                    return
                options = body.get("options") or {}
                if not body.get("raw") or options.get("temperature", 0.8) != 0:
                    self._json(HTTPStatus.BAD_REQUEST, {"error": "this fake serves raw prompts at temperature 0 only"})
                    return
                steps = fake.generate(body)
                if body.get("stream", True):
                    self.send_response(HTTPStatus.OK)
                    self.send_header("Content-Type", "application/x-ndjson")
                    self.end_headers()
                    for chunk in steps:
                        self.wfile.write(json.dumps(chunk).encode() + b"\n")
                    return
                chunks = list(steps)
                final = dict(chunks[-1])
                final["response"] = "".join(c["response"] for c in chunks)
                logprobs = [entry for c in chunks for entry in c.get("logprobs", [])]
                if logprobs:
                    final["logprobs"] = logprobs
                self._json(HTTPStatus.OK, final)

            def _json(self, status: HTTPStatus, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @staticmethod
    def tag(name: str, digest: str) -> dict[str, Any]:
        return {
            "name": name,
            "model": name,
            "modified_at": "2025-06-01T12:00:00.000000000Z",
            "size": 98362432,
            "digest": digest,
            "details": {"format": "gguf", "family": "llama", "families": ["llama"], "parameter_size": "135M",
                        "quantization_level": "Q4_1"},
        }

    def generate(self, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The streamed chunks of one greedy generation: one per token, then the final `done` object."""
        started = time.monotonic_ns()
        options = body.get("options") or {}
        limit = options.get("num_predict", MAX_PREDICT)
        limit = MAX_PREDICT if limit is None or limit < 0 else min(limit, MAX_PREDICT)
        top = min(int(body.get("top_logprobs") or 0), MAX_TOP_LOGPROBS)
        # Raw mode: Ollama tokenizes the prompt as given, special tokens included.
        tokens = self.runner.tokenize(body.get("prompt", ""), special=True)
        prompt_count = len(tokens)
        reason = "length"
        for _ in range(limit):
            logits = np.asarray(self.runner.next_token_logits(tokens))
            logprobs = _log_softmax(logits.astype(np.float64))
            token = int(np.argmax(logprobs))
            if token == self.runner.eos_token:
                reason = "stop"
                break
            chunk: dict[str, Any] = {"model": body["model"], "created_at": _now(), "response": self._text(token),
                                     "done": False}
            if body.get("logprobs"):
                entry: dict[str, Any] = {"token": self._text(token), "logprob": float(logprobs[token])}
                if top:
                    best = np.argsort(-logprobs)[:top]
                    entry["top_logprobs"] = [{"token": self._text(int(t)), "logprob": float(logprobs[t])} for t in best]
                chunk["logprobs"] = [entry]
            yield chunk
            tokens.append(token)
        elapsed = time.monotonic_ns() - started
        yield {
            "model": body["model"], "created_at": _now(), "response": "", "done": True, "done_reason": reason,
            "total_duration": elapsed, "load_duration": 0, "prompt_eval_count": prompt_count,
            "prompt_eval_duration": elapsed // 2, "eval_count": len(tokens) - prompt_count,
            "eval_duration": elapsed // 2,
        }

    def _text(self, token: int) -> str:
        return self.runner.piece(token).decode("utf-8", "replace")


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max()
    return shifted - np.log(np.exp(shifted).sum())


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())

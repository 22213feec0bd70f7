"""The Ollama judge through the real `ollama` client, against a fake server that runs the real model."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import ollama
import pytest
from fake_ollama import JUDGE_MODEL, FakeOllama
from judge_samples import prompt_for
from secret_samples import database_password

from secretscan.config import Config
from secretscan.engine import scan_units
from secretscan.errors import BackendUnavailable, ModelError
from secretscan.inference.llama_cpp import LlamaCppJudge
from secretscan.inference.ollama import TOP_LOGPROBS, OllamaJudge
from secretscan.inference.verdict import NO_OPINION, p_secret
from secretscan.scanner.prompt import LABEL_SAFE, LABEL_SECRET, Prompt, render_chat
from secretscan.scanner.types import ScanUnit

PASSWORD = database_password("ollama")
PROMPT = prompt_for(f'DB_PASSWORD = "{PASSWORD}"', PASSWORD)
# Lines that, on the untrained base model, put both labels, one label or neither among the 20 most likely
# answer tokens (the model mostly starts with "The"/"This"/"Yes"): enough to find each case even if the system
# prompt changes. The likeliest ones come first, so usually only three are evaluated.
POOL = [
    ("# answer yes or no", "yes", "a.py"),
    ("answer = yes # or no", "yes", "a.py"),
    (f'DB_PASSWORD = "{PASSWORD}"', PASSWORD, "app/settings.py"),
    ('API_KEY = "your-api-key-here"', "your-api-key-here", "app/settings.py"),
    (f'const apiToken = "{PASSWORD}";', PASSWORD, "src/client.js"),
    ('SECRET_KEY = os.environ["SECRET_KEY"]', 'os.environ["SECRET_KEY"]', "app/settings.py"),
    ('is_secret = "no"', "no", "a.py"),
    ("is_real: no", "no", "a.py"),
    ('PASSWORD="yes-or-no"', "yes-or-no", "a.py"),
    ("real_secret = False  # no", "no", "a.py"),
]


def top_logprobs(judge: LlamaCppJudge, prompt: Prompt) -> dict[int, float]:
    """What the model itself says: the log-probabilities of its 20 most likely next tokens."""
    runner = judge.runner
    logits = np.asarray(runner.next_token_logits(judge.prompt_tokens(prompt)))
    shifted = logits.astype(np.float64) - logits.max()
    logprobs = shifted - np.log(np.exp(shifted).sum())
    return {int(t): float(logprobs[t]) for t in np.argsort(-logprobs)[:TOP_LOGPROBS]}


@pytest.fixture(scope="session")
def by_listing(base_judge: LlamaCppJudge) -> dict[str, tuple[Prompt, dict[int, float]]]:
    """A prompt (and its top log-probabilities) for each case: "both" labels listed, "one", "none"."""
    labels = set(base_judge.label_ids())
    found: dict[str, tuple[Prompt, dict[int, float]]] = {}
    for line, value, path in POOL:
        prompt = prompt_for(line, value, path=path)
        listed = top_logprobs(base_judge, prompt)
        case = {2: "both", 1: "one", 0: "none"}[len(labels & set(listed))]
        found.setdefault(case, (prompt, listed))
        if len(found) == 3:
            return found
    pytest.fail(f"no line in the pool gives the cases {sorted({'both', 'one', 'none'} - set(found))}")


def test_both_labels_listed_gives_the_llama_cpp_score(
    fake_ollama: FakeOllama, base_judge: LlamaCppJudge, by_listing: dict[str, tuple[Prompt, dict[int, float]]]
) -> None:
    prompt, _ = by_listing["both"]
    judge = OllamaJudge("secretscan-judge", fake_ollama.host)
    assert judge.score([prompt]) == pytest.approx(base_judge.score([prompt]), abs=1e-6)
    sent = fake_ollama.requests[-1]
    assert sent["prompt"] == render_chat(prompt)
    assert sent["raw"] is True and sent["stream"] is False
    assert sent["logprobs"] is True and sent["top_logprobs"] == TOP_LOGPROBS
    assert sent["options"] == {"temperature": 0, "num_predict": 1}


def test_one_label_listed_bounds_the_other_by_the_last_listed(
    fake_ollama: FakeOllama, base_judge: LlamaCppJudge, by_listing: dict[str, tuple[Prompt, dict[int, float]]]
) -> None:
    prompt, listed = by_listing["one"]
    secret_id, safe_id = base_judge.label_ids()
    floor = min(listed.values())
    expected = p_secret(listed.get(secret_id, floor), listed.get(safe_id, floor))
    score = OllamaJudge("secretscan-judge", fake_ollama.host).score([prompt])[0]
    assert score == pytest.approx(expected, abs=1e-6)
    # The unlisted label gets an upper bound, so the listed one is never over-rated.
    exact = base_judge.score([prompt])[0]
    assert score <= exact if secret_id in listed else score >= exact


def test_no_label_listed_falls_back_to_the_answer_text(
    fake_ollama: FakeOllama, by_listing: dict[str, tuple[Prompt, dict[int, float]]]
) -> None:
    prompt, _ = by_listing["none"]
    raw = ollama.Client(host=fake_ollama.host).generate(
        model="secretscan-judge",
        prompt=render_chat(prompt),
        raw=True,
        options={"temperature": 0, "num_predict": 1},
    )
    assert raw.response not in (LABEL_SECRET, LABEL_SAFE)
    assert OllamaJudge("secretscan-judge", fake_ollama.host).score([prompt]) == [NO_OPINION]


def test_fake_streams_what_it_answers_in_one_piece(fake_ollama: FakeOllama) -> None:
    """The fake's NDJSON stream (the API's default) carries the same tokens and log-probabilities."""
    client = ollama.Client(host=fake_ollama.host)
    prompt, options = render_chat(PROMPT), {"temperature": 0, "num_predict": 3}
    whole = client.generate("secretscan-judge", prompt, raw=True, logprobs=True, top_logprobs=5, options=options)
    parts = list(client.generate("secretscan-judge", prompt, raw=True, logprobs=True, top_logprobs=5, options=options,
                                 stream=True))
    assert parts[-1].done and not any(p.done for p in parts[:-1])
    assert "".join(p.response or "" for p in parts) == whole.response
    assert [lp for p in parts for lp in (p.logprobs or [])] == list(whole.logprobs or [])
    assert whole.eval_count == parts[-1].eval_count == len(whole.logprobs or []) == 3
    assert whole.done_reason == "length"


def test_model_id_names_the_model_and_its_digest(fake_ollama: FakeOllama) -> None:
    digest = fake_ollama.models[JUDGE_MODEL]
    assert OllamaJudge("secretscan-judge", fake_ollama.host).model_id == f"ollama:{JUDGE_MODEL}@{digest}"
    assert OllamaJudge(JUDGE_MODEL, fake_ollama.host).model_id == f"ollama:{JUDGE_MODEL}@{digest}"


def test_unknown_model_says_how_to_create_it(fake_ollama: FakeOllama) -> None:
    judge = OllamaJudge("no-such-judge", fake_ollama.host)
    with pytest.raises(ModelError, match=r"has no model 'no-such-judge'; create it with `ollama create no-such-judge"):
        judge.score([PROMPT])


@pytest.fixture
def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_dead_port_is_backend_unavailable(dead_port: int) -> None:
    host = f"http://127.0.0.1:{dead_port}"
    with pytest.raises(BackendUnavailable, match=rf"^ollama at {host} is not reachable: connection refused$"):
        OllamaJudge("secretscan-judge", host).score([PROMPT])


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        host = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with pytest.raises(BackendUnavailable, match="not reachable: timed out"):
            OllamaJudge("secretscan-judge", host, timeout=0.5).score([PROMPT])


@pytest.fixture
def web_page_server() -> Iterator[str]:
    """Something else on the port: a web server that answers every request with HTML."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = b"<html><body>It works!</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_something_else_on_the_port_is_backend_unavailable(web_page_server: str) -> None:
    with pytest.raises(BackendUnavailable, match="does not answer like Ollama"):
        OllamaJudge("secretscan-judge", web_page_server).score([PROMPT])


SETTINGS = f'import os\n\nDB_PASSWORD = "{PASSWORD}"\n'


def test_engine_falls_back_to_rules_when_ollama_is_down(dead_port: int) -> None:
    warnings: list[str] = []
    # No cheap scorer: the candidate needs the LLM, which is down, so the rule's prior stands.
    config = Config(
        backend="ollama", ollama_host=f"http://127.0.0.1:{dead_port}", fallback="rules", cache=False, scorer="none"
    )
    judge = OllamaJudge("secretscan-judge", config.ollama_host)
    result = scan_units([ScanUnit("app/settings.py", SETTINGS)], config, judge, warn=warnings.append)
    assert len(warnings) == 1
    assert "is not reachable" in warnings[0] and "falling back to rules only" in warnings[0]
    assert [(f.candidate.line, f.stage) for f in result.findings] == [(3, "rules")]
    assert result.findings[0].confidence == result.findings[0].candidate.prior
    assert result.stats.backend == "none" and result.stats.judged == 0


def test_engine_with_fallback_error_raises(dead_port: int) -> None:
    config = Config(
        backend="ollama", ollama_host=f"http://127.0.0.1:{dead_port}", fallback="error", cache=False, scorer="none"
    )
    with pytest.raises(BackendUnavailable):
        scan_units([ScanUnit("app/settings.py", SETTINGS)], config, OllamaJudge("secretscan-judge", config.ollama_host))


def test_engine_judges_through_ollama(fake_ollama: FakeOllama) -> None:
    config = Config(backend="ollama", ollama_host=fake_ollama.host, threshold=0.0, cache=False, scorer="none")
    judge = OllamaJudge("secretscan-judge", fake_ollama.host)
    result = scan_units([ScanUnit("app/settings.py", SETTINGS)], config, judge)
    assert [(f.candidate.line, f.stage) for f in result.findings] == [(3, "judge:ollama")]
    assert result.stats.backend == "ollama" and result.stats.judged == 1

"""The `ollama` backend: a local Ollama server judges, through the official `ollama` Python client.

Each prompt goes to `/api/generate` as the full ChatML text (`raw`, so the server applies no template of its own),
greedy, for a single token, asking for the top log-probabilities of that token (client >= 0.6.1, server >= 0.12.11).
P(secret) is the softmax of the `yes` and `no` log-probabilities, renormalised over the two, exactly as the
llama.cpp backend does with logits. If only one label is among the top tokens, the other is given the smallest
listed log-probability: an upper bound, so the verdict is never surer of the listed label than the tokens show.
A server that returns no log-probabilities, or an answer without either label among them, is read from the
answer text: `yes` is 1.0, `no` is 0.0, anything else 0.5 (no opinion).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from secretscan.errors import BackendUnavailable, ModelError
from secretscan.inference.verdict import p_secret, p_secret_from_answer
from secretscan.scanner.prompt import LABEL_SAFE, LABEL_SECRET, Prompt, render_chat

if TYPE_CHECKING:
    import ollama
    from ollama import GenerateResponse

DEFAULT_MODEL = "secretscan-judge"
# Ollama's maximum.
TOP_LOGPROBS = 20
# Ollama loads a model on its first request, which can take a while; connecting should not.
CONNECT_TIMEOUT = 5.0
DEFAULT_TIMEOUT = 120.0

T = TypeVar("T")


def _full_name(model: str) -> str:
    """Ollama's canonical `name:tag` form; a bare name means the `latest` tag."""
    return model if ":" in model.rsplit("/", 1)[-1] else f"{model}:latest"


def p_secret_from_response(response: GenerateResponse) -> float:
    """P(secret) from the first generated token's top log-probabilities, else from the answer text."""
    if response.logprobs:
        first = response.logprobs[0]
        listed: dict[str, float] = {}
        for entry in [first, *(first.top_logprobs or ())]:
            listed.setdefault(entry.token, entry.logprob)
        secret, safe = listed.get(LABEL_SECRET), listed.get(LABEL_SAFE)
        if secret is not None or safe is not None:
            floor = min(listed.values())
            return p_secret(secret if secret is not None else floor, safe if safe is not None else floor)
    return p_secret_from_answer(response.response or "")


class OllamaJudge:
    """Judges with a model served by Ollama. Nothing is contacted until the first `score()` or `model_id`."""

    name = "ollama"

    def __init__(self, model: str, host: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.model = model
        self.host = host
        self.timeout = timeout
        self._client: ollama.Client | None = None
        self._model_id: str | None = None

    @property
    def model_id(self) -> str:
        """`ollama:<name:tag>@<digest>`: a re-created model under the same name gets a new digest."""
        if self._model_id is None:
            wanted = _full_name(self.model)
            listing = self._call(lambda: self._connection().list())
            for entry in listing.models:
                if entry.model is not None and _full_name(entry.model) == wanted:
                    self._model_id = f"ollama:{wanted}@{entry.digest or 'unknown'}"
                    break
            else:
                raise self._missing_model()
        return self._model_id

    def score(self, prompts: Sequence[Prompt]) -> list[float]:
        # Checks that the model exists first: one clear error instead of a failure per prompt.
        self.model_id
        return [p_secret_from_response(self._generate(prompt)) for prompt in prompts]

    def _generate(self, prompt: Prompt) -> GenerateResponse:
        return self._call(
            lambda: self._connection().generate(
                model=self.model,
                prompt=render_chat(prompt),
                raw=True,
                stream=False,
                logprobs=True,
                top_logprobs=TOP_LOGPROBS,
                options={"temperature": 0, "num_predict": 1},
            )
        )

    def _connection(self) -> ollama.Client:
        # Imported on first use: the client pulls in pydantic (~1 s), which a scan with nothing to judge skips.
        if self._client is None:
            import httpx
            import ollama

            self._client = ollama.Client(host=self.host, timeout=httpx.Timeout(self.timeout, connect=CONNECT_TIMEOUT))
        return self._client

    def _missing_model(self) -> ModelError:
        return ModelError(
            f"ollama at {self.host} has no model {self.model!r}; create it with "
            f"`ollama create {self.model} -f Modelfile` (the export step writes the Modelfile)"
        )

    def _call(self, request: Callable[[], T]) -> T:
        """Run one client request, turning transport and server failures into our one-line errors."""
        import httpx
        import ollama

        unreachable = f"ollama at {self.host} is not reachable"
        try:
            return request()
        except ConnectionError:
            # The client's own ConnectionError carries a long download hint; the cause is simpler.
            raise BackendUnavailable(f"{unreachable}: connection refused") from None
        except httpx.TimeoutException as exc:
            raise BackendUnavailable(f"{unreachable}: timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise BackendUnavailable(f"{unreachable}: {exc or type(exc).__name__}") from None
        except ollama.ResponseError as exc:
            if exc.status_code == 404:
                raise self._missing_model() from None
            raise BackendUnavailable(f"ollama at {self.host} failed: {exc.error} (HTTP {exc.status_code})") from None
        except ValueError:
            # A JSONDecodeError or a pydantic ValidationError (both ValueErrors): something else answers there.
            raise BackendUnavailable(f"{unreachable}: the server at that address does not answer like Ollama") from None

"""The default judge: llama.cpp in process, through llama-cpp-python's low-level C API.

Why the C API and not `llama_cpp.Llama`:
- `Llama` always puts the weights in ggml's "extra" CPU buffers (AMX / repacked). On an AMX Xeon the AMX matmul
  crashes the process (SIGSEGV in ggml_backend_amx_mul_mat) on SmolLM2; we turn those buffers off, and `Llama`
  has no option for it.
- We need the logits of one position and control of the KV cache, nothing else.

How a candidate is scored: the prompt is `render_chat(prompt)`, tokenised with ChatML special tokens parsed in
our template but *not* in the user part, so scanned code can't inject `<|im_end|>`. The KV cache keeps the
tokens of the previous prompt; the next prompt reuses the longest common prefix (always the system prompt,
often the `path:` line too) and only its new tokens are evaluated. P(secret) is the softmax of the `yes` and
`no` label logits at the assistant position, renormalised over the two.

What a single call costs is what a commit hook waits for, so a cold process does no work that one call doesn't
need: the context starts at the size a prompt needs (`START_N_CTX`) and grows only for a longer one; the fixed
prefix of every prompt (system prompt and user header) is evaluated in a batch of its own and its keys and values
are saved in a file (`prefix_dir`) that the next process reads instead of evaluating them again.
"""

from __future__ import annotations

import array
import ctypes
import hashlib
import importlib
import importlib.util
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from secretscan.errors import ModelError
from secretscan.inference.head import Head
from secretscan.inference.held_files import held_temp_file, remove_abandoned
from secretscan.inference.models import check_gguf, file_identity
from secretscan.inference.verdict import p_secret
from secretscan.scanner.prompt import LABEL_SAFE, LABEL_SECRET, Prompt, render_chat

if TYPE_CHECKING:
    import llama_cpp

# A prompt without context lines is ~120 tokens; 2048 fits ten context lines of 240 characters each way.
DEFAULT_N_CTX = 2048
# The context a runner starts with: the longest prompt without context lines (a 240-character line and a
# 120-character value, path and rule) fits. Making a context costs with its size (llama.cpp allocates and clears
# the KV cache and reserves the graphs for it): 33-43 ms at 2048 tokens, 12-15 ms at 512, on 2 cores.
START_N_CTX = 512
N_BATCH = 512
# libgomp's spin before a thread waiting at a barrier sleeps, in spins (about 10 us here). ggml's threads meet at
# a barrier after every graph node (~1000 per evaluation): sleeping at once (OMP_WAIT_POLICY=PASSIVE) costs a
# futex wake-up each time, 138 -> 70 ms for 28 tokens on 2 idle cores; spinning without end (libgomp's default
# 300,000, ACTIVE's 30 billion) collapses when the cores are busy with other work (a hook during a build, a
# shared CI runner): 12 s instead of 1.6 s per candidate. A short spin stays bounded under load (measured with
# two busy loops on 2 cores: 0.37 s median, as PASSIVE's 0.31-0.56 s).
GOMP_SPIN_COUNT = "1000"

# llama.cpp logs through one process-wide callback. Ours never prints (a pre-commit hook must stay quiet);
# it keeps the first error lines since the last load began, so that a failed load can say why, in one line.
_LOG_LEVEL_ERROR = 4  # ggml_log_level: NONE, DEBUG, INFO, WARN, ERROR, CONT
_MAX_ERRORS = 8
_log_errors: list[str] = []


def _quiet_log(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
    if level == _LOG_LEVEL_ERROR and len(_log_errors) < _MAX_ERRORS:
        line = text.decode("utf-8", "replace").strip()
        if line:
            _log_errors.append(line)


_library_lock = threading.Lock()
_library_module: ModuleType | None = None
# The ctypes wrapper of _quiet_log; llama.cpp calls it for as long as the process lives.
_log_callback: object = None


def library() -> ModuleType:
    """llama-cpp-python's ctypes bindings of the C API (`llama_cpp.llama_cpp`), imported and set up (quiet logging,
    thread waits) on first use.

    Import it through here, not directly: the import takes time (see `_import_bindings`), which a scan with nothing
    to judge, or with every verdict cached, should not pay; and the threading setting must precede it.
    """
    global _library_module, _log_callback
    with _library_lock:
        if _library_module is None:
            # See GOMP_SPIN_COUNT. libgomp reads these when llama.cpp's library loads, so they must be set before
            # the import; a user's own OpenMP settings win. (An explicit spin count overrides the policy's.)
            if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
                os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
                os.environ["GOMP_SPINCOUNT"] = GOMP_SPIN_COUNT
            llama = _import_bindings()
            _log_callback = llama.llama_log_callback(_quiet_log)
            llama.llama_log_set(_log_callback, ctypes.c_void_p(0))
            llama.llama_backend_init()
            _library_module = llama
        return _library_module


_PACKAGE = "llama_cpp"
_BINDINGS = "llama_cpp.llama_cpp"


def _import_bindings() -> ModuleType:
    """`llama_cpp.llama_cpp`, without running the package's `__init__` when nothing has imported the package yet.

    That `__init__` star-imports `llama.py`, the high-level API, which pulls numpy and the chat formats with jinja2:
    about 0.19 s of the package's 0.23 s import (`python -X importtime`), where the ctypes module that we use, with
    what it imports, takes 0.04 s. If anything about the package is not as expected, the plain import decides.
    """
    if _PACKAGE not in sys.modules:
        try:
            return _import_bindings_alone()
        except Exception:
            # A layout we don't know (a future llama-cpp-python): take the package's own way in, which either
            # works or raises its own error.
            for name in [name for name in sys.modules if name == _PACKAGE or name.startswith(_PACKAGE + ".")]:
                del sys.modules[name]
    return importlib.import_module(_BINDINGS)


def _import_bindings_alone() -> ModuleType:
    """Register the package bare (its spec and `__path__`, its `__init__` not run), then import the bindings from
    it the usual way, with whatever submodules they import. A later `import llama_cpp` elsewhere in the process (a
    training tool wanting `llama_cpp.Llama`) gets this module, and the first name it lacks runs the `__init__`."""
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        raise ImportError(f"{_PACKAGE} is not an installed package")
    package = importlib.util.module_from_spec(spec)
    vars(package)["__getattr__"] = _complete_on_first_miss(package, spec.loader.exec_module)
    sys.modules[_PACKAGE] = package
    return importlib.import_module(_BINDINGS)


def _complete_on_first_miss(package: ModuleType, run_init: Callable[[ModuleType], None]) -> Callable[[str], object]:
    """A module `__getattr__` (PEP 562) for the bare package: the first lookup of a name that it lacks runs the
    package's `__init__` in it, once (the bindings already imported are reused, not loaded twice); then the name
    is there, or it is an AttributeError as for any module."""
    lock = threading.RLock()
    ran = False

    def complete_then_get(name: str) -> object:
        nonlocal ran
        with lock:  # another thread waits for the `__init__` to finish; this one, inside it, does not run it twice
            if not ran:
                ran = True
                run_init(package)
        try:
            return vars(package)[name]
        except KeyError:
            raise AttributeError(f"module {package.__name__!r} has no attribute {name!r}") from None

    return complete_then_get


def _start_capture() -> None:
    """Collect llama.cpp's errors from here on. The callback is process-wide: anything else in the process that
    uses llama-cpp-python (a `Llama(verbose=False)` in a training tool, say) replaces it, so set it again."""
    llama = library()
    llama.llama_log_set(_log_callback, ctypes.c_void_p(0))
    _log_errors.clear()


def _usable_cpus() -> int:
    """The CPUs this process may run on (a container's or taskset's share), else all of them."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _first_error(default: str) -> str:
    """The root cause llama.cpp logged first (`gguf_init_from_reader: failed to read header` -> after the colon)."""
    if not _log_errors:
        return default
    function, _, message = _log_errors[0].partition(": ")
    return message if message and function.isidentifier() else _log_errors[0]


class LlamaRunner:
    """One GGUF model (plus an optional LoRA adapter) and one context: tokens in, next-token logits out.

    Construction only checks the files; the weights load (memory-mapped) on first use. Consecutive calls reuse
    the KV cache of their common token prefix; `prime` puts a prefix there that every call shares, from
    `prefix_dir` when an earlier process saved it. All methods take the runner's lock.
    """

    def __init__(
        self,
        model_path: Path,
        lora_path: Path | None = None,
        *,
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None,
        hidden_states: bool = False,
        prefix_dir: Path | None = None,
    ) -> None:
        """`n_ctx`: the longest prompt (the context starts smaller and grows to it); `prefix_dir`: where `prime`
        keeps the keys and values of a prefix between processes (None: it evaluates it in each)."""
        self.model_path = model_path
        self.lora_path = lora_path
        self.n_ctx = n_ctx
        self.prefix_dir = prefix_dir
        # The size of the context made now (0: none yet), START_N_CTX or n_ctx.
        self._ctx_size = 0
        self._identity: str | None = None
        self._prefix_keys: dict[tuple[int, ...], str] = {}
        self.n_threads = n_threads or _usable_cpus()
        self._lock = threading.RLock()
        self._model: llama_cpp.llama_model_p | None = None
        self._ctx: llama_cpp.llama_context_p | None = None
        self._adapter: llama_cpp.llama_adapter_lora_p | None = None
        self._batch: llama_cpp.llama_batch | None = None
        self._vocab: llama_cpp.llama_vocab_p | None = None
        self._n_embd = 0
        # With `hidden_states`, llama.cpp's scheduler hands each evaluation's final-norm tensor to `_keep_state`.
        self._state_callback: object = None
        self._ggml: ctypes.CDLL | None = None
        self._state = b""
        self.hidden_states = hidden_states
        # The tokens whose keys and values are in the KV cache now, in order from position 0.
        self._cached: list[int] = []
        check_gguf(model_path, "model")
        if lora_path is not None:
            check_gguf(lora_path, "LoRA adapter")

    def load(self) -> None:
        """Load the weights now rather than on first use. Does nothing once loaded."""
        with self._lock:
            if self._model is None:
                self._load()

    @property
    def identity(self) -> str:
        """`model_identity` of the model and adapter, computed once."""
        if self._identity is None:
            self._identity = model_identity(self.model_path, self.lora_path)
        return self._identity

    @property
    def eos_token(self) -> int:
        self.load()
        llama = library()
        return int(llama.llama_vocab_eos(self._vocab))

    def tokenize(self, text: str, *, special: bool) -> list[int]:
        """Token ids of `text`; with `special`, ChatML markers like `<|im_end|>` become their special tokens."""
        self.load()
        llama = library()
        data = text.encode("utf-8", "surrogatepass")
        capacity = len(data) + 8
        buffer = (llama.llama_token * capacity)()
        count = llama.llama_tokenize(self._vocab, data, len(data), buffer, capacity, False, special)
        if count < 0:
            raise ModelError(f"llama.cpp could not tokenize a prompt ({-count} tokens)")
        return list(buffer[:count])

    def piece(self, token: int) -> bytes:
        """The bytes of one token (special tokens as their text); may be part of a UTF-8 sequence."""
        self.load()
        llama = library()
        buffer = ctypes.create_string_buffer(64)
        size = llama.llama_token_to_piece(self._vocab, token, buffer, len(buffer), 0, True)
        if size < 0:
            buffer = ctypes.create_string_buffer(-size)
            size = llama.llama_token_to_piece(self._vocab, token, buffer, len(buffer), 0, True)
        return buffer.raw[:size]

    def next_token_logits(self, tokens: Sequence[int]) -> array.array[float]:
        """The logits (n_vocab floats) of the token after `tokens`, copied out of llama.cpp's buffer."""
        if not tokens:
            raise ValueError("next_token_logits needs at least one token")
        if len(tokens) > self.n_ctx:
            raise ModelError(f"a prompt of {len(tokens)} tokens does not fit the context of {self.n_ctx}")
        with self._lock:
            self.load()
            llama = library()
            if len(tokens) > self._ctx_size:
                self._grow_context()
            # Reuse the cached prefix, but evaluate at least the last token: its logits are the answer.
            reuse = 0
            limit = min(len(self._cached), len(tokens) - 1)
            while reuse < limit and self._cached[reuse] == tokens[reuse]:
                reuse += 1
            llama.llama_memory_seq_rm(llama.llama_get_memory(self._ctx), 0, reuse, -1)
            del self._cached[reuse:]
            self._state = b""
            self._decode(tokens[reuse:], start=reuse)
            self._cached.extend(tokens[reuse:])
            row = llama.llama_get_logits_ith(self._ctx, -1)
            count = llama.llama_vocab_n_tokens(self._vocab)
            return array.array("f", ctypes.string_at(row, count * ctypes.sizeof(ctypes.c_float)))

    def prime(self, prefix: Sequence[int]) -> None:
        """Make the KV cache start with `prefix`, the tokens that every prompt to come starts with, evaluated in a
        batch of their own: as kept from the call before; else read from the state that a runner on the same model
        saved in `prefix_dir`; else evaluated now (and saved there). The next calls evaluate only what follows it.

        A saved state holds exactly what evaluating `prefix` alone leaves in the cache, so the answers are the same
        bits with or without it; one that is unreadable, damaged or for anything else is ignored and replaced.
        """
        if not prefix:
            return
        with self._lock:
            self.load()
            if self._cached[: len(prefix)] == list(prefix):
                return
            if len(prefix) > self._ctx_size:
                self._grow_context()
            self.forget()
            path = self._prefix_file(prefix)
            if path is not None and self._read_prefix(path, prefix):
                self._cached = list(prefix)
                return
            self._decode(prefix, start=0)
            self._cached = list(prefix)
            if path is not None:
                self._save_prefix(path, prefix)

    def _prefix_key(self, prefix: Sequence[int]) -> str:
        """What a saved prefix state must match: the model and adapter, llama.cpp's build and CPU paths (its
        library file and system info), the threads, and the tokens. Worked out once per prefix."""
        tokens = tuple(prefix)
        if tokens not in self._prefix_keys:
            self._prefix_keys[tokens] = self._new_prefix_key(tokens)
        return self._prefix_keys[tokens]

    def _new_prefix_key(self, prefix: Sequence[int]) -> str:
        llama = library()
        lib = Path(str(llama.__file__)).parent / "lib"
        builds = sorted(f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in lib.glob("*") if f.is_file())
        parts = [
            _PREFIX_FORMAT.decode(),
            self.identity,
            *builds,
            llama.llama_print_system_info().decode("utf-8", "replace"),
            f"threads:{self.n_threads}",
            ",".join(map(str, prefix)),
        ]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def _prefix_file(self, prefix: Sequence[int]) -> Path | None:
        if self.prefix_dir is None:
            return None
        return self.prefix_dir / f"prefix-{self._prefix_key(prefix)[:32]}{_PREFIX_SUFFIX}"

    def _read_prefix(self, path: Path, prefix: Sequence[int]) -> bool:
        """Load the saved state at `path` into the (empty) KV cache; False, with the cache empty, unless it is
        whole, for this key, and llama.cpp takes it as `prefix`'s keys and values."""
        try:
            data = path.read_bytes()
        except OSError:
            return False
        key = self._prefix_key(prefix).encode()
        header = _PREFIX_FORMAT + key + b"\n"
        digest_end = len(header) + hashlib.sha256().digest_size
        if not data.startswith(header) or len(data) <= digest_end:
            return False
        payload = memoryview(data)[digest_end:]
        if hashlib.sha256(payload).digest() != data[len(header) : digest_end]:
            return False
        llama = library()
        buffer = (ctypes.c_uint8 * len(payload)).from_buffer_copy(payload)
        _start_capture()
        read = llama.llama_state_seq_set_data(self._ctx, buffer, len(payload), 0)
        memory = llama.llama_get_memory(self._ctx)
        if read != len(payload) or llama.llama_memory_seq_pos_max(memory, 0) != len(prefix) - 1:
            llama.llama_memory_clear(memory, True)
            return False
        return True

    def _save_prefix(self, path: Path, prefix: Sequence[int]) -> None:
        """Save the KV cache (which holds `prefix` alone) at `path`, atomically; a folder we can't write in is
        left alone: the next process evaluates the prefix again."""
        llama = library()
        size = llama.llama_state_seq_get_size(self._ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        if llama.llama_state_seq_get_data(self._ctx, buffer, size, 0) != size:
            return
        payload = bytes(buffer)
        key = self._prefix_key(prefix).encode()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            remove_abandoned(path.parent, f"{_PREFIX_TEMP}*{_PREFIX_SUFFIX}")
            with held_temp_file(path.parent, _PREFIX_TEMP, _PREFIX_SUFFIX) as temporary:
                temporary.write_bytes(_PREFIX_FORMAT + key + b"\n" + hashlib.sha256(payload).digest() + payload)
                os.replace(temporary, path)
        except OSError:
            pass

    def hidden_state(self) -> array.array[float]:
        """The last hidden state (after the final norm) of the token that the last `next_token_logits` call ended
        on: what its logits were computed from, read out of the same forward pass (a runner made with
        `hidden_states`)."""
        with self._lock:
            if not self.hidden_states:
                raise ModelError("this runner keeps no hidden states (make it with hidden_states=True)")
            if not self._cached:
                raise ModelError("no prompt evaluated yet: there is no hidden state to read")
            if not self._state:
                raise ModelError(f"llama.cpp kept no hidden state for {self.model_path.name}")
            return array.array("f", self._state)

    def _keep_state(self, tensor: int, ask: bool, user_data: int) -> bool:
        """llama.cpp's eval callback: asked of every graph node whether we want it, then given the ones we do once
        computed. We want the final norm's output; only the tokens that give logits are in it, the last of them
        is our token. (llama.cpp's own `embeddings` mode would run the output layer on every token instead: 35 ms
        more per candidate on 2 cores.)"""
        ggml = self._ggml
        assert ggml is not None
        if ask:
            return bool(ggml.ggml_get_name(tensor) == _FINAL_NORM)
        size = self._n_embd * ctypes.sizeof(ctypes.c_float)
        total = ggml.ggml_nbytes(tensor)
        if total >= size:
            buffer = ctypes.create_string_buffer(size)
            ggml.ggml_backend_tensor_get(tensor, buffer, total - size, size)
            self._state = buffer.raw
        return True

    def forget(self) -> None:
        """Empty the KV cache, so that the next call evaluates its whole prompt."""
        with self._lock:
            if self._ctx is not None:
                llama = library()
                llama.llama_memory_clear(llama.llama_get_memory(self._ctx), True)
            self._cached = []

    def close(self) -> None:
        """Free the context, adapter and weights now rather than when the runner is collected."""
        with self._lock:
            self._free()

    def __del__(self) -> None:
        self._free()

    def _load(self) -> None:
        llama = library()
        _start_capture()
        params = llama.llama_model_default_params()
        params.n_gpu_layers = 0
        params.load_mode = llama.LLAMA_LOAD_MODE_MMAP
        # See the module docstring: ggml's AMX buffers crash on SmolLM2.
        params.use_extra_bufts = False
        model = llama.llama_model_load_from_file(str(self.model_path).encode(), params)
        if not model:
            raise ModelError(f"cannot load model {self.model_path}: {_first_error('not a usable GGUF model')}")
        self._model = model
        try:
            self._vocab = llama.llama_model_get_vocab(model)
            self._n_embd = int(llama.llama_model_n_embd(model))
            if self.lora_path is not None:
                self._adapter = self._load_lora(model, self.lora_path)
            self._ctx = self._new_context(model, min(self.n_ctx, START_N_CTX))
            self._batch = llama.llama_batch_init(N_BATCH, 0, 1)
        except BaseException:
            self._free()
            raise

    def _grow_context(self) -> None:
        """Replace the context by one of the full n_ctx (the KV cache starts empty). Answers don't depend on the
        context's size: the attention reads only the cells in use, the rest masked out."""
        assert self._model is not None
        if self._ctx_size >= self.n_ctx:
            return
        llama = library()
        llama.llama_free(self._ctx)
        self._ctx = None
        self._ctx_size = 0
        self._cached = []
        self._ctx = self._new_context(self._model, self.n_ctx)

    def _new_context(self, model: llama_cpp.llama_model_p, n_ctx: int) -> llama_cpp.llama_context_p:
        llama = library()
        params = llama.llama_context_default_params()
        params.n_ctx = n_ctx
        params.n_batch = N_BATCH
        params.n_ubatch = N_BATCH
        params.n_seq_max = 1
        params.n_threads = self.n_threads
        params.n_threads_batch = self.n_threads
        # With flash attention, a prompt scored after reusing cached keys/values got a different P(secret) than
        # the same prompt scored cold (0.419 vs 0.386 on SmolLM2); without it the two are bit-identical.
        params.flash_attn_type = llama.LLAMA_FLASH_ATTN_TYPE_DISABLED
        params.no_perf = True
        if self.hidden_states:
            # Looked up once here: the callback runs for every graph node of every evaluation.
            self._ggml = ggml_base()
            self._state_callback = llama.ggml_backend_sched_eval_callback(self._keep_state)
            params.cb_eval = self._state_callback
        _start_capture()
        ctx = llama.llama_init_from_model(model, params)
        if not ctx:
            reason = _first_error("out of memory?")
            raise ModelError(f"cannot create a llama.cpp context for {self.model_path}: {reason}")
        try:
            if self._adapter is not None:
                adapters = (llama.llama_adapter_lora_p_ctypes * 1)(self._adapter)
                scales = (ctypes.c_float * 1)(1.0)
                if llama.llama_set_adapters_lora(ctx, adapters, 1, scales) != 0:
                    raise ModelError(f"cannot apply LoRA adapter {self.lora_path} to {self.model_path}")
        except BaseException:
            llama.llama_free(ctx)
            raise
        self._ctx_size = n_ctx
        return ctx

    def _load_lora(self, model: llama_cpp.llama_model_p, lora_path: Path) -> llama_cpp.llama_adapter_lora_p:
        llama = library()
        _start_capture()
        adapter = llama.llama_adapter_lora_init(model, str(lora_path).encode())
        if not adapter:
            reason = _first_error("not a LoRA adapter for this model")
            raise ModelError(f"cannot load LoRA adapter {lora_path}: {reason}")
        return adapter

    def _decode(self, tokens: Sequence[int], start: int) -> None:
        llama = library()
        batch = self._batch
        assert batch is not None
        for offset in range(0, len(tokens), N_BATCH):
            chunk = tokens[offset : offset + N_BATCH]
            batch.n_tokens = len(chunk)
            for i, token in enumerate(chunk):
                batch.token[i] = token
                # llama-cpp-python's type hint makes `pos` an array of arrays; it is one llama_pos per token.
                batch.pos[i] = start + offset + i  # type: ignore[call-overload]
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = 0
                batch.logits[i] = 0
            if offset + N_BATCH >= len(tokens):
                batch.logits[len(chunk) - 1] = 1
            with _interrupts_in_callbacks() as interrupted:
                code = llama.llama_decode(self._ctx, batch)
            if interrupted or code != 0:
                # A failed decode leaves the cache in an unknown state: start from scratch next time.
                llama.llama_memory_clear(llama.llama_get_memory(self._ctx), True)
                self._cached = []
            if interrupted:
                raise KeyboardInterrupt
            if code != 0:
                raise ModelError(f"llama.cpp failed to evaluate a prompt (llama_decode returned {code})")

    def _free(self) -> None:
        if self._model is None:
            # Nothing was loaded (or it is freed already): don't import llama.cpp just to find that out.
            self._cached = []
            return
        llama = library()
        if self._batch is not None:
            llama.llama_batch_free(self._batch)
            self._batch = None
        if self._ctx is not None:
            llama.llama_free(self._ctx)
            self._ctx = None
            self._ctx_size = 0
        if self._adapter is not None:
            llama.llama_adapter_lora_free(self._adapter)
            self._adapter = None
        if self._model is not None:
            llama.llama_model_free(self._model)
            self._model = None
        self._cached = []


def model_identity(model_path: Path, lora_path: Path | None) -> str:
    """Identity of a model file and its adapter, cheap enough to compute on every run (see file_identity)."""
    parts = [f"gguf:{file_identity(model_path)}"]
    if lora_path is not None:
        parts.append(f"lora:{file_identity(lora_path)}")
    return "+".join(parts)


def with_head(model_id: str, head: Head | None) -> str:
    """A judge's model_id: a head changes every answer, so it is part of what keys the verdict cache."""
    return model_id if head is None else f"{model_id}+head:{head.identity}"


# A Ctrl-C that lands while llama.cpp runs our eval callback is raised inside the callback, where ctypes can only
# print it and drop it ("Exception ignored on calling ctypes callback function"). While a decode runs, the hook
# below keeps it instead, for the decode's caller to raise once llama.cpp returns.
_decoding = threading.local()
_hook_lock = threading.Lock()
_hook_installed = False
_unraisable_before: Callable[[Any], object] = sys.unraisablehook


def _keep_interrupts(unraisable: Any) -> None:
    kept = getattr(_decoding, "interrupts", None)
    if kept is not None and isinstance(unraisable.exc_value, KeyboardInterrupt):
        kept.append(unraisable.exc_value)
    else:
        _unraisable_before(unraisable)


@contextmanager
def _interrupts_in_callbacks() -> Iterator[list[BaseException]]:
    """The KeyboardInterrupts raised in our callbacks during the block (on this thread), kept instead of printed."""
    global _hook_installed, _unraisable_before
    with _hook_lock:
        if not _hook_installed:
            _unraisable_before = sys.unraisablehook
            sys.unraisablehook = _keep_interrupts
            _hook_installed = True
    kept: list[BaseException] = []
    _decoding.interrupts = kept
    try:
        yield kept
    finally:
        _decoding.interrupts = None


# A saved prefix state: this line, the key's sha256 (hex) and a newline, the payload's sha256, then the payload
# (llama_state_seq_get_data of sequence 0).
_PREFIX_FORMAT = b"secretscan-kv-prefix 1\n"
_PREFIX_SUFFIX = ".kvstate"
_PREFIX_TEMP = ".prefix-"

# The name llama.cpp's graphs give the final norm's output (`cb(cur, "result_norm", -1)` in its model builders).
_FINAL_NORM = b"result_norm"
_ggml_base_module: ctypes.CDLL | None = None


def ggml_base() -> ctypes.CDLL:
    """ggml's base library, shipped beside llama.cpp's in llama-cpp-python, with the three tensor calls we make."""
    global _ggml_base_module
    bindings = library()
    with _library_lock:
        if _ggml_base_module is None:
            from llama_cpp._ctypes_extensions import load_shared_library

            ggml = load_shared_library("ggml-base", Path(str(bindings.__file__)).parent / "lib")
            ggml.ggml_get_name.restype = ctypes.c_char_p
            ggml.ggml_get_name.argtypes = [ctypes.c_void_p]
            ggml.ggml_nbytes.restype = ctypes.c_size_t
            ggml.ggml_nbytes.argtypes = [ctypes.c_void_p]
            ggml.ggml_backend_tensor_get.restype = None
            ggml.ggml_backend_tensor_get.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t]
            _ggml_base_module = ggml
        return _ggml_base_module


class LlamaCppJudge:
    """The `llama-cpp` backend: P(secret) from the `yes` / `no` label logits of a local GGUF model, read through
    the judge's head (inference/head.py) when it has one fitted for this model."""

    name = "llama-cpp"

    def __init__(
        self,
        model_path: Path,
        lora_path: Path | None = None,
        *,
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None,
        head: Head | None = None,
        hidden_states: bool = False,
        prefix_dir: Path | None = None,
    ) -> None:
        """`hidden_states`: keep each call's hidden state for `read` (a head needs them, and has them kept);
        `prefix_dir`: where the runner keeps the prompts' shared prefix between processes (see `LlamaRunner.prime`)."""
        keep = hidden_states or head is not None
        self.runner = LlamaRunner(
            model_path, lora_path, n_ctx=n_ctx, n_threads=n_threads, hidden_states=keep, prefix_dir=prefix_dir
        )
        self.head = head
        self._model_id: str | None = None
        self._label_ids: tuple[int, int] | None = None

    @property
    def model_id(self) -> str:
        if self._model_id is None:
            self._model_id = with_head(self.runner.identity, self.head)
        return self._model_id

    def load(self) -> None:
        """Load the weights and check the labels now rather than on the first `score()`."""
        self.runner.load()
        self.label_ids()

    def close(self) -> None:
        """Free the model now rather than when the judge is collected."""
        self.runner.close()

    def score(self, prompts: Sequence[Prompt]) -> list[float]:
        if self.head is None:
            return [p for p, _ in self.read(prompts, hidden_states=False)]
        head = self.head
        return [head.probability(p, state) for p, state in self.read(prompts, hidden_states=True)]

    def read(self, prompts: Sequence[Prompt], *, hidden_states: bool) -> list[tuple[float, array.array[float]]]:
        """The LLM's own P(secret) of each prompt (no head), with its last hidden state when asked (else empty)."""
        secret_id, safe_id = self.label_ids()
        answers = []
        for prompt in prompts:
            tokens, prefix_length = self._tokens(prompt)
            # The system prompt and the user turn's header: the same in every prompt, evaluated once.
            self.runner.prime(tokens[:prefix_length])
            logits = self.runner.next_token_logits(tokens)
            state = self.runner.hidden_state() if hidden_states else array.array("f")
            answers.append((p_secret(logits[secret_id], logits[safe_id]), state))
        return answers

    def label_ids(self) -> tuple[int, int]:
        """Token ids of (LABEL_SECRET, LABEL_SAFE); a ModelError if the model's vocabulary splits either one."""
        if self._label_ids is None:
            ids = []
            for label in (LABEL_SECRET, LABEL_SAFE):
                tokens = self.runner.tokenize(label, special=False)
                if len(tokens) != 1:
                    raise ModelError(
                        f"model {self.runner.model_path.name} splits the label {label!r} into {len(tokens)} tokens; "
                        "the judge needs single-token labels"
                    )
                ids.append(tokens[0])
            self._label_ids = (ids[0], ids[1])
        return self._label_ids

    def prompt_tokens(self, prompt: Prompt) -> list[int]:
        """The tokens of `render_chat(prompt)`, special tokens parsed in the template only, fitted to n_ctx."""
        return self._tokens(prompt)[0]

    def _tokens(self, prompt: Prompt) -> tuple[list[int], int]:
        """`prompt_tokens(prompt)`, and how many of them come before the user text (the template's head)."""
        # Render with a marker for the user text, so the template stays defined in one place (prompt.py).
        marker = "\x00"
        head, tail = render_chat(replace(prompt, user=marker)).split(marker)
        head_ids = self.runner.tokenize(head, special=True)
        user_ids = self.runner.tokenize(prompt.user, special=False)
        tail_ids = self.runner.tokenize(tail, special=True)
        room = self.runner.n_ctx - len(head_ids) - len(tail_ids)
        if len(user_ids) > room:
            # Keep both ends: the path and rule come first, the value and the line come last.
            keep_head = room // 2
            user_ids = user_ids[:keep_head] + user_ids[len(user_ids) - (room - keep_head) :]
        return head_ids + user_ids + tail_ids, len(head_ids)

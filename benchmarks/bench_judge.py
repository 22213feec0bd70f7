"""Judge latency on the embedded model: model identity, load, and per-candidate scoring cold vs prefix-cached.

    python benchmarks/bench_judge.py [--threads 2] [--candidates 12] [--model PATH] [--lora PATH]

"cold" clears the KV cache before every candidate (the whole prompt is evaluated); "prefix-cached" is what
`LlamaCppJudge.score` does (the longest common prefix with the previous prompt is reused); "state-restore"
saves the KV state after the system prompt once and restores it before every candidate (the
save_state/load_state alternative). The figures depend on the other load on the machine: run it on an idle one.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from secretscan.inference.llama_cpp import LlamaCppJudge, library
from secretscan.inference.models import embedded_base_model, file_identity, file_sha256
from secretscan.scanner.prompt import Prompt, build_prompt, render_system
from secretscan.scanner.types import Candidate

# (path, line with {} for the value, value). Secret-like values are assembled so that no scanner reads a whole
# one in this file.
LINES = [
    ("config/settings.py", 'STRIPE_KEY = "{}"', "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"),
    ("config/settings.py", 'API_KEY = "{}"', "your-api-key-here"),
    ("config/settings.py", "DB_PASSWORD = {}", 'os.environ["DB_PASSWORD"]'),
    ("tests/test_login.py", 'password = "{}"', "hunter2" * 2),
    ("deploy/.env", "AWS_SECRET_ACCESS_KEY={}", "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYzEXAMPLEKEY"),
    ("src/client.ts", 'const token = "{}"', "gh" + "p_R8c1b7Qz0X" + "yWv3Nn5Lm2Kk" + "9Jj4Hh6Gg1Ff0D"),
    ("docs/setup.md", "export OPENAI_API_KEY={}", "<your key>"),
    ("src/db.go", 'dsn := "postgres://app:{}@db.internal:5432/app"', "S3cr3t" + "P4ss"),
    ("package-lock.json", '"integrity": "{}"', "sha512-9sV3Jb4m0eQ5kWq+XqgO1S1Zz8fK0a7c3Vb2Xw=="),
    ("app/models.py", 'SECRET_KEY = "{}"', "django-insecure-" + "3x@mpl3-k3y-f0r-d3v"),
    ("infra/main.tf", "client_secret = {}", "var.client_secret"),
    ("scripts/seed.sh", 'curl -H "Authorization: Bearer {}"', "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxIn0.dGVzdA"),
]


def prompts(count: int) -> list[Prompt]:
    out = []
    for i in range(count):
        path, template, secret = LINES[i % len(LINES)]
        line = template.format(secret)
        candidate = Candidate(path=path, line=i + 1, column=line.index(secret) + 1, secret=secret, rule="bench",
                              category="generic", line_text=line)
        out.append(build_prompt(candidate))
    return out


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def per_candidate(judge: LlamaCppJudge, items: list[Prompt], before_each: Callable[[], None]) -> list[float]:
    times = []
    for prompt in items:
        before_each()
        times.append(timed(lambda: judge.score([prompt])))
    return times


def show(label: str, times: list[float]) -> None:
    median, mean = statistics.median(times) * 1000, statistics.fmean(times) * 1000
    print(f"{label:<34} median {median:8.1f} ms   mean {mean:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--candidates", type=int, default=12)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--lora", type=Path, default=None)
    args = parser.parse_args()
    model = args.model or embedded_base_model()
    items = prompts(args.candidates)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"model {model.name} ({model.stat().st_size / 1e6:.1f} MB), threads {args.threads}, "
          f"{os.cpu_count()} CPUs, load average {load}")
    print(f"{'full sha256 of the model':<34} {timed(lambda: file_sha256(model)) * 1000:8.1f} ms")
    print(f"{'model_id (sampled identity)':<34} {timed(lambda: file_identity(model)) * 1000:8.1f} ms")
    judge = LlamaCppJudge(model, args.lora, n_threads=args.threads)
    print(f"{'import llama-cpp-python':<34} {timed(library) * 1000:8.1f} ms")
    print(f"{'load (mmap, context, labels)':<34} {timed(judge.load) * 1000:8.1f} ms")
    judge.score(items[:1])  # first-touch page faults of the mapped weights are not per-candidate cost

    runner = judge.runner
    prefix_tokens = runner.tokenize(render_system(items[0]), special=True)
    show("cold (whole prompt)", per_candidate(judge, items, runner.forget))
    runner.forget()
    show("prefix-cached (LlamaCppJudge)", per_candidate(judge, items, lambda: None))

    # The alternative, with llama.cpp's sequence state API on the runner's context.
    llama = library()
    runner.forget()
    runner.next_token_logits(prefix_tokens)
    context = runner._ctx
    size = llama.llama_state_seq_get_size(context, 0)
    state = (ctypes.c_uint8 * size)()
    llama.llama_state_seq_get_data(context, state, size, 0)

    def restore() -> None:
        llama.llama_memory_clear(llama.llama_get_memory(context), True)
        llama.llama_state_seq_set_data(context, state, size, 0)
        runner._cached = list(prefix_tokens)

    show(f"state-restore ({size / 1e6:.1f} MB state)", per_candidate(judge, items, restore))
    tokens = [len(judge.prompt_tokens(p)) for p in items]
    print(f"prompt tokens: system prefix {len(prefix_tokens)}, whole prompt median {statistics.median(tokens)}")


if __name__ == "__main__":
    main()

"""Would one llama_decode over several candidates be faster than one call per candidate? (issue #12, item 2)

    python benchmarks/bench_batching.py [--tree DIR] [--group 1 2 4 8] [--threads 2]

The prompts are those `secretscan scan TREE` sends to the LLM (default: realcode/dev, scanned as bench_tree does),
scored by the default judge's model. One call per prompt is how `LlamaCppJudge.score` works: the KV cache keeps
the previous prompt, the common prefix (the system prompt at least) is reused and the rest is evaluated. Batched:
the system prompt is evaluated once into sequence 0 and copied to sequences 1..k (a unified KV cache shares the
cells, so a copy costs nothing), then one llama_decode evaluates the rest of k prompts, each in its own sequence,
and the logits of each one's last token are read. Both print ms per prompt, and the largest difference in
P(secret) between them shows that the batched scores are the same scores.
"""

from __future__ import annotations

import argparse
import ctypes
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from bench_tree import llm_prompts

from secretscan.config import Config
from secretscan.inference.factory import llama_cpp_files
from secretscan.inference.llama_cpp import LlamaCppJudge, library
from secretscan.inference.verdict import p_secret

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "realcode" / "dev" / "files"
N_CTX = 8192


def common_prefix(token_lists: Sequence[list[int]]) -> int:
    first = token_lists[0]
    length = min(len(tokens) for tokens in token_lists) - 1  # every prompt keeps a token to evaluate
    return next((i for i in range(length) if any(tokens[i] != first[i] for tokens in token_lists)), length)


def one_call_each(judge: LlamaCppJudge, token_lists: Sequence[list[int]]) -> tuple[float, list[float]]:
    """Seconds and P(secret) of scoring the prompts one call each, as the judge does (its prefix cache warm)."""
    secret_id, safe_id = judge.label_ids()
    judge.runner.next_token_logits(token_lists[0])  # the system prompt in the cache, as after the first call
    started = time.perf_counter()
    scores = []
    for tokens in token_lists:
        logits = judge.runner.next_token_logits(tokens)
        scores.append(p_secret(logits[secret_id], logits[safe_id]))
    return time.perf_counter() - started, scores


def batched(
    judge: LlamaCppJudge, token_lists: Sequence[list[int]], group: int, threads: int
) -> tuple[float, list[float]]:
    """Seconds and P(secret) of scoring the prompts `group` at a time, one llama_decode per group."""
    llama = library()
    secret_id, safe_id = judge.label_ids()
    prefix = common_prefix(token_lists)
    params = llama.llama_context_default_params()
    params.n_ctx, params.n_batch, params.n_ubatch = N_CTX, N_CTX, N_CTX
    params.n_seq_max, params.kv_unified = group + 1, True
    params.n_threads = params.n_threads_batch = threads
    params.flash_attn_type = llama.LLAMA_FLASH_ATTN_TYPE_DISABLED  # as the judge: bit-identical cached scores
    params.no_perf = True
    runner = judge.runner
    ctx = llama.llama_init_from_model(runner._model, params)  # the judge's own weights, a second context
    if runner._adapter is not None:  # a LoRA applied at load time is set per context
        adapters = (llama.llama_adapter_lora_p_ctypes * 1)(runner._adapter)
        llama.llama_set_adapters_lora(ctx, adapters, 1, (ctypes.c_float * 1)(1.0))
    batch = llama.llama_batch_init(N_CTX, 0, 1)
    memory = llama.llama_get_memory(ctx)
    n_vocab = llama.llama_vocab_n_tokens(runner._vocab)

    def decode(entries: list[tuple[int, int, int, bool]]) -> None:
        batch.n_tokens = len(entries)
        for i, (token, position, sequence, wants_logits) in enumerate(entries):
            batch.token[i], batch.n_seq_id[i], batch.logits[i] = token, 1, wants_logits
            batch.pos[i] = position  # type: ignore[call-overload]
            batch.seq_id[i][0] = sequence
        if llama.llama_decode(ctx, batch) != 0:
            raise SystemExit("bench_batching: llama_decode failed")

    try:
        decode([(token, position, 0, False) for position, token in enumerate(token_lists[0][:prefix])])
        started = time.perf_counter()
        scores = []
        for first in range(0, len(token_lists), group):
            chunk = token_lists[first : first + group]
            entries, last_tokens = [], []
            for sequence, tokens in enumerate(chunk, start=1):
                llama.llama_memory_seq_rm(memory, sequence, -1, -1)
                llama.llama_memory_seq_cp(memory, 0, sequence, 0, prefix)
                rest = tokens[prefix:]
                entries += [(token, prefix + i, sequence, i == len(rest) - 1) for i, token in enumerate(rest)]
                last_tokens.append(len(entries) - 1)
            decode(entries)
            for index in last_tokens:  # llama_get_logits_ith takes the token's place in the batch
                row = llama.llama_get_logits_ith(ctx, index)
                logits = (ctypes.c_float * n_vocab).from_address(ctypes.addressof(row.contents))
                scores.append(p_secret(logits[secret_id], logits[safe_id]))
        return time.perf_counter() - started, scores
    finally:
        llama.llama_batch_free(batch)
        llama.llama_free(ctx)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=DEV)
    parser.add_argument("--group", type=int, nargs="+", default=[2, 4, 8, 16])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    # As bench_tree: scanned from the tree's parent (its config, if any), the tree named relative to it.
    prompts = llm_prompts([args.tree.name], args.tree.parent)
    judge = LlamaCppJudge(*llama_cpp_files(Config()), n_ctx=N_CTX, n_threads=args.threads)
    token_lists = [judge.prompt_tokens(prompt) for prompt in prompts]
    prefix = common_prefix(token_lists)
    evaluated = statistics.mean(len(tokens) - prefix for tokens in token_lists)
    print(f"{len(token_lists)} prompts from {args.tree}, {statistics.mean(map(len, token_lists)):.0f} tokens each, "
          f"{prefix} shared, {args.threads} threads")
    seconds, reference = one_call_each(judge, token_lists)
    print(f"  one call each:      {1000 * seconds / len(token_lists):6.1f} ms per prompt (the judge today)")
    print(f"  {'group':>6}  ms/prompt  vs one call each  max |dP|  (each group evaluates {evaluated:.0f} tokens "
          "a prompt after the shared system prompt)")
    for group in args.group:
        batch_seconds, scores = batched(judge, token_lists, group, args.threads)
        difference = max(abs(a - b) for a, b in zip(scores, reference, strict=True))
        print(f"  {group:>6}  {1000 * batch_seconds / len(token_lists):9.1f}  {seconds / batch_seconds:15.2f}x"
              f"  {difference:8.4f}")
    judge.close()


if __name__ == "__main__":
    main()

"""Learning from audits, measured: does a short fine-tune on audited false positives fix them, and at what cost?

1. A fixture repository with N false-positive-like findings, generated here: sandbox OAuth client secrets that a
   team knows are public (`client_secret_7 = "<32 random characters>"`), which the shipped judge calls secret.
2. Scan it with the shipped judge; mark every finding a false positive, as `secretscan audit` stores it.
3. `data import-audit` -> audit.jsonl; `data build` with the default mix cut to --replay examples plus the audit rows
   (`audits.repeat`), so the fine-tune keeps seeing what the judge already knows.
4. `adapter fold` the shipped adapter into the base, train a new LoRA on it (cpu-smollm2, --steps), `adapter stack`.
5. Before / after (shipped adapter / stacked adapter, both applied by llama.cpp at load time): the LLM's mean
   P(secret) on the audited findings, how many the full pipeline still reports, and the judge's F1 (labelled-only)
   on ../shared/realcode/dev and benchmarks/heldout.

    python benchmarks/audit_finetune.py --out runs/audit-finetune            # the real measurement
    python benchmarks/audit_finetune.py --out /tmp/af --smoke                 # every step, tiny settings

Writes <out>/report.json and prints a table. Nothing from ../shared/realcode is copied: the evals read it in place.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import subprocess
import sys
import time
from contextlib import chdir
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REALCODE_DEV = REPO.parent / "shared" / "realcode" / "dev"
HELDOUT = REPO / "benchmarks" / "heldout"


def _fixture(root: Path, count: int, seed: int) -> None:
    """`count` OAuth client-secret assignments over count // 5 files: the team's sandbox clients, public by design.

    Values the cheap scorer leaves to the LLM (a settled candidate never reaches the judge, so no fine-tune of
    the judge could change it): high-entropy strings under a secret-sounding name."""
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits
    per_file = 5
    for start in range(0, count, per_file):
        lines = []
        for index in range(start, min(start + per_file, count)):
            value = "".join(rng.choice(alphabet) for _ in range(32))
            lines.append(f'client_secret_{index} = "{value}"')
        path = root / f"sandbox_clients_{start // per_file}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Its own repository: inside this checkout, an ignored folder (runs/) would be skipped by the scan.
    for command in (["init", "-q"], ["add", "."], ["-c", "user.name=fixture", "-c", "user.email=f@example.com",
                                                   "commit", "-qm", "fixture"]):
        subprocess.run(["git", *command], cwd=root, check=True)


def _run(*args: str, cwd: Path = REPO) -> None:
    print("$", " ".join(args), flush=True)
    subprocess.run(args, cwd=cwd, check=True)


def _judge_scores(prompts: list[Any], lora: Path) -> list[float]:
    from secretscan.inference.llama_cpp import LlamaCppJudge
    from secretscan.inference.models import embedded_base_model

    return LlamaCppJudge(embedded_base_model(), lora).score(prompts)


def _eval_f1(corpus: Path, lora: Path, out: Path, limit: int | None) -> float | None:
    args = [sys.executable, "-m", "secretscan", "eval", "--corpus", str(corpus), "--mode", "judge", "--lora", str(lora),
            "--out", str(out)]
    if limit:
        args += ["--limit-examples", str(limit)]
    _run(*args)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    mode = next(m for m in report["modes"] if m["mode"] == "judge")
    return mode["metrics"]["labelled-only"]["f1"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--findings", type=int, default=50)
    parser.add_argument("--replay", type=int, default=1200, help="examples of the default data mix to train beside")
    parser.add_argument("--repeat", type=int, default=4, help="times each audit row enters the train split")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--cpu-threads", type=int, default=2)
    parser.add_argument("--limit-examples", type=int, help="evaluate on the first N examples of each corpus")
    parser.add_argument("--smoke", action="store_true", help="tiny settings: checks every step, measures nothing")
    args = parser.parse_args(argv)
    if args.smoke:
        args.findings, args.replay, args.steps, args.limit_examples = 5, 60, 1, args.limit_examples or 15

    from secretscan.api import scan_paths
    from secretscan.config import Config
    from secretscan.inference.factory import make_judge
    from secretscan.inference.models import shipped_adapter
    from secretscan.scanner.baseline import record_verdict
    from secretscan.scanner.prompt import build_prompt
    from secretscan.training.data.audits import import_audit
    from secretscan.training.data.build import build_dataset, write_jsonl
    from secretscan.training.data.config import AuditsConfig, load_data_config

    started = time.monotonic()
    out = args.out.resolve()
    fixture = out / "fixture"
    shipped = shipped_adapter()
    assert shipped is not None, "no shipped adapter"
    if not fixture.is_dir():
        _fixture(fixture, args.findings, seed=14)
    # 2. Scan with the shipped judge and mark every finding a false positive. Finding paths are relative to the
    # current directory, and the baseline's to the repository: scan from there. The data config's paths are
    # relative to this checkout, so the build below runs from it.
    config = Config(cache=False)
    baseline = out / "fixture-baseline.json"
    baseline.unlink(missing_ok=True)
    with chdir(fixture):
        before_scan = scan_paths(["."], config, make_judge(config, print))
        for finding in before_scan.findings:
            record_verdict(baseline, finding, "false-positive")
    print(f"fixture: {args.findings} planted, {len(before_scan.findings)} reported by the shipped judge", flush=True)
    if not before_scan.findings:
        raise SystemExit("the shipped judge reports none of the fixture's values: nothing to learn")

    # 3. Audit rows, and the data mix.
    imported = import_audit(baseline, fixture, context_lines=0)
    audit_file = out / "audit.jsonl"
    write_jsonl(audit_file, imported.rows)
    data_config = load_data_config(REPO / "configs" / "data" / "default.yaml")
    data_config = replace(data_config, examples=args.replay, audits=AuditsConfig((str(audit_file),), args.repeat))
    if args.smoke:
        data_config = replace(data_config, real=None)
    build_dataset(data_config, out / "data")

    # 4. Fold, train, stack.
    train_cli = [sys.executable, "-m", "secretscan.training.cli"]
    folded, run_dir, tuned = out / "folded", out / "run", out / "judge-lora-tuned.gguf"
    if not (folded / "config.json").is_file():
        _run(*train_cli, "adapter", "fold", str(shipped), "--profile", "cpu-smollm2", "--out", str(folded))
    overrides = {
        "output_dir": run_dir, "model.kind": "hf", "model.path": folded,
        "data.train": out / "data" / "train.jsonl", "data.validation": out / "data" / "val.jsonl",
        "training.max_steps": args.steps, "training.eval_steps": args.steps, "training.save_steps": args.steps,
        "training.early_stopping_patience": "null", "training.logging_steps": 1,
        "runtime.cpu_threads": args.cpu_threads,
    }
    _run(*train_cli, "train", "--profile", "cpu-smollm2", "--fresh",
         *(f"--set={key}={value}" for key, value in overrides.items()))
    _run(*train_cli, "adapter", "stack", str(shipped), str(run_dir), "--out", str(tuned))

    # 5. Before and after.
    prompts = [build_prompt(f.candidate, 0) for f in before_scan.findings]
    before_p, after_p = _judge_scores(prompts, shipped), _judge_scores(prompts, tuned)
    tuned_config = replace(config, lora=str(tuned))
    with chdir(fixture):
        after_scan = scan_paths(["."], tuned_config, make_judge(tuned_config, print))
    report: dict[str, Any] = {
        "settings": {k: str(v) for k, v in vars(args).items()},
        "threshold": config.threshold,
        "audited_false_positives": len(prompts),
        "mean_p_secret": {"before": sum(before_p) / len(before_p), "after": sum(after_p) / len(after_p)},
        "reported_by_pipeline": {"before": len(before_scan.findings), "after": len(after_scan.findings)},
        "f1": {},
    }
    for name, corpus in (("realcode/dev", REALCODE_DEV), ("heldout", HELDOUT)):
        if not corpus.is_dir():
            print(f"skipping {name}: {corpus} not found", flush=True)
            continue
        slug = name.replace("/", "-")
        report["f1"][name] = {
            "before": _eval_f1(corpus, shipped, out / f"eval-{slug}-before", args.limit_examples),
            "after": _eval_f1(corpus, tuned, out / f"eval-{slug}-after", args.limit_examples),
        }
    report["seconds"] = round(time.monotonic() - started, 1)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    mean = report["mean_p_secret"]
    print(f"\nmean P(secret) on {len(prompts)} audited false positives: {mean['before']:.3f} -> {mean['after']:.3f} "
          f"(threshold {config.threshold}); pipeline reports {len(before_scan.findings)} -> {len(after_scan.findings)}")
    for name, f1 in report["f1"].items():
        print(f"judge F1 {name}: {f1['before']} -> {f1['after']}")
    print(f"wrote {out / 'report.json'} in {report['seconds']}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

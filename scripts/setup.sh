#!/usr/bin/env bash
# Create .venv from the project's own files. Usage: scripts/setup.sh [extras]   (e.g. "dev,train,eval")
# llama-cpp-python compiles llama.cpp on first install (~5 min); pip caches the wheel afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [[ "$extras" == *train* ]]; then
  # The CPU build first: an unpinned torch (asked for by peft/trl/accelerate) would pull GBs of CUDA packages.
  .venv/bin/pip install -q "torch==2.13.0"
fi
if [ -n "$extras" ]; then
  .venv/bin/pip install -q -e ".[$extras]"
else
  .venv/bin/pip install -q -e .
fi

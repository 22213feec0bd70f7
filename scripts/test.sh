#!/usr/bin/env bash
# Set up .venv with every extra and run the whole test suite (this is the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "dev,train,eval"
exec .venv/bin/python -m pytest "$@"

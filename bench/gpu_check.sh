#!/usr/bin/env bash
# GPU readiness in one command on a machine with an NVIDIA GPU (run from the repository root):
#   bench/gpu_check.sh                 # tests on CUDA, bf16 vs fp32 Tagger throughput, 1-epoch training speed
#   bench/gpu_check.sh --dry-run --output /tmp/gpu.json    # CPU, tiny model, seconds: checks the script itself
# Writes bench/results/gpu_<gpu name>.json (see bench/gpu_check.py for the options).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
if [[ " $* " != *" --dry-run "* ]]; then
  if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "gpu_check: error: no NVIDIA GPU found (nvidia-smi missing or failing); use --dry-run on CPU" >&2
    exit 2
  fi
  nvidia-smi -L
fi
exec "$PY" bench/gpu_check.py "$@"

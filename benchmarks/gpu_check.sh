#!/usr/bin/env bash
# The GPU check, from a bare checkout on one 80 GB GPU in under 10 minutes: bf16 LoRA GRPO steps (16 episodes,
# 6 turns) and batched generation on a random model of MedGemma 4B's shape; prints step time, generation
# tokens/s and peak GPU memory (benchmarks/gpu_check.py says what it builds).
#
# No model weights are needed. Python packages the GPU machine's image lacks travel as wheels in .whl/ beside
# the checkout: fetch them once on a machine that reaches PyPI with `bash benchmarks/gpu_wheels.sh` (about
# 20 MB; the checkout and the wheels stay under 64 MiB), then run this script there.
#
#   bash benchmarks/gpu_check.sh [gpu_check.py's flags]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "gpu_check: no NVIDIA GPU on this machine; nothing was run"
    exit 0
fi
PYTHON="${PYTHON:-python3}"
SITE="${TMPDIR:-/tmp}/agentclinic-gpu-site"
if compgen -G ".whl/*.whl" >/dev/null; then
    "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" .whl/*.whl
    export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"
else
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
exec timeout 600 "$PYTHON" benchmarks/gpu_check.py "$@"

#!/usr/bin/env bash
# Check tinygrad_edu on a CUDA GPU, in one go. Run from anywhere, on a machine that has an
# NVIDIA GPU and CuPy (pip install cupy-cuda12x, or cupy-cuda13x for CUDA 13):
#
#     bash scripts/gpu_check.sh
#
# It installs the core and the CuPy plugin from this checkout (editable, without touching the
# network: NumPy, CuPy, pytest and hypothesis must already be there), then runs
#   1. python -m tinygrad_edu.backends numpy cupy    the backend table and its self-tests
#   2. pytest tests/test_gpu.py                       the op-spec table on cupy against NumPy
#   3. python -m tinygrad_edu.testing cupy            the conformance suite any plugin can run
#   4. python benchmarks/mlp_step.py --backend cupy   one training step, timed
# Every step runs even if an earlier one fails; the exit status is 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"

if ! "$PYTHON" -c "import cupy" 2>/dev/null; then
    echo "CuPy is not installed: pip install cupy-cuda12x (or cupy-cuda13x for CUDA 13)." >&2
    exit 1
fi
if ! "$PYTHON" -c "import cupy, sys; sys.exit(0 if cupy.cuda.is_available() else 1)"; then
    echo "CuPy is installed but sees no CUDA GPU (nvidia-smi shows what the driver sees)." >&2
    exit 1
fi

echo "== installing tinygrad-edu and tinygrad-edu-cupy from this checkout"
# --no-deps: nothing is downloaded; --no-build-isolation: the installed setuptools builds.
if ! "$PYTHON" -m pip install --quiet --no-deps --no-build-isolation -e . -e backends/cupy; then
    echo "pip install failed; the plugin's entry point is only visible once it is installed." >&2
    exit 1
fi

failed=()
step() {
    local name="$1"
    shift
    echo
    echo "== $name: $*"
    if ! "$@"; then
        failed+=("$name")
    fi
}

step "backend table" "$PYTHON" -m tinygrad_edu.backends numpy cupy
step "GPU tests" "$PYTHON" -m pytest tests/test_gpu.py -q -rs -p no:cacheprovider
step "conformance suite" "$PYTHON" -m tinygrad_edu.testing cupy
step "benchmark" "$PYTHON" benchmarks/mlp_step.py --backend cupy

echo
if [ ${#failed[@]} -ne 0 ]; then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
echo "All GPU checks passed."

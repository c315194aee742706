#!/usr/bin/env bash
# Check tinygrad_edu on a CUDA GPU, in one go. Run from anywhere, on a machine that has an
# NVIDIA GPU and CuPy (pip install cupy-cuda12x, or cupy-cuda13x for CUDA 13):
#
#     bash scripts/gpu_check.sh
#     bash scripts/gpu_check.sh --list-only   # only the backend table; needs no GPU or CuPy
#
# Nothing is built or installed, so nothing is downloaded: NumPy, CuPy, pytest and hypothesis
# must already be there. The core and the CuPy plugin run from this checkout (on PYTHONPATH).
# If the plugin's entry point is not installed, a temporary folder holds the minimal metadata
# that lets importlib.metadata find it. Then it runs
#   1. python -m tinygrad_edu.backends numpy cupy    the backend table and its self-tests
#   2. pytest tests/test_gpu.py                       the op-spec table on cupy against NumPy
#   3. python -m tinygrad_edu.testing cupy            the conformance suite any plugin can run
#   4. python benchmarks/mlp_step.py --backend cupy   one training step, timed
#   5. python -m tinygrad_edu train --backend cupy     the main job on the GPU: the MLP, then
#                                                     the CNN, on the shipped MNIST sample
#      (these need tqdm and safetensors, the core's dependencies, besides NumPy and CuPy)
#   6. python scripts/gpu_train_bench.py              that MLP step at batch 32 to 4096 on the
#      CPU and the GPU (and PyTorch, if installed), written with the machine's description to
#      docs/data/mlp-train-step-gpu.json (or $GPU_TRAIN_BENCH_OUT) for the training chapter
#   7. pytest tests/test_jit.py -k cupy               tg.jit's replay as a CUDA graph (written
#      without a GPU: this is its first check on hardware)
# Every step runs even if an earlier one fails; the exit status is 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"

list_only=0
case "${1:-}" in
    "") ;;
    --list-only) list_only=1 ;;
    *)
        echo "usage: bash scripts/gpu_check.sh [--list-only]" >&2
        exit 2
        ;;
esac

# The checkout first, so that its code runs even where another copy is installed.
export PYTHONPATH="$PWD:$PWD/backends/cupy${PYTHONPATH:+:$PYTHONPATH}"

has_entry_point='
import importlib.metadata, sys
import tinygrad_edu_cupy
found = importlib.metadata.entry_points(group="tinygrad_edu.backends")
sys.exit(0 if any(ep.name == "cupy" for ep in found) else 1)
'
if "$PYTHON" -c "$has_entry_point" 2>/dev/null; then
    echo "== the CuPy plugin's entry point is installed; the code runs from this checkout"
else
    if ! version="$("$PYTHON" -c "import tinygrad_edu_cupy; print(tinygrad_edu_cupy.__version__)")"
    then
        echo "Cannot import tinygrad_edu_cupy from $PWD/backends/cupy (is NumPy installed?)." >&2
        exit 1
    fi
    metadata="$(mktemp -d)"
    trap 'rm -rf "$metadata"' EXIT
    # What pip would write, reduced to what entry-point discovery reads. It must say the same
    # as [project.entry-points."tinygrad_edu.backends"] in backends/cupy/pyproject.toml.
    info="$metadata/tinygrad_edu_cupy-$version.dist-info"
    mkdir "$info"
    printf 'Metadata-Version: 2.1\nName: tinygrad-edu-cupy\nVersion: %s\n' "$version" \
        >"$info/METADATA"
    printf '[tinygrad_edu.backends]\ncupy = tinygrad_edu_cupy:make_backend\n' \
        >"$info/entry_points.txt"
    export PYTHONPATH="$PYTHONPATH:$metadata"
    echo "== the CuPy plugin runs from this checkout, found through metadata in $metadata"
fi

if [ "$list_only" -eq 1 ]; then
    "$PYTHON" -m tinygrad_edu.backends
    exit $?
fi

if ! "$PYTHON" -c "import cupy" 2>/dev/null; then
    echo "CuPy is not installed: pip install cupy-cuda12x (for CUDA 13: pip install cupy-cuda13x)" >&2
    exit 1
fi
if ! "$PYTHON" -c "import cupy, sys; sys.exit(0 if cupy.cuda.is_available() else 1)"; then
    echo "CuPy is installed but sees no CUDA GPU (nvidia-smi shows what the driver sees)." >&2
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
runs="$(mktemp -d)"
step "train the MLP on the GPU" "$PYTHON" -m tinygrad_edu train --backend cupy --quiet \
    --epochs "${GPU_CHECK_EPOCHS:-3}" --out "$runs/mlp"
step "train the CNN on the GPU" "$PYTHON" -m tinygrad_edu train --model cnn --backend cupy \
    --quiet --epochs "${GPU_CHECK_EPOCHS:-3}" --out "$runs/cnn"
rm -rf "$runs"
# The training chapter's table ("Train it on a GPU"): the command's MLP step on the CPU and the
# GPU at several batch sizes, saved with this machine's description for docs/data/.
step "MLP step by batch size, CPU and GPU" "$PYTHON" scripts/gpu_train_bench.py \
    --out "${GPU_TRAIN_BENCH_OUT:-docs/data/mlp-train-step-gpu.json}"
step "tg.jit replayed as a CUDA graph" "$PYTHON" -m pytest tests/test_jit.py -k cupy -q -rs \
    -p no:cacheprovider

echo
if [ ${#failed[@]} -ne 0 ]; then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
echo "All GPU checks passed."

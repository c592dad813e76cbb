#!/usr/bin/env bash
# Idempotent install of mmkd and its pinned OpenMMLab stack into ./.venv.
# A finished install leaves a stamp keyed on the requirement files; a rerun with the same files is instant.
# The mmcv 2.1.0 wheel (compiled CPU ops) is built once and cached in ${MMKD_CACHE:-~/.cache/mmkd}/wheels.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MMKD_VENV:-$ROOT/.venv}
CACHE=${MMKD_CACHE:-$HOME/.cache/mmkd}
WHEELS=$CACHE/wheels
MMCV_VERSION=2.1.0
PY=$VENV/bin/python
STAMP=$VENV/.mmkd-install-stamp
step() { printf '\n[mmkd install %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
# An apt-get command, quiet; if it fails, refresh the package lists (root only) and try once more.
apt_quiet() { "$@" >/dev/null 2>&1 || { [[ $(id -u) == 0 ]] && apt-get update -q >/dev/null 2>&1 && "$@" >/dev/null 2>&1; }; }

want=$(cat "$ROOT"/requirements/*.txt "$ROOT/setup.py" "$0" | sha256sum | cut -d' ' -f1)
if [[ -f $STAMP && $(cat "$STAMP") == "$want" && -x $PY ]]; then
  echo "[mmkd install] up to date ($VENV)"; exit 0
fi

if [[ ! -x $PY ]]; then
  step "1/8 creating virtual environment $VENV"
  python3 -m venv "$VENV"
fi
PIP=("$PY" -m pip --disable-pip-version-check)

step "2/8 torch + torchvision (requirements/torch.txt)"
"${PIP[@]}" install --progress-bar on -r "$ROOT/requirements/torch.txt"

step "3/8 build tools (requirements/build.txt)"
"${PIP[@]}" install -q -r "$ROOT/requirements/build.txt"

mmcv_whl=$(ls "$WHEELS"/mmcv-$MMCV_VERSION-*.whl 2>/dev/null | head -n1 || true)
if [[ -z $mmcv_whl ]]; then
  step "4/8 building mmcv $MMCV_VERSION with compiled CPU ops (once, ~11 min on 2 cores; cached in $WHEELS)"
  mkdir -p "$WHEELS"
  build=$(mktemp -d)
  trap 'rm -rf "$build"' EXIT
  "${PIP[@]}" download -q --no-deps --no-binary :all: "mmcv==$MMCV_VERSION" -d "$build"
  tar -xzf "$build"/mmcv-$MMCV_VERSION.tar.gz -C "$build"
  # torch >= 2.6 headers need C++20; mmcv 2.1.0 hard-codes -std=c++17.
  sed -i 's/-std=c++14/-std=c++20/g; s/-std=c++17/-std=c++20/g' "$build/mmcv-$MMCV_VERSION/setup.py"
  (cd "$build/mmcv-$MMCV_VERSION" && MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=${MAX_JOBS:-2} \
     "${PIP[@]}" wheel --no-build-isolation --no-deps -w "$build/out" . )
  # Move atomically so an interrupted build never leaves a half-written wheel in the cache.
  whl=$(ls "$build"/out/mmcv-*.whl)
  cp "$whl" "$WHEELS/.tmp-$(basename "$whl")" && mv "$WHEELS/.tmp-$(basename "$whl")" "$WHEELS/$(basename "$whl")"
  mmcv_whl=$WHEELS/$(basename "$whl")
else
  step "4/8 mmcv $MMCV_VERSION: using cached wheel $mmcv_whl"
fi
"${PIP[@]}" install -q --no-deps "$mmcv_whl"

step "5/8 OpenMMLab stack, lightly, test tools (requirements/runtime.txt, tests.txt)"
"${PIP[@]}" install -q -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/tests.txt" \
  addict packaging pyyaml yapf
"${PIP[@]}" install -q --no-deps --no-build-isolation -e "$ROOT"

step "6/8 Fashion-MNIST (Debian package dataset-fashion-mnist, optional)"
if [[ -d /usr/share/datasets/fashion-mnist ]]; then
  echo "found /usr/share/datasets/fashion-mnist"
elif command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
  apt_quiet apt-get install -y -q dataset-fashion-mnist \
   && echo "installed dataset-fashion-mnist" \
   || echo "WARNING: could not install dataset-fashion-mnist; the demo needs it, the tests do not"
else
  echo "WARNING: /usr/share/datasets/fashion-mnist missing and apt-get unavailable; the demo needs it"
fi

step "7/8 jemalloc (Debian libjemalloc2, optional: faster CPU training, see mmkd/utils/allocator.py)"
JEMALLOC=$VENV/lib/mmkd/libjemalloc.so.2
if [[ -f $JEMALLOC ]]; then
  echo "found $JEMALLOC"
elif command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then
  deb=$(mktemp -d)
  if (cd "$deb" && apt_quiet apt-get download -q libjemalloc2); then
    dpkg-deb -x "$deb"/libjemalloc2_*.deb "$deb/x"
    mkdir -p "$(dirname "$JEMALLOC")"
    cp "$(find "$deb/x" -name libjemalloc.so.2 | head -n1)" "$JEMALLOC.tmp" && mv "$JEMALLOC.tmp" "$JEMALLOC"
    echo "installed $JEMALLOC"
  else
    echo "WARNING: could not download libjemalloc2; tools run on the system malloc (slower on CPU)"
  fi
  rm -rf "$deb"
else
  echo "WARNING: apt-get unavailable; tools run on the system malloc (slower on CPU)"
fi

step "8/8 verifying imports"
"$PY" - <<'PY'
import mmcv, mmcv.ops, mmengine, mmdet, mmseg, mmpretrain, lightly, torch, mmkd
from mmcv.ops import nms, RoIAlign  # compiled ops
print(f'torch {torch.__version__} | mmengine {mmengine.__version__} | mmcv {mmcv.__version__} (ops ok) | '
      f'mmdet {mmdet.__version__} | mmseg {mmseg.__version__} | mmpretrain {mmpretrain.__version__} | '
      f'lightly {lightly.__version__} | mmkd {mmkd.__version__}')
PY
echo "$want" > "$STAMP"
echo "[mmkd install] done: $VENV"

#!/usr/bin/env bash
# Build the one-folder desktop app with PyInstaller and smoke-start it offscreen.
#
#     packaging/build.sh            -> build/dist/bpstudio/bpstudio (+ _internal/)
#
# PyInstaller is a build tool, not a dependency of bpstudio: this script installs it
# when it is missing. The smoke test runs the bundle (not the source tree) in an empty
# folder with its own settings: the example list, one epoch of training with weights
# saved, an ONNX export, the gradient check, and the GUI opened offscreen and closed
# again after 3 s (BPSTUDIO_QUIT_AFTER_MS). It prints the bundle's size and the times.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"

"$PY" -c "import PyInstaller" 2>/dev/null || "$PY" -m pip install --quiet pyinstaller
"$PY" packaging/make_icons.py >/dev/null

t0=$(date +%s)
"$PY" -m PyInstaller --noconfirm --log-level WARN \
    --distpath build/dist --workpath build/pyinstaller packaging/bpstudio.spec
t1=$(date +%s)
DIST="$ROOT/build/dist/bpstudio"
APP="$DIST/bpstudio"
echo "built $APP in $((t1 - t0)) s; size $(du -sh "$DIST" | cut -f1)"

# --------------------------------------------------------------------- smoke test
SMOKE="$(mktemp -d)"
trap 'rm -rf "$SMOKE"' EXIT
export QT_QPA_PLATFORM=offscreen HOME="$SMOKE/home" XDG_CONFIG_HOME="$SMOKE/config"
export XDG_DATA_HOME="$SMOKE/data" XDG_RUNTIME_DIR="$SMOKE/run"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
cd "$SMOKE"
EXAMPLE="$DIST/_internal/bpstudio/resources/examples/iris.bpstudio"
step() { printf '%-44s' "smoke: $1"; }

step "bpstudio examples"
"$APP" examples > examples.txt && grep -q '^spiral' examples.txt && echo "ok ($(wc -l < examples.txt) examples)"

step "bpstudio train --epochs 1 (spiral)"
"$APP" train --epochs 1 --quiet --save-weights w.safetensors > train.json
"$PY" -c "import json; m = json.loads(open('train.json').read().splitlines()[-1]); \
assert m['epochs'] == 1, m; print('ok', m)"

step "bpstudio train iris + export onnx"
"$APP" train "$EXAMPLE" --epochs 5 --quiet --save-weights iris.npz > /dev/null
"$APP" export "$EXAMPLE" --weights iris.npz --format onnx --out iris.onnx > /dev/null 2>&1
test -s iris.onnx && echo "ok ($(stat -c %s iris.onnx) bytes)"

step "bpstudio gradcheck"
"$APP" gradcheck > gradcheck.txt && tail -1 gradcheck.txt

step "GUI opens offscreen and quits"
t2=$(date +%s.%N)
BPSTUDIO_QUIT_AFTER_MS=3000 timeout 120 "$APP" > gui.txt 2>&1 || {
    echo "FAILED (exit $?)"; cat gui.txt; exit 1; }
t3=$(date +%s.%N)
grep -q "bpstudio" gui.txt && echo "ok: $(grep shown: gui.txt) ($(printf '%.1f' "$(echo "$t3 - $t2" | bc)") s incl. 3 s shown)"

step "GUI trains in the training process"
# the app starts 20 batches at once when smoke-started: the bundle's second process
# (multiprocessing's spawn through freeze_support) must come up and train them
grep -q "trained: 20 steps in the training process" gui.txt || {
    echo "FAILED"; cat gui.txt; exit 1; }
echo "ok: $(grep trained: gui.txt)"
echo "smoke test passed"

#!/usr/bin/env bash
# `make demo`: build and install the collection, start the simulator, then audit (check mode + diff),
# apply, and apply again to show that nothing changes the second time. Stops the simulator on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
BUILD=.build

rm -rf "$BUILD/dist" "$BUILD/demo-collections"
export ANSIBLE_COLLECTIONS_PATH="$PWD/$BUILD/demo-collections"
"$BIN/ansible-galaxy" collection build --force --output-path "$BUILD/dist" . > /dev/null
"$BIN/ansible-galaxy" collection install --force -p "$BUILD/demo-collections" "$BUILD"/dist/telphin-pbx-*.tar.gz > /dev/null
echo "== installed $(ls "$BUILD"/dist/) into $BUILD/demo-collections"

rm -f "$BUILD/demo.port"
PYTHONPATH=tests/simulator "$BIN/python" -m pbxsim serve --port 0 --port-file "$BUILD/demo.port" > "$BUILD/demo-simulator.log" 2>&1 &
SIM_PID=$!
trap 'kill $SIM_PID 2>/dev/null; wait $SIM_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$BUILD/demo.port" ] && break; sleep 0.1; done
[ -s "$BUILD/demo.port" ] || { echo "the simulator did not start:"; cat "$BUILD/demo-simulator.log"; exit 1; }

TELPHIN_API_URL="http://127.0.0.1:$(cat "$BUILD/demo.port")"
export TELPHIN_API_URL
export TELPHIN_APP_ID=demo-app TELPHIN_APP_SECRET=demo-secret
export ANSIBLE_PYTHON_INTERPRETER="$PWD/$BIN/python"
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-1}"
echo "== simulator on $TELPHIN_API_URL (seed tests/simulator/seeds/demo.yml)"

echo; echo "== 1. audit: check mode with --diff (reports drift, changes nothing)"
"$BIN/ansible-playbook" examples/demo.yml --check --diff
echo; echo "== 2. apply with --diff"
"$BIN/ansible-playbook" examples/demo.yml --diff
echo; echo "== 3. apply again: idempotent, nothing changes"
"$BIN/ansible-playbook" examples/demo.yml

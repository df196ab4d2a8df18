#!/usr/bin/env bash
# `make demo`: build and install the collection, start the API simulator, then run the collection's
# playbooks as a user (or an AWX job template) would: audit the demo account against the profiles of
# examples/profiles.yml (report shown), apply them, audit again (clean), export the account as profiles
# (file shown), and audit three accounts in one run. Stops the simulators on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# ansible-core 2.19 with cryptography 46 warns of DSA at every start, which no one here caused.
export PYTHONWARNINGS="ignore:DSA is deprecated"
BUILD=.build
OUT=$BUILD/demo

rm -rf "$BUILD/dist" "$BUILD/demo-collections" "$OUT"
mkdir -p "$OUT"
export ANSIBLE_COLLECTIONS_PATH="$PWD/$BUILD/demo-collections"
"$BIN/ansible-galaxy" collection build --force --output-path "$BUILD/dist" . > /dev/null
"$BIN/ansible-galaxy" collection install --force -p "$BUILD/demo-collections" "$BUILD"/dist/telphin-pbx-*.tar.gz > /dev/null
echo "== installed $(ls "$BUILD"/dist/) into $BUILD/demo-collections"

PIDS=()
stop_simulators() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; done
}
trap stop_simulators EXIT

# start_simulator NAME SEED: serve SEED on a free port; its URL is then in $BUILD/demo-NAME.url.
start_simulator() {
  local port_file="$BUILD/demo-$1.port"
  rm -f "$port_file"
  PYTHONPATH=tests/simulator "$BIN/python" -m pbxsim serve --seed "$2" --port 0 --port-file "$port_file" \
    > "$BUILD/demo-$1-simulator.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.1; done
  [ -s "$port_file" ] || { echo "the simulator did not start:"; cat "$BUILD/demo-$1-simulator.log"; exit 1; }
  echo "http://127.0.0.1:$(cat "$port_file")" > "$BUILD/demo-$1.url"
}
start_simulator demo tests/simulator/seeds/demo.yml
start_simulator accounts tests/simulator/seeds/accounts.yml

TELPHIN_API_URL=$(cat "$BUILD/demo-demo.url")
export TELPHIN_API_URL
export TELPHIN_APP_ID=demo-app TELPHIN_APP_SECRET=demo-secret
export ANSIBLE_PYTHON_INTERPRETER="$PWD/$BIN/python"
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-1}"
# Every run publishes its summary for AWX (set_stats: the job's artifacts); its last task says it in one line,
# so the demo does not print the custom stats too (ANSIBLE_SHOW_CUSTOM_STATS=true would, as one long line).
echo "== simulator on $TELPHIN_API_URL (seed tests/simulator/seeds/demo.yml), reports in $OUT"

PROFILES=(-e @examples/profiles.yml -e "phone_profiles_report_dir=$OUT")

echo; echo "== 1. audit: ansible-playbook telphin.pbx.audit --check -e @examples/profiles.yml (changes nothing)"
"$BIN/ansible-playbook" telphin.pbx.audit --check "${PROFILES[@]}"
echo; echo "== the report: $OUT/phone_profiles_report.md"
cat "$OUT/phone_profiles_report.md"

echo; echo "== 2. apply: ansible-playbook telphin.pbx.apply --diff -e @examples/profiles.yml"
"$BIN/ansible-playbook" telphin.pbx.apply --diff "${PROFILES[@]}"

echo; echo "== 3. audit again: nothing drifts"
"$BIN/ansible-playbook" telphin.pbx.audit --check "${PROFILES[@]}"

echo; echo "== 4. export the account as code: ansible-playbook telphin.pbx.export"
"$BIN/ansible-playbook" telphin.pbx.export -e "phone_profiles_report_dir=$OUT"
echo; echo "== the export: $OUT/phone_profiles_export.yml (telphin.pbx.apply -e @ it changes nothing)"
cat "$OUT/phone_profiles_export.yml"

echo; echo "== 5. three accounts in one run: an inventory whose hosts are accounts, each with its own credentials"
echo "   ansible-playbook telphin.pbx.audit --check -i examples/accounts/inventory.yml -e telphin_accounts=pbx_accounts"
TELPHIN_API_URL=$(cat "$BUILD/demo-accounts.url") env -u TELPHIN_APP_ID -u TELPHIN_APP_SECRET \
  "$BIN/ansible-playbook" telphin.pbx.audit --check -i examples/accounts/inventory.yml \
  -e telphin_accounts=pbx_accounts -e @examples/accounts/profiles.yml -e "phone_profiles_report_dir=$OUT/accounts"
echo; echo "== a report per account:"
ls "$OUT"/accounts/*/phone_profiles_report.md

# The same audit on a real account: what to run next (README, "A first audit of your account, in five steps").
echo; echo "== your own account: the same audit, read-only (create a trusted application with access level All first)"
echo "   ansible-galaxy collection install $(ls "$BUILD"/dist/telphin-pbx-*.tar.gz)"
echo "   export TELPHIN_APP_ID=<the application's id> TELPHIN_APP_SECRET=<its secret>"
echo "   ansible-playbook telphin.pbx.audit --check -e @examples/profiles.yml -e phone_profiles_report_dir=reports"

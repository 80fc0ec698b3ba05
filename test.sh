#!/usr/bin/env bash
# Runs the test suites of the three systems and prints one closing line "N passed, N failed, N skipped".
#   ./test.sh                 default tier: unit and Integration tests (no Slow, no Stress)
#   ./test.sh --all           every tier
#   ./test.sh --only derecho  one system's suite (derecho, serval or popcorn); may be repeated
#   ./test.sh -- ARGS         hands ARGS to the test runner (e.g. -- --filter-method "*Simulation*")
# Exits non-zero when a test fails, a suite crashes or overruns its budget, or no test ran.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

all=0
systems=()
runner_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --all) all=1 ;;
    --only) shift; systems+=("$1") ;;
    --) shift; runner_args=("$@"); break ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown argument '$1' (see ./test.sh --help)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#systems[@]} -gt 0 ] || systems=(derecho serval popcorn)

./setup.sh || exit 1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Each system's suite gets its own time budget, so that one hung suite cannot eat CI's 90 minutes.
budget=${TEST_BUDGET_SECONDS:-540}
[ $all -eq 1 ] && budget=${TEST_BUDGET_SECONDS:-7200}
filters=()
[ $all -eq 1 ] || filters=(--filter-not-trait "Category=Slow" --filter-not-trait "Category=Stress")

passed=0; failed=0; skipped=0; status=0
logs=$(mktemp -d)
for system in "${systems[@]}"; do
  project=$(ls -d "$system"/tests/*.Tests 2>/dev/null | head -n 1)
  if [ -z "$project" ]; then
    echo "test.sh: no test project under $system/tests" >&2; status=1; continue
  fi
  log="$logs/$system.log"
  echo "== $system: $project (budget ${budget}s)"
  start=$(date +%s)
  timeout --kill-after=30 "$budget" dotnet test --project "$project" -c Release --no-build \
    --minimum-expected-tests 1 "${filters[@]}" "${runner_args[@]}" >"$log" 2>&1
  code=$?
  # Orphans the suite left behind (a crashed test host cannot kill its children) go now.
  pkill -KILL -P 1 -f "$PWD/artifacts/bin/" 2>/dev/null || true
  seconds=$(( $(date +%s) - start ))
  # Each failure with its message (up to 30 lines of it) and the first line of its stack, so that CI's log tells why.
  awk '/^failed /{show=1; n=0} show && n<30 {print; n++} show && /^    at /{show=0}' "$log" | head -n 400
  t=$(grep -E "^  total: " "$log" | tail -n 1 | awk '{print $2}')
  f=$(grep -E "^  failed: " "$log" | tail -n 1 | awk '{print $2}')
  s=$(grep -E "^  succeeded: " "$log" | tail -n 1 | awk '{print $2}')
  k=$(grep -E "^  skipped: " "$log" | tail -n 1 | awk '{print $2}')
  if [ $code -eq 124 ] || [ $code -eq 137 ]; then
    echo "== $system: overran its budget of ${budget}s; the tail of its log:" >&2
    tail -n 40 "$log" >&2
    failed=$((failed + 1)); status=1; continue
  fi
  if [ -z "$t" ]; then
    echo "== $system: the test run ended without a summary (exit $code); the tail of its log:" >&2
    tail -n 40 "$log" >&2
    failed=$((failed + 1)); status=1; continue
  fi
  passed=$((passed + s)); failed=$((failed + f)); skipped=$((skipped + k))
  echo "== $system: $s passed, $f failed, $k skipped in ${seconds}s"
  [ $code -eq 0 ] || status=1
done
rm -rf "$logs"

[ $((passed + failed)) -gt 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status

#!/usr/bin/env bash
# The test suite under AddressSanitizer, UBSan and LeakSanitizer (README, "Sanitizer runs"):
# builds the `asan` preset in build-asan/, runs every unit-test binary there, and drives every
# integration suite of build/ against the sanitized server, then tests/fuzz/fuzz.py against it.
# Exit 1 when a test fails, the fuzzer finds something, or any sanitizer reports. Slow (the sanitized tree takes about half an hour to build on 2 cores):
# for a nightly run, not for `make test`.
#
#   scripts/sanitize.sh [REGEX]   # only the test binaries (or "fuzz") whose names match REGEX
set -uo pipefail
cd "$(dirname "$0")/.."
filter="${1:-.}"
reports="$(mktemp -d /tmp/easel-sanitize.XXXXXX)"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan-suppressions.txt"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$reports/ub"

test -f build-asan/CMakeCache.txt || cmake --preset asan >/dev/null || exit 1
test -f build/CMakeCache.txt || cmake --preset default >/dev/null || exit 1
cmake --build --preset asan || exit 1
cmake --build --preset default || exit 1

# An integration test binary, with its arguments, against the sanitized server.
against_sanitized() {
  EASEL_BINARY="$PWD/build-asan/easel" ASAN_OPTIONS="handle_segv=0:log_path=$reports/server" "$@"
}

failed=()
for t in build-asan/src/*/easel_*_test; do
  name="$(basename "$t")"
  [[ "$name" =~ $filter ]] || continue
  echo "== $name (sanitized)"
  (cd "$(dirname "$t")" && ASAN_OPTIONS="log_path=$reports/$name" "./$name" >"$reports/$name.out" 2>&1) ||
    failed+=("$name")
done
for t in build/tests/integration/easel_*_test; do
  name="$(basename "$t")"
  [[ "$name" =~ $filter ]] || continue
  echo "== $name (against build-asan/easel)"
  against_sanitized "$t" >"$reports/$name.out" 2>&1 && continue
  # The sanitized server is a Debug build several times slower than Release: a test that waits
  # for a moment in a job's life can miss it. Failed tests get one more run; what fails twice
  # fails the script, and a sanitizer report always does.
  tests=$(sed -nE 's/^\[  FAILED  \] ([A-Za-z0-9_/.]+) \(.*/\1/p' "$reports/$name.out" | paste -sd:)
  if [[ -n "$tests" ]] &&
    against_sanitized "$t" --gtest_filter="$tests" >"$reports/$name.retry.out" 2>&1; then
    echo "   passed on a second run: $tests"
  else
    failed+=("$name")
  fi
done

# Damaged requests of every kind against the sanitized server, a minute per target.
if [[ fuzz =~ $filter ]]; then
  echo "== tests/fuzz/fuzz.py (against build-asan/easel)"
  tests/fuzz/fuzz.py --easel build-asan/easel --seconds 60 >"$reports/fuzz.out" 2>&1 ||
    failed+=(fuzz)
fi

# LeakSanitizer writes its suppression statistics to the log too: only errors count.
found=$(grep -l -E 'ERROR: |runtime error' -r "$reports" --exclude='*.out' | sort)
for f in $found; do
  echo "== sanitizer report $f"
  head -40 "$f"
done
echo "outputs and reports: $reports"
if ((${#failed[@]} > 0)) || [[ -n "$found" ]]; then
  echo "FAILED: ${failed[*]:-} ${found:+(sanitizer reports above)}"
  exit 1
fi
echo "no test failed and no sanitizer reported"

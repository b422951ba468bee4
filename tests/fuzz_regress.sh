#!/usr/bin/env bash
# tests/fuzz_regress.sh - replays every fuzz target's checked-in corpus
# (fuzz/corpus/TARGET, a minimised corpus from the long libFuzzer runs) and
# every input that ever crashed it (fuzz/regress/TARGET) through the target
# built as an ordinary program (fuzz/replay.c): with the sanitizer build
# under ASan + UBSan, with SM_VALGRIND under valgrind.  The targets check
# properties (split invariance, round trips, valid JSON), not only crashes.
set -euo pipefail
src=${top_srcdir:-$(dirname "$0")/..}
bld=${top_builddir:-.}
fail=0
for t in deframe security axdr notification hexin pipeline roundtrip p1 layout sml tic; do
    dirs=()
    [ -d "$src/fuzz/corpus/$t" ] && dirs+=("$src/fuzz/corpus/$t")
    [ -d "$src/fuzz/regress/$t" ] && dirs+=("$src/fuzz/regress/$t")
    if [ ${#dirs[@]} -eq 0 ]; then
        echo "FAIL $t: no corpus in fuzz/corpus/$t"
        fail=1
        continue
    fi
    # shellcheck disable=SC2086
    if out=$(${SM_VALGRIND:-} "$bld/fuzz/replay_$t" "${dirs[@]}" 2>&1); then
        echo "ok   $t: ${out##*replay: }"
    else
        echo "$out" | tail -30
        echo "FAIL $t"
        fail=1
    fi
done
exit $fail

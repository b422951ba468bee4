#!/usr/bin/env bash
# fuzz/run.sh - build the libFuzzer targets with clang, ASan and UBSan, make
# seed corpora from the fixtures and run every target (`make fuzz`).
#
#   fuzz/run.sh SRCDIR BUILDDIR [TARGET...]
#
# Environment: FUZZ_SECONDS per target (default 60), FUZZ_JOBS targets run
# at once (default 1), CC (default clang), FUZZ_DIR (default
# BUILDDIR/fuzz-work).  The corpora grow in FUZZ_DIR/corpus/TARGET (seeded
# from the fixtures and from the checked-in fuzz/corpus/TARGET); crashing
# inputs of this run land in FUZZ_DIR/crashes/TARGET.  Prints, per target: executions,
# executions per second, coverage (edges), features, corpus size and
# findings.  Exit 1 when any target found a crash, a leak or a violated
# property; add such an input to fuzz/regress/TARGET once fixed, so that
# `make check` replays it from then on.
set -euo pipefail
src=$(cd "$1" && pwd)
bld=$(cd "$2" && pwd)
shift 2
ALL="deframe security axdr notification hexin pipeline roundtrip p1 layout sml tic"
targets=${*:-$ALL}
SECS=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
CC=${CC_FUZZ:-clang}
W=${FUZZ_DIR:-$bld/fuzz-work}
mkdir -p "$W/bin" "$W/corpus" "$W/crashes" "$W/logs"

command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (scripts/deps.sh installs clang)" >&2; exit 2; }
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-g -O1 -std=gnu11 -fno-omit-frame-pointer -I$bld -I$src/shared -I$src/decode-tool
 -I$src/sim -I$src/fuzz -I$src/tests"
NETTLE=$(pkg-config --cflags --libs nettle)
JSONC=$(pkg-config --cflags --libs json-c)
O=$W/obj
mkdir -p "$O"

# the project's sources, compiled once with coverage instrumentation; each
# target links the objects it needs
obj() { # source... -> object paths
    local f
    for f in "$@"; do echo "$O/$(basename "$(dirname "$f")")-$(basename "$f" .c).o"; done
}
# the core (libsmcore): shared/
CORE_SRC="$(ls "$src"/shared/*.c)
 $bld/sm_layouts_builtin.c"
RENDER_SRC="$src/decode-tool/smd_out.c $src/decode-tool/smd_hexin.c $src/decode-tool/smd_text.c
 $src/decode-tool/smd_render.c
 $(ls "$src"/decode-tool/render_*.c)"
BUILD_SRC="$src/sim/sm_build.c"
GEN_SRC="$src/sim/sm_gen.c $src/tests/roundtrip.c"
extra() {
    case $1 in
    security) obj $BUILD_SRC ;;
    hexin) obj "$src/decode-tool/smd_hexin.c" ;;
    pipeline | p1 | sml | tic) obj $BUILD_SRC $RENDER_SRC ;;
    roundtrip) obj $GEN_SRC $RENDER_SRC ;;
    esac
}

echo "fuzz: building with $($CC --version | head -1)"
for f in $CORE_SRC $RENDER_SRC $BUILD_SRC $GEN_SRC; do
    # shellcheck disable=SC2086
    $CC $CFLAGS $SAN -fsanitize=fuzzer-no-link $(pkg-config --cflags nettle json-c) -c "$f" -o "$(obj "$f")"
done
for t in $targets; do
    # shellcheck disable=SC2086
    $CC $CFLAGS $SAN -fsanitize=fuzzer -o "$W/bin/fuzz_$t" "$src/fuzz/fuzz_$t.c" $(obj $CORE_SRC) \
        $(extra "$t") $(case $t in pipeline | roundtrip | p1 | sml | tic) echo "$JSONC" ;; esac) $NETTLE -lm
done
# the seed maker: an ordinary build (no fuzzer runtime)
# shellcheck disable=SC2086
$CC -g -O1 -std=gnu11 -I"$bld" -I"$src/shared" -I"$src/decode-tool" -o "$W/bin/mkseeds" \
    "$src/fuzz/mkseeds.c" $CORE_SRC "$src/decode-tool/smd_hexin.c" $NETTLE -lm
rm -rf "$W/seeds"
"$W/bin/mkseeds" "$W/seeds" $(ls "$src"/fixtures/*/*.hex "$src"/fixtures/*/*.bin "$src"/fixtures/p1/*.txt \
    "$src"/fixtures/tic/*.tic)

run_one() {
    local t=$1 c="$W/corpus/$1"
    rm -rf "$W/crashes/$t"
    mkdir -p "$c" "$W/crashes/$t"
    [ -d "$W/seeds/$t" ] && cp -n "$W/seeds/$t"/* "$c"/ 2>/dev/null || true
    [ -d "$src/fuzz/corpus/$t" ] && cp -n "$src/fuzz/corpus/$t"/* "$c"/ 2>/dev/null || true
    local rc=0
    "$W/bin/fuzz_$t" "$c" -max_total_time="$SECS" -max_len=20000 -timeout=10 -rss_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="$W/crashes/$t/" >"$W/logs/$t.log" 2>&1 || rc=$?
    echo $rc >"$W/logs/$t.rc"
}

running=0
for t in $targets; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true

status=0
printf '\n%-13s %12s %9s %7s %8s %7s  %s\n' target executions exec/s cov features corpus findings
for t in $targets; do
    log="$W/logs/$t.log"
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
    found=$(ls "$W/crashes/$t" | wc -l)
    rc=$(cat "$W/logs/$t.rc")
    what="none"
    if [ "$rc" != 0 ] || [ "$found" != 0 ]; then
        what="$found input(s) in $W/crashes/$t (exit $rc); see $log"
        status=1
    fi
    printf '%-13s %12s %9s %7s %8s %7s  %s\n' "$t" "${runs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" \
        "${corp:-?}" "$what"
done
exit $status

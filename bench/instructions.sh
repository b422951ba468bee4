#!/usr/bin/env bash
# bench/instructions.sh - instructions per telegram of smdecode in each
# format, counted by valgrind's cachegrind (repeatable whatever else the
# machine does, unlike time).  The simulated meter's encrypted two-frame
# M-Bus telegrams, its P1 ones, its SML ones and its TIC ones; smdecode runs over N and over 2N of them and the
# difference is divided by N, so start-up costs drop out.  Prints figures,
# asserts nothing (`make bench-instructions`).
#   bench/instructions.sh BUILDDIR SRCDIR [N]
set -euo pipefail
bld=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
n=${3:-2000}
W=$(mktemp -d /tmp/smartmeter-instr.XXXXXX)
trap 'rm -rf "$W"' EXIT
"$bld/sim/smsim" --fast --count "$n" --seed 3 --out "$W/a.bin" >/dev/null
"$bld/sim/smsim" --fast --count $((2 * n)) --seed 3 --out "$W/b.bin" >/dev/null
"$bld/sim/smsim" --framing p1 --fast --count "$n" --seed 3 --out "$W/a.p1" >/dev/null
"$bld/sim/smsim" --framing p1 --fast --count $((2 * n)) --seed 3 --out "$W/b.p1" >/dev/null
"$bld/sim/smsim" --framing sml --fast --count "$n" --seed 3 --out "$W/a.sml" >/dev/null
"$bld/sim/smsim" --framing sml --fast --count $((2 * n)) --seed 3 --out "$W/b.sml" >/dev/null
"$bld/sim/smsim" --framing tic --make standard-3p --fast --count "$n" --seed 3 --out "$W/a.tic" >/dev/null
"$bld/sim/smsim" --framing tic --make standard-3p --fast --count $((2 * n)) --seed 3 \
    --out "$W/b.tic" >/dev/null
count() { # format file -> instructions
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$W/cg.out" \
        "$bld/decode-tool/smdecode" --binary -f "$1" --key-file "$src/fixtures/synthetic/test.key" \
        "$2" >/dev/null 2>"$W/vg.err"
    sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$W/cg.out"
}
printf '%-6s %22s %22s %22s %22s\n' format "M-Bus (376 B, 15 rd.)" "P1 (991 B, 40 rd.)" \
    "SML (312 B, 10 rd.)" "TIC (510 B, 29 rd.)"
for f in json csv xml text p1; do
    a=$(count "$f" "$W/a.bin")
    b=$(count "$f" "$W/b.bin")
    c=$(count "$f" "$W/a.p1")
    d=$(count "$f" "$W/b.p1")
    e=$(count "$f" "$W/a.sml")
    g=$(count "$f" "$W/b.sml")
    h=$(count "$f" "$W/a.tic")
    k=$(count "$f" "$W/b.tic")
    printf '%-6s %22d %22d %22d %22d\n' "$f" $(((b - a) / n)) $(((d - c) / n)) $(((g - e) / n)) \
        $(((k - h) / n))
done

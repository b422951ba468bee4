#!/usr/bin/env bash
# tests/smdecode_probe.sh - smdecode --probe finds a meter's line settings.
# Simulated meters (smsim, M-Bus, HDLC, P1 and SML) on pseudo-terminals, with the
# test-only tests/pty_shim.so modelling the UART (PTY_SHIM_LINES: the
# sender's settings; the reader gets what its settings would make of the
# sender's bit stream: garbage at another rate, bit 7 set by the parity of a
# 7E1 line read as 8N1, misread frames for 8N1 read as 8E1).  For each
# meter's settings the verdict must name them and the link layer; a silent
# line and a line of noise must say that nothing was found.  Under valgrind
# (SM_VALGRIND) a few of the settings are probed, not all of them.  Run by
# `make check` with top_srcdir and top_builddir set.
set -u
src=$(cd "${top_srcdir:-.}" && pwd)
bld=$(cd "${top_builddir:-.}" && pwd)
SMD=$bld/decode-tool/smdecode
SIM=$bld/sim/smsim
SHIM=$bld/tests/.libs/pty_shim.so
KEY=$src/fixtures/synthetic/test.key
. "$src/scripts/collectd-env.sh"
for f in "$SMD" "$SIM" "$SHIM"; do
    [ -e "$f" ] || { echo "FAIL: $f was not built"; exit 1; }
done
PRELOAD=$(ce_preload "$SMD" "$SHIM")
W=$(mktemp -d /tmp/smdecode-probe.XXXXXX)
trap 'ce_kill_ptys "$W/pty.pid"; pkill -P $$ 2>/dev/null; wait 2>/dev/null; [ -e "$W/failed" ] || rm -rf "$W"' EXIT
PER=1.5
[ -n "${SM_VALGRIND:-}" ] && PER=4

# probe NAME "BAUD DPS" FRAMING WANT_SETTINGS WANT_LINK [smsim options]
probe() {
    local name=$1 sender=$2 framing=$3 want=$4 link=$5
    shift 5
    ce_pty "$W/$name" "$W/pty.pid" || { echo "FAIL $name: no pty"; touch "$W/failed"; return; }
    "$SIM" --framing "$framing" --count 1000000 --fast --rate 20 --seed 7 "$@" \
        --out "$W/$name.sim" 2>/dev/null &
    local sim=$!
    local t0=$SECONDS
    PTY_SHIM_LINES="*=$sender" LD_PRELOAD=$PRELOAD ${SM_VALGRIND:-} "$SMD" --device "$W/$name" \
        --probe --seconds $PER --key-file "$KEY" >"$W/$name.out" 2>"$W/$name.err"
    local rc=$?
    kill $sim 2>/dev/null
    if [ $rc -ne 0 ] || ! grep -qx "settings:   $want\( (read as 8N1 it decodes too)\)\?" "$W/$name.out" ||
        ! grep -q "^link layer: $link," "$W/$name.out"; then
        echo "FAIL $name: meter at $sender ($framing): exit $rc; want $want, $link"
        cat "$W/$name.out" "$W/$name.err"
        touch "$W/failed"
    else
        echo "ok   $name: meter at $sender ($framing): found $want, $link in $((SECONDS - t0)) s, $(grep -c ' bytes in ' "$W/$name.err") settings tried"
    fi
}

cases=()
for baud in 2400 115200 9600 38400 19200; do
    cases+=("mbus-$baud-8E1|$baud 8E1|mbus|$baud 8E1|mbus")
    cases+=("mbus-$baud-8N1|$baud 8N1|mbus|$baud 8N1|mbus")
    cases+=("p1-$baud-8N1|$baud 8N1|p1|$baud 8N1|p1")
    cases+=("p1-$baud-7E1|$baud 7E1|p1|$baud 7E1|p1")
done
cases+=("hdlc-2400-8E1|2400 8E1|hdlc|2400 8E1|hdlc" "hdlc-38400-8N1|38400 8N1|hdlc|38400 8N1|hdlc")
cases+=("p1-115200-8E1|115200 8E1|p1|115200 8E1|p1")
# SML: optical heads at 9600 8N1 (EMH-, Holley- (KERMIT, bare valTime) and
# DZG-shaped pushes)
cases+=("sml-9600-8N1|9600 8N1|sml|9600 8N1|sml" "sml-holley-9600-8N1|9600 8N1|sml|9600 8N1|sml|holley")
cases+=("sml-dzg-9600-8N1|9600 8N1|sml|9600 8N1|sml|dzg")
# TIC: a Linky in standard mode at 9600 7E1, in historique mode at 1200 7E1
cases+=("tic-std-9600-7E1|9600 7E1|tic|9600 7E1|tic|standard")
cases+=("tic-hist-1200-7E1|1200 7E1|tic|1200 7E1|tic|historique")
if [ -n "${SM_VALGRIND:-}" ]; then
    cases=("${cases[0]}" "${cases[7]}" "${cases[13]}" "${cases[23]}")
fi
# two at a time (two cores), each on its own pty
i=0
for c in "${cases[@]}"; do
    IFS='|' read -r name sender framing want link make <<<"$c"
    probe "$name" "$sender" "$framing" "$want" "$link" ${make:+--make "$make"} &
    i=$((i + 1))
    [ $((i % 2)) -eq 0 ] && wait
done
wait

# the details of one verdict: push period, security, keys, the <Meter> block
ce_pty "$W/d" "$W/pty.pid"
"$SIM" --auth --period 5 --count 1000000 --fast --rate 4 --seed 7 --out "$W/d.sim" 2>/dev/null &
sim=$!
PTY_SHIM_LINES="*=2400 8E1" LD_PRELOAD=$PRELOAD ${SM_VALGRIND:-} "$SMD" --device "$W/d" --probe \
    --seconds 5 --key-file "$KEY" --auth-key-file "$src/fixtures/synthetic/test.ak" >"$W/d.out" 2>"$W/d.err"
rc=$?
kill $sim
for want in "^settings:   2400 8E1$" "^link layer: mbus, 2 frames per telegram$" \
    "^push:       a telegram every 5\.0 s (the meter's clock, [2-9] telegrams)$" \
    "^security:   authenticated encryption, suite 0 (AES-128-GCM); system title 4B464D1020003774, manufacturer KFM, serial 1020003774$" \
    "^keys:       the keys given decrypt it$" '^    Device "'"$W"'/d"$' '^    Baud 2400$' \
    '^    Parity "even"$' '^    Framing "mbus"$' '^    AuthKeyFile '; do
    grep -q "$want" "$W/d.out" || { echo "FAIL verdict: no line '$want'"; touch "$W/failed"; }
done
[ $rc -eq 0 ] || { echo "FAIL verdict: exit $rc"; touch "$W/failed"; }
echo "verdict: $(tr '\n' '|' <"$W/d.out" | cut -c1-200)..."

# a framing given: its meters' settings first, found at the first setting
# tried: first_setting NAME FRAMING SENDER CHECK... (smsim options after --)
first_setting() {
    local name=$1 framing=$2 sender=$3
    shift 3
    local checks=() sim_opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do checks+=("$1"); shift; done
    [ $# -gt 0 ] && shift && sim_opts=("$@")
    ce_pty "$W/$name" "$W/pty.pid"
    "$SIM" --framing "$framing" "${sim_opts[@]}" --count 1000000 --fast --rate 20 --seed 7 \
        --out "$W/$name.sim" 2>/dev/null &
    local sim=$!
    PTY_SHIM_LINES="*=$sender" LD_PRELOAD=$PRELOAD ${SM_VALGRIND:-} "$SMD" --device "$W/$name" \
        --probe --framing "$framing" --seconds $PER >"$W/$name.out" 2>"$W/$name.err"
    local rc=$? tried ok=1
    kill $sim
    tried=$(grep -c ' bytes in ' "$W/$name.err")
    [ $rc -eq 0 ] && [ "$tried" -eq 1 ] && grep -q "^settings:   $sender" "$W/$name.out" || ok=0
    for c in "${checks[@]}"; do grep -q "$c" "$W/$name.out" "$W/$name.err" || ok=0; done
    [ $ok -eq 1 ] || {
        echo "FAIL --framing $framing first: exit $rc, $tried tried: $(cat "$W/$name.err" "$W/$name.out")"
        touch "$W/failed"
    }
    echo "--framing $framing: $tried setting tried: $(grep '^settings' "$W/$name.out")"
}
# a DSMR 4 meter, 115200 7E1, found at 8N1 (the first setting tried), not
# after the 2400 baud ones
first_setting f p1 "115200 7E1" "115200 8N1 .*: proven" "(P1's first)" -- --7e1
# an optical head on a German meter: 9600 8N1
first_setting s sml "9600 8N1" "^link layer: sml," '^    Framing "sml"$'
# a Linky in standard mode: --framing tic tries 9600 7E1 first
first_setting tstd tic "9600 7E1" "^link layer: tic," '^    Framing "tic"$' -- --make standard

# over tcp:// (a network serial server): no line settings to try; the link
# layer, the period, the security and the keys, and a <Meter> block without
# Baud and Parity
"$SIM" --period 1 --count 1000000 --fast --rate 2 --seed 7 --out "$W/t.bin" 2>/dev/null &
tsim=$!
python3 - "$W/t.bin" "$W/tport" <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
open(sys.argv[2], "w").write(str(s.getsockname()[1]))
c, _ = s.accept()
with open(sys.argv[1], "rb") as f:
    while True:
        b = f.read(4096)
        if b:
            c.sendall(b)
        else:
            time.sleep(0.05)
PY
tsrv=$!
for _ in $(seq 50); do [ -s "$W/tport" ] && break; sleep 0.1; done
LD_PRELOAD=$PRELOAD ${SM_VALGRIND:-} "$SMD" --device "tcp://127.0.0.1:$(cat "$W/tport")" --probe \
    --seconds 6 --key-file "$KEY" >"$W/t.out" 2>"$W/t.err"
rc=$?
kill $tsim $tsrv 2>/dev/null
for want in "^settings:   the server's own" "^link layer: mbus, 2 frames per telegram$" \
    "^push:       a telegram every 1\.0 s (the meter's clock" "^keys:       the keys given decrypt it$" \
    '^    Device "tcp://127.0.0.1:' '^    Framing "mbus"$' '^    KeyFile '; do
    grep -q "$want" "$W/t.out" || { echo "FAIL tcp probe: no line '$want': $(cat "$W/t.out" "$W/t.err")"; touch "$W/failed"; }
done
grep -q "Baud\|Parity" "$W/t.out" && { echo "FAIL tcp probe: line settings in the block"; touch "$W/failed"; }
[ $rc -eq 0 ] || { echo "FAIL tcp probe: exit $rc"; touch "$W/failed"; }
echo "tcp probe: $(tr '\n' '|' <"$W/t.out" | cut -c1-160)..."

ce_pty "$W/q" "$W/pty.pid"
LD_PRELOAD=$PRELOAD ${SM_VALGRIND:-} "$SMD" --device "$W/q" --probe --seconds 1 >"$W/q.out" 2>"$W/q.err"
rc=$?
{ [ $rc -eq 1 ] && grep -q "nothing arrived in 1 s. The usual causes: the customer port is switched off" "$W/q.err" &&
    [ ! -s "$W/q.out" ]; } || { echo "FAIL silent line: exit $rc: $(cat "$W/q.err")"; touch "$W/failed"; }
echo "silent line: $(tail -1 "$W/q.err" | cut -c1-100)..."
ce_pty "$W/g" "$W/pty.pid"
python3 -c '
import os, random, sys, time
random.seed(5)
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NOCTTY)
first = True
while True:
    os.write(fd, bytes(random.randrange(256) for _ in range(512)))
    if first:
        open(sys.argv[2], "w").close()
        first = False
    time.sleep(0.02)
' "$W/g.sim" "$W/g.flowing" 2>/dev/null &
noise=$!
# the noise flows before the probe listens (a loaded machine starts python slowly)
for _ in $(seq 100); do [ -e "$W/g.flowing" ] && break; sleep 0.1; done
PTY_SHIM_LINES="*=2400 8E1" LD_PRELOAD=$PRELOAD ${SM_VALGRIND:-} "$SMD" --device "$W/g" --probe \
    --seconds 1 >"$W/g.out" 2>"$W/g.err"
rc=$?
kill $noise
{ [ $rc -eq 1 ] && grep -q "no setting gives telegrams that verify" "$W/g.err" &&
    [ "$(grep -c ' bytes in ' "$W/g.err")" -eq 17 ] && [ ! -s "$W/g.out" ]; } ||
    { echo "FAIL noise: exit $rc: $(cat "$W/g.err")"; touch "$W/failed"; }
echo "noise: $(grep -c ' bytes in ' "$W/g.err") settings tried, $(tail -1 "$W/g.err" | cut -c1-80)..."

# usage
LD_PRELOAD=$PRELOAD "$SMD" --probe >/dev/null 2>"$W/u.err"
{ [ $? -eq 2 ] && grep -q "need --device" "$W/u.err"; } || { echo "FAIL usage: $(cat "$W/u.err")"; touch "$W/failed"; }
LD_PRELOAD=$PRELOAD "$SMD" --probe --device "$W/q" --baud 2400 >/dev/null 2>"$W/u.err"
{ [ $? -eq 2 ] && grep -q "tries the line settings itself" "$W/u.err"; } || { echo "FAIL usage: $(cat "$W/u.err")"; touch "$W/failed"; }

LD_PRELOAD=$PRELOAD "$SMD" --probe --device tcp://127.0.0.1:1 >/dev/null 2>"$W/u.err"
# a server that is not there: exit 2 and the reason
{ [ $? -eq 2 ] && grep -q "cannot connect to 127.0.0.1:1: Connection refused" "$W/u.err"; } ||
    { echo "FAIL tcp refused: $(cat "$W/u.err")"; touch "$W/failed"; }

if [ -e "$W/failed" ]; then echo "(work dir kept: $W)"; exit 1; fi
echo "smdecode probe: all checks passed"

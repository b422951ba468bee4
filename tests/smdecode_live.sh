#!/usr/bin/env bash
# tests/smdecode_live.sh - smdecode --device on a live line: simulated meters
# on pseudo-terminals (socat; the test-only tests/pty_shim.so lets
# libserialport open them) and on a TCP port (a network serial server):
# each telegram's output is written as it arrives, in M-Bus and P1, values
# checked against the simulator's; --count, --seconds and Ctrl-C stop it with
# a summary line; a silent line, a line of noise and a line that goes away
# are named; usage errors exit 2.  Run by `make check` with top_srcdir and
# top_builddir set.
set -u
src=$(cd "${top_srcdir:-.}" && pwd)
bld=$(cd "${top_builddir:-.}" && pwd)
SMD=$bld/decode-tool/smdecode
SIM=$bld/sim/smsim
SHIM=$bld/tests/.libs/pty_shim.so
KEY=$src/fixtures/synthetic/test.key
fail=0
. "$src/scripts/collectd-env.sh"
for f in "$SMD" "$SIM" "$SHIM"; do
    [ -e "$f" ] || { echo "FAIL: $f was not built"; exit 1; }
done
command -v socat >/dev/null || { echo "FAIL: socat is not installed (scripts/test installs it)"; exit 1; }

PRELOAD=$(ce_preload "$SMD" "$SHIM")

W=$(mktemp -d /tmp/smdecode-live.XXXXXX)
cleanup() {
    ce_kill_ptys "$W/pty.pid"
    [ -f "$W/server.pid" ] && kill $(cat "$W/server.pid") 2>/dev/null
    wait 2>/dev/null
    if [ $fail -eq 0 ]; then rm -rf "$W"; else echo "(work dir kept: $W)"; fi
}
trap cleanup EXIT
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
smd() { LD_PRELOAD=$PRELOAD ${SM_VALGRIND:-} "$SMD" "$@"; }
pty() { ce_pty "$W/$1" "$W/pty.pid" || bad "socat did not create $W/$1"; }

# smsim --help explains every option it takes (exit 0, on standard output)
help=$("$SIM" --help) || bad "smsim --help: exit $?"
for o in $(grep -o '{"[a-z0-9-]*", [a-z_]*_argument' "$src/sim/smsim.c" | sed 's/{"\([^"]*\)".*/\1/'); do
    grep -q -- "--$o[ =]\|--$o\$" <<<"$help" || bad "smsim --help does not explain --$o"
done
echo "smsim --help: $(grep -c '^  -' <<<"$help") options explained"

# the telegrams, one file each, and their expected values
for i in 0 1 2; do
    "$SIM" --count 1 --skip $i --seed 31 --fast --out "$W/m$i.bin" --expect "$W/m$i.exp"
    "$SIM" --framing p1 --count 1 --skip $i --seed 31 --fast --out "$W/p$i.txt" --expect "$W/p$i.exp"
    "$SIM" --framing sml --make dzg --count 1 --skip $i --seed 31 --fast --out "$W/s$i.bin" \
        --expect "$W/s$i.exp"
    "$SIM" --framing tic --make historique --count 1 --skip $i --seed 31 --fast --out "$W/t$i.bin" \
        --expect "$W/t$i.exp"
done
cat "$W"/t[012].exp >"$W/t.exp"
cat "$W"/s[012].exp >"$W/s.exp"
cat "$W"/m[012].exp >"$W/m.exp"
cat "$W"/p[01].exp >"$W/p.exp"

# live WHAT NAME TELEGRAMS SUMMARY SMDECODE-OPTIONS...: each telegram's line
# out before the next is sent, every value as expected, the summary naming
# the line settings
live() {
    local what=$1 name=$2 n=$3 summary=$4 out files=() i f
    shift 4
    for ((i = 0; i < n; i++)); do
        for f in "$W/$name$i.bin" "$W/$name$i.txt"; do [ -e "$f" ] && files+=("$f"); done
    done
    pty "$name"
    out=$(python3 "$src/tests/live_check.py" "$W/$name.sim" "${files[@]}" -- "$W/$name.exp" -- \
        env LD_PRELOAD="$PRELOAD" ${SM_VALGRIND:-} "$SMD" --device "$W/$name" --count "$n" \
        -f json "$@") || bad "$what live: $out"
    echo "$out"
    grep -q "at $summary: $n telegrams" <<<"$out" || bad "$what live: the summary does not name $summary"
}
# M-Bus, encrypted, 38400 baud
live M-Bus m 3 "38400 8E1" --baud 38400 --key-file "$KEY"
# P1 text: --framing p1 defaults to 115200 8N1
live P1 p 2 "115200 8N1" --framing p1
# SML (a DZG with its sign bug, corrected by its quirk): --framing sml
# defaults to 9600 8N1, an optical head's line
live SML s 3 "9600 8N1" --framing sml
# TIC (a Linky in historique mode): --framing tic defaults to 1200 7E1
live TIC t 3 "1200 7E1" --framing tic

# a silent line: --seconds ends it; exit 1 and the usual causes named
pty q
smd --device "$W/q" --seconds 1.5 -f csv >"$W/q.out" 2>"$W/q.err"
rc=$?
[ $rc -eq 1 ] || bad "silent line: exit $rc, want 1"
grep -q "nothing arrived (is the meter's customer port switched on" "$W/q.err" ||
    bad "silent line: no 'nothing arrived': $(cat "$W/q.err")"
# the summary's time: --seconds 1.5 listened for (a loaded machine may add
# to it, but not seconds more)
secs=$(sed -n 's/.*: 0 telegrams in \([0-9.]*\) s .*/\1/p' "$W/q.err")
awk -v s="${secs:-x}" 'BEGIN { exit !(s ~ /^[0-9.]+$/ && s >= 1.5 && s < 4) }' ||
    bad "silent line: summary: $(cat "$W/q.err")"
[ -s "$W/q.out" ] && bad "silent line: output: $(cat "$W/q.out")"
echo "silent line: $(tail -1 "$W/q.err")"

# noise only (a line at the wrong speed looks like this): the settings suggested
pty g
# bytes that begin no frame and no APDU (not 0x68 0x7E 0x00 '/' 0x0F 0xDB 0xDC 0xE0),
# made before smdecode listens (a loaded machine starts python slowly)
python3 -c 'import sys; sys.stdout.buffer.write(bytes((0x55, 0xAA, 0xF3, 0x3C, 0x81) * 600))' \
    >"$W/g.bin"
smd --device "$W/g" --seconds 3 -f csv >"$W/g.out" 2>"$W/g.err" &
spid=$!
sleep 0.5
cat "$W/g.bin" >"$W/g.sim"
wait $spid
rc=$?
[ $rc -eq 1 ] || bad "noise: exit $rc, want 1"
grep -q "no telegram found in [0-9]* bytes (other line settings? see --baud and --parity)" "$W/g.err" ||
    bad "noise: $(cat "$W/g.err")"
echo "noise: $(head -1 "$W/g.err")"

# Ctrl-C: what arrived is written, then the summary, exit 0
pty c
# (not through smd(): the signal must reach smdecode, not a subshell)
LD_PRELOAD=$PRELOAD ${SM_VALGRIND:-} "$SMD" --device "$W/c" -f csv --key-file "$KEY" \
    >"$W/c.out" 2>"$W/c.err" &
spid=$!
sleep 0.5
cat "$W/m0.bin" "$W/m1.bin" >"$W/c.sim"
for _ in $(seq 300); do [ "$(wc -l <"$W/c.out")" -ge 3 ] && break; sleep 0.1; done
kill -INT $spid
wait $spid
rc=$?
[ $rc -eq 0 ] || bad "Ctrl-C: exit $rc, want 0: $(cat "$W/c.err")"
[ "$(wc -l <"$W/c.out")" -eq 3 ] || bad "Ctrl-C: want a header and 2 rows: $(cat "$W/c.out")"
grep -q "2 telegrams in .*(2 decoded; .*(stopped)" "$W/c.err" || bad "Ctrl-C: summary: $(cat "$W/c.err")"
grep -q ",7015,,.*,244\.6\|,7015,," "$W/c.out" || bad "Ctrl-C: telegram 7015 missing: $(cat "$W/c.out")"
echo "Ctrl-C: $(tail -1 "$W/c.err")"

# a network serial server (tcp://): three telegrams, then it closes the line
cat "$W"/m[012].bin >"$W/all.bin"
python3 - "$W/all.bin" "$W/port" <<'EOF' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
open(sys.argv[2], "w").write(str(s.getsockname()[1]))
data = open(sys.argv[1], "rb").read()
for _ in range(2):
    c, _ = s.accept()
    for k in range(0, len(data), 376):
        c.sendall(data[k:k + 376])
        time.sleep(0.1)
    time.sleep(0.5)
    c.close()
EOF
echo $! >"$W/server.pid"
for _ in $(seq 50); do [ -s "$W/port" ] && break; sleep 0.1; done
port=$(cat "$W/port")
smd --device "tcp://127.0.0.1:$port" --count 3 -f csv --key-file "$KEY" >"$W/t.out" 2>"$W/t.err"
rc=$?
[ $rc -eq 0 ] || bad "tcp: exit $rc: $(cat "$W/t.err")"
[ "$(grep -c '^[123],' "$W/t.out")" -eq 3 ] || bad "tcp: want 3 rows: $(cat "$W/t.out")"
echo "tcp: $(tail -1 "$W/t.err")"
# the server closes after the three: every telegram written, the loss named, exit 1
smd --device "tcp://127.0.0.1:$port" -f csv --key-file "$KEY" >"$W/t2.out" 2>"$W/t2.err"
rc=$?
[ $rc -eq 1 ] || bad "tcp closed: exit $rc, want 1: $(cat "$W/t2.err")"
[ "$(grep -c '^[123],' "$W/t2.out")" -eq 3 ] || bad "tcp closed: want 3 rows: $(cat "$W/t2.out")"
grep -q "tcp://127.0.0.1:$port: the line went away" "$W/t2.err" || bad "tcp closed: $(cat "$W/t2.err")"
echo "tcp closed: $(grep 'went away' "$W/t2.err")"

# a stop on purpose (--count, --seconds) cuts the next telegram wherever it
# is: no failure, exit 0, 20 times of 20, on an M-Bus and a P1 line (the
# server sends without pause, in small pieces, so the stop lands inside a
# telegram)
"$SIM" --count 40 --seed 32 --fast --out "$W/stream.bin"
"$SIM" --framing p1 --count 40 --seed 32 --fast --out "$W/stream.txt"
python3 - "$W/stream.bin" "$W/stream.txt" "$W/sport" <<'PY' &
import socket, sys, threading, time
def serve(c, data):
    try:
        while True:
            for k in range(0, len(data), 61):
                c.sendall(data[k:k + 61])
                time.sleep(0.002)
    except OSError:
        c.close()
def listen(s, data):
    for _ in range(100):
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, data), daemon=True).start()
ports = []
for name in sys.argv[1:3]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    ports.append(str(s.getsockname()[1]))
    threading.Thread(target=listen, args=(s, open(name, "rb").read()), daemon=True).start()
open(sys.argv[3], "w").write(" ".join(ports))
time.sleep(600)
PY
echo $! >>"$W/server.pid"
for _ in $(seq 50); do [ -s "$W/sport" ] && break; sleep 0.1; done
read -r mport pport <"$W/sport"
stopped_ok=0
for i in $(seq 20); do
    for what in M-Bus P1; do
        if [ $what = M-Bus ]; then port=$mport args=(--key-file "$KEY"); else port=$pport args=(--framing p1); fi
        if [ $((i % 2)) = 0 ]; then stop=(--count 1); else stop=(--seconds 0.7); fi
        smd --device "tcp://127.0.0.1:$port" "${stop[@]}" -f csv "${args[@]}" \
            >"$W/s.out" 2>"$W/s.err"
        rc=$?
        if [ $rc -ne 0 ] || grep -q "failed\|inside a frame" "$W/s.err" || [ "$(wc -l <"$W/s.out")" -lt 2 ]; then
            bad "stop $what ${stop[*]} (run $i): exit $rc: $(cat "$W/s.err")"
        else
            stopped_ok=$((stopped_ok + 1))
        fi
    done
done
echo "stop on purpose: $stopped_ok of 40 runs exit 0 (20 M-Bus, 20 P1; --count 1 and --seconds)"
tail -1 "$W/s.err"

# a network serial server that sends a line of text and closes (ser2net
# when another client holds the port): quoted, with advice for a network line
python3 - "$W/bport" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
c, _ = s.accept()
c.sendall(b"\r\nPort already in use\r\n")
c.close()
PY
echo $! >>"$W/server.pid"
for _ in $(seq 50); do [ -s "$W/bport" ] && break; sleep 0.1; done
smd --device "tcp://127.0.0.1:$(cat "$W/bport")" --count 1 -f csv >"$W/b.out" 2>"$W/b.err"
rc=$?
[ $rc -eq 1 ] || bad "busy server: exit $rc, want 1"
grep -q 'the server said: "Port already in use" (another program may hold its serial port' \
    "$W/b.err" || bad "busy server: not quoted: $(cat "$W/b.err")"
grep -q "see --baud" "$W/b.err" && bad "busy server: advice for a serial line: $(cat "$W/b.err")"
echo "busy server: $(grep 'server said' "$W/b.err")"

# what cannot be opened or asked: exit 2 and the reason
expect2() {
    local what=$1 pattern=$2
    shift 2
    smd "$@" >"$W/u.out" 2>"$W/u.err"
    local rc=$?
    [ $rc -eq 2 ] || bad "$what: exit $rc, want 2"
    grep -q -- "$pattern" "$W/u.err" || bad "$what: $(cat "$W/u.err")"
}
expect2 "no such device" "cannot open /dev/nonexistent-tty: No such file or directory" \
    --device /dev/nonexistent-tty
expect2 "not a serial port" "/dev/null" --device /dev/null
expect2 "refused" "cannot connect to 127.0.0.1:1: Connection refused" --device tcp://127.0.0.1:1
expect2 "malformed tcp" "tcp://nonsense" --device tcp://nonsense
expect2 "baud without device" "need --device" --baud 9600
expect2 "device and a file" "no other input ('$KEY')" --device "$W/m" "$KEY"
expect2 "bad parity" "--parity: 'mark' is not even, odd or none" --device "$W/m" --parity mark
expect2 "bad baud" "--baud: '96k' is not a whole number" --device "$W/m" --baud 96k
expect2 "bad seconds" "--seconds: '-1' is not a number of seconds" --device "$W/m" --seconds -1
expect2 "bad count" "--count: '0' is not a whole number from 1" --device "$W/m" --count 0
# a FIFO as a key or layout file is refused at once (it waited forever for a writer)
mkfifo "$W/k.fifo"
for opt in --key-file --auth-key-file --layout-file; do
    timeout 20 "$SMD" "$opt" "$W/k.fifo" 0F000000000C >"$W/u.out" 2>"$W/u.err"
    rc=$?
    [ $rc -eq 2 ] && grep -q "$W/k.fifo.*not a regular file (a FIFO, a device or a directory)" "$W/u.err" ||
        bad "$opt FIFO: exit $rc (124: it hung): $(cat "$W/u.err")"
done

# the key never appears
key=$(tr -d ' \n' <"$KEY")
if cat "$W"/*.out "$W"/*.err | grep -qi "$key"; then bad "the key appears in an output"; fi

[ $fail -eq 0 ] && echo "smdecode live: all checks passed"
exit $((fail > 0))

#!/usr/bin/env bash
# tests/e2e_feed.sh - P1Server and EnergyIntervals end to end, through
# Debian's collectd with the plugin built in the tree:
#  - the feed: a simulated Austrian M-Bus meter and a simulated Dutch P1
#    meter, each with P1Server; on each feed two TCP clients: the
#    independent DSMR reader (tests/dsmr_reader.py), which must get every
#    telegram with every value equal to what the meter sent, and a client
#    that never reads, which must be dropped and counted without costing
#    the reader a telegram; the latency from the last byte read to the
#    telegram sent is printed (median and worst, from collectd's log);
#  - quarter-hour energy: a simulated meter whose clock runs through the
#    night the clocks go back (a day of 25 hours), with a gap of missing
#    telegrams, then a clock that jumps forward and back: every interval
#    collectd's csv files hold is checked against the meter's registers
#    (tests/e2e_feed_check.py).
# Needs collectd-core, socat and python3 (scripts/test installs them).  Run
# by `make check` with top_srcdir and top_builddir set.
set -u
src=$(cd "${top_srcdir:-.}" && pwd)
bld=$(cd "${top_builddir:-.}" && pwd)
F=$src/fixtures/synthetic
SIM=$bld/sim/smsim
SHIM=$bld/tests/.libs/pty_shim.so
PLUGIN=$bld/plugin/.libs/smartmeter.so
fail=0
. "$src/scripts/collectd-env.sh"

for tool in collectd socat python3; do
    command -v $tool >/dev/null || { echo "FAIL: $tool is not installed (scripts/test installs it)"; exit 1; }
done
for f in "$SIM" "$SHIM" "$PLUGIN"; do
    [ -e "$f" ] || { echo "FAIL: $f was not built"; exit 1; }
done
PRELOAD=$(ce_preload "$PLUGIN" "$SHIM")
[ "$PRELOAD" != "$SHIM" ] && export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

W=$(mktemp -d /tmp/smartmeter-feed.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    ce_kill_ptys "$W/pty.pid"
    wait 2>/dev/null
    [ "${KEEP:-0}" = 1 ] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pty() {
    ce_pty "$W/$1" "$W/pty.pid" || bad "socat did not create $W/$1"
    sleep 86400 <>"$W/$1.sim" &
    pids+=($!)
}

ce_plugindir "$W" "$PLUGIN" logfile csv || { echo "FAIL: ce_plugindir"; exit 1; }
install -m 600 "$F/test.key" "$W/test.key"
AT_PORT=$(free_port) NL_PORT=$(free_port)
# the Austrian and the Dutch meter: 400 and 300 telegrams, one every 100 ms
# (the meters' clocks say every 5 s and 10 s); the interval meter: a
# telegram every 300 s of its clock, 37 s past the quarter hours
N_AT=400 N_NL=300
IV_START=1792872037 # 2026-10-24T20:00:37Z, 22:00:37 CEST
{ ce_conf_head "$W" test 10 "$src" "$W/collectd.log"; cat <<EOF; } >"$W/collectd.conf"
WriteThreads 1
LoadPlugin csv
<Plugin csv>
  DataDir "$W/csv"
</Plugin>
LoadPlugin smartmeter
<Plugin smartmeter>
  <Meter "at">
    Device "$W/at"
    KeyFile "$W/test.key"
    MaxClockSkew 0
    P1Server "127.0.0.1:$AT_PORT"
  </Meter>
  <Meter "nl">
    Device "$W/nl"
    Framing "p1"
    MaxClockSkew 0
    P1Server "$NL_PORT"
  </Meter>
  <Meter "iv">
    Device "$W/iv"
    KeyFile "$W/test.key"
    MaxClockSkew 0
    Period 300
    EnergyIntervals "15min" "1h" "1d"
    EnergyMaxGap 900
  </Meter>
</Plugin>
EOF
for m in at nl iv; do pty $m; done

LD_PRELOAD=$PRELOAD ${SM_VALGRIND:-} collectd -f -C "$W/collectd.conf" >"$W/collectd.out" 2>&1 &
cpid=$!
pids+=($cpid)
for _ in $(seq 600); do grep -q "meters started" "$W/collectd.log" 2>/dev/null && break; sleep 0.1; done
for port in $AT_PORT $NL_PORT; do
    for _ in $(seq 300); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()" \
        2>/dev/null && break; sleep 0.1; done
done

# the clients: the independent reader (every telegram checked against the
# meter's own record of what it sent) and a client that never reads
client() { python3 "$src/tests/e2e_feed_check.py" client "$@"; }
client good 127.0.0.1 $AT_PORT $N_AT "$W/at.expect" dlms "$W/ready.1" >"$W/at.good" 2>&1 & ga=$!
client stuck 127.0.0.1 $AT_PORT "$W/ready.2" >"$W/at.stuck" 2>&1 & sa=$!
client good 127.0.0.1 $NL_PORT $N_NL "$W/nl.expect" p1 "$W/ready.3" >"$W/nl.good" 2>&1 & gn=$!
client stuck 127.0.0.1 $NL_PORT "$W/ready.4" >"$W/nl.stuck" 2>&1 & sn=$!
for _ in $(seq 300); do [ -e "$W/ready.1" ] && [ -e "$W/ready.2" ] && [ -e "$W/ready.3" ] &&
    [ -e "$W/ready.4" ] && break; sleep 0.1; done
sleep 0.5 # the feed's thread has accepted them (a client gets the telegrams after it is in)

sim() { local name=$1; shift; "$SIM" --baud 115200 --out "$W/$name.sim" "$@"; }
sim at --count $N_AT --pace 100 --expect "$W/at.expect" & s1=$!
sim nl --framing p1 --count $N_NL --pace 100 --period 10 --expect "$W/nl.expect" & s2=$!
# the interval meter: its clock through 2026-10-25 (CEST ends at 01:00Z)
# into the 26th; telegrams 200 to 205 lost (half an hour); then its clock
# jumps two hours forward (telegrams 400-419), then one hour back (420-439)
IV="--period 300 --pace 60 --seed 7"
{
    sim iv $IV --start $IV_START --count 200 --expect "$W/iv.expect1" &&
        sim iv $IV --start $IV_START --skip 206 --count 194 --expect "$W/iv.expect2" &&
        sim iv $IV --start $((IV_START + 7200)) --skip 400 --count 20 --expect "$W/iv.expect3" &&
        sim iv $IV --start $((IV_START + 3600)) --skip 420 --count 20 --expect "$W/iv.expect4"
} & s3=$!
wait $s1 $s2 $s3 || bad "a simulated meter failed"
for p in $ga $gn; do wait $p || true; done
sleep 2
kill $sa $sn 2>/dev/null
kill -TERM $cpid
for _ in $(seq 300); do kill -0 $cpid 2>/dev/null || break; sleep 0.1; done
wait $cpid
st=$?
[ $st = 0 ] || bad "collectd exited with status $st"

echo "== the feed"
for m in at nl; do
    cat "$W/$m.good"
    grep -q "^ok" "$W/$m.good" || bad "$m: the independent reader did not get every telegram right"
    cat "$W/$m.stuck"
done
grep "P1Server .*: [0-9]* telegrams" "$W/collectd.log" | sed 's/^.*smartmeter/smartmeter/'
python3 "$src/tests/e2e_feed_check.py" feed "$W/csv/test" "$W/collectd.log" at $N_AT nl $N_NL ||
    bad "the feed's counters (above)"

echo "== quarter-hour energy"
cat "$W"/iv.expect[1234] >"$W/iv.expect"
python3 "$src/tests/e2e_feed_check.py" intervals "$W/csv/test/smartmeter-iv" "$W/iv.expect" 900 "$W/collectd.log" ||
    bad "EnergyIntervals (above)"
grep "EnergyIntervals" "$W/collectd.log" | sed 's/^.*smartmeter/smartmeter/'

if grep -E "ERROR|AddressSanitizer|runtime error" "$W/collectd.log" "$W/collectd.out"; then
    bad "errors in collectd's log (above)"
fi
[ $fail = 0 ] && echo "e2e feed: all checks passed" || echo "e2e feed: $fail failed"
[ $fail = 0 ]

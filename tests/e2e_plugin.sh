#!/usr/bin/env bash
# tests/e2e_plugin.sh - the plugin end to end: Debian's collectd daemon runs
# the smartmeter plugin built from the tree; simulated meters write
# real-format telegrams (the synthetic fixtures, and smsim's live ones) into
# pseudo-terminals; the values are read back from the csv files,
# `collectdctl getval`, `rrdtool fetch` and a real carbon-cache (whisper-fetch),
# and the fault cases are checked through the health values and the log.
#
# Needs collectd-core, collectd-utils, rrdtool, graphite-carbon,
# python3-whisper and socat (scripts/test installs them).  A missing tool
# fails the test: nothing here is skipped.  Run by `make check` with
# top_srcdir and top_builddir set.
set -u
src=$(cd "${top_srcdir:-.}" && pwd)
bld=$(cd "${top_builddir:-.}" && pwd)
F=$src/fixtures/synthetic
SIM=$bld/sim/smsim
CHECK="python3 $src/tests/e2e_check.py"
SHIM=$bld/tests/.libs/pty_shim.so
PLUGIN=$bld/plugin/.libs/smartmeter.so
fail=0
failures=""
. "$src/scripts/collectd-env.sh"

for tool in collectd collectdctl rrdtool carbon-cache whisper-fetch socat python3; do
    command -v $tool >/dev/null || { echo "FAIL: $tool is not installed (scripts/test installs it)"; exit 1; }
done
for f in "$SIM" "$SHIM" "$PLUGIN"; do
    [ -e "$f" ] || { echo "FAIL: $f was not built"; exit 1; }
done

# A plugin built with ASan + UBSan (scripts/test's second pass) runs inside
# Debian's collectd with the sanitizer runtimes preloaded; any report aborts
# collectd, which the checks below notice.  collectd's own allocations at exit
# are not ours to judge: no leak detection in the daemon.
PRELOAD=$(ce_preload "$PLUGIN" "$SHIM")
if [ "$PRELOAD" != "$SHIM" ]; then
    export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    echo "(plugin built with sanitizers: preloading their runtimes into collectd)"
fi

W=$(mktemp -d /tmp/smartmeter-e2e.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for f in "$W"/*.pty.pid; do ce_kill_ptys "$f"; done
    wait 2>/dev/null
    [ "${KEEP:-0}" = 1 ] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT

note() { echo "== $*"; }
bad() { echo "FAIL: $*"; failures+="FAIL: $*"$'\n'; fail=$((fail + 1)); }
run_check() { $CHECK "$@" || bad "e2e_check $* (its lines above)"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# a pseudo-terminal pair: $W/NAME for the plugin, $W/NAME.sim for the meter
# The meter's end is held open by a process of its own (which never reads),
# so that the simulator's finishing does not end socat and take the plugin's
# end away: otherwise the plugin's re-opening of that path races with the
# checks (and may find a pseudo-terminal created later under the same
# number).  Where a test takes the line away, it kills socat.
pty() {
    ce_pty "$W/$1" "$W/$1.pty.pid" || bad "socat did not create $W/$1"
    sleep 86400 <>"$W/$1.sim" &
    pids+=($!)
}

# ---- carbon-cache, private instance -----------------------------------------
mkdir -p "$W/carbon/conf" "$W/carbon/log" "$W/carbon/data"
CARBON_LINE=$(free_port) CARBON_PICKLE=$(free_port) CARBON_QUERY=$(free_port)
cat >"$W/carbon/conf/carbon.conf" <<EOF
[cache]
STORAGE_DIR = $W/carbon/data
LOCAL_DATA_DIR = $W/carbon/data/whisper
WHITELISTS_DIR = $W/carbon/data/lists
CONF_DIR = $W/carbon/conf
LOG_DIR = $W/carbon/log
PID_DIR = $W/carbon
ENABLE_LOGROTATION = False
ENABLE_TAGS = False
USER =
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $CARBON_LINE
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = $CARBON_PICKLE
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = $CARBON_QUERY
LOG_UPDATES = False
EOF
printf '[all]\npattern = .*\nretentions = 1s:1d\n' >"$W/carbon/conf/storage-schemas.conf"
carbon-cache --config="$W/carbon/conf/carbon.conf" --nodaemon start >"$W/carbon/out.log" 2>&1 &
pids+=($!)

# ---- collectd ------------------------------------------------------------------
ce_plugindir "$W" "$PLUGIN" logfile csv rrdtool unixsock write_graphite write_log || { echo "FAIL: ce_plugindir"; exit 1; }
install -m 600 "$F/test.key" "$W/test.key"
install -m 600 "$F/test.ak" "$W/test.ak"
EK=$(tr -d ' \n' <"$F/test.key")
WRONG=00112233445566778899AABBCCDDEEFF

# a list no layout knows (meter number, voltage, current): its layout file
# is what smdecode --suggest-layout writes, with the three "-" filled in;
# beside it a file with an error, which must be reported and left out
python3 - "$W/layout.hex" <<'PY'
import struct, sys
with open(sys.argv[1], "w") as f:
    for t in range(4):
        body = bytes([0x02, 0x03, 0x09, 0x04]) + b"ME12" + bytes([0x12]) + struct.pack(">H", 2200 + t)
        body += bytes([0x12]) + struct.pack(">H", 105 + t)
        f.write((bytes([0x0F, 0, 0, 0, t + 1, 0x00]) + body).hex() + "\n")
PY
"$bld/decode-tool/smdecode" --suggest-layout "$W/layout.hex" | sed -e 's/^field 0 -$/field 0 0-0:96.1.0/' \
    -e 's/^field 1 -$/field 1 1-0:32.7.0 -1 V/' -e 's/^field 2 -$/field 2 1-0:31.7.0 -2 A/' \
    >"$W/my.layout"
grep -q "^field 2 1-0:31.7.0 -2 A" "$W/my.layout" || bad "--suggest-layout wrote no field lines"
printf 'layout broken\ndescription d\nsource s\ncount 2\nfield 9 -\n' >"$W/bad.layout"

meter() { # name, extra options...
    local name=$1
    shift
    printf '  <Meter "%s">\n    Device "%s"\n    Baud 38400\n' "$name" "${DEVICE:-$W/$name}"
    for o in "$@"; do printf '    %s\n' "$o"; done
    printf '  </Meter>\n'
}

meter_p1() { # name, extra options: P1 with the framing's line settings (115200 8N1)
    local name=$1
    shift
    printf '  <Meter "%s">\n    Device "%s"\n    Framing "p1"\n' "$name" "$W/$name"
    for o in "$@"; do printf '    %s\n' "$o"; done
    printf '  </Meter>\n'
}

meter_sml() { # name, extra options: SML (Framing "sml": 9600 8N1, or auto with its line)
    local name=$1
    shift
    printf '  <Meter "%s">\n    Device "%s"\n' "$name" "$W/$name"
    for o in "$@"; do printf '    %s\n' "$o"; done
    printf '  </Meter>\n'
}

# a network serial server whose port another client holds: ser2net says so
# and closes, every time (the plugin must back off, and say why once)
python3 - "$W/busy.port" "$W/busy.count" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(4)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
n = 0
while True:
    c, _ = s.accept()
    n += 1
    open(sys.argv[2], "w").write(str(n))
    c.sendall(b"\r\nPort already in use\r\n")
    c.close()
PY
pids+=($!)
for _ in $(seq 50); do [ -s "$W/busy.port" ] && break; sleep 0.1; done
BUSY_PORT=$(cat "$W/busy.port")
BUSY_T0=$(date +%s)

# Under valgrind one write thread: collectd's write threads may write two
# values of one series out of order when they come close together (the
# rrdtool plugin then drops the older one); the plugin spaces a meter's
# telegrams 0.1 s apart, which memcheck's slowness can undo (a CI run lost
# one RRD value so).  Natively, collectd's default of five is tested.
WRITE_THREADS=""
[ -n "${SM_VALGRIND:-}" ] && WRITE_THREADS="WriteThreads 1"
{ ce_conf_head "$W" test 1 "$src" "$W/collectd.log"; ce_unixsock "$W/sock"; cat <<EOF; } >"$W/collectd.conf"
$WRITE_THREADS
Timeout 1000
LoadPlugin csv
<Plugin csv>
  DataDir "$W/csv"
</Plugin>
LoadPlugin rrdtool
<Plugin rrdtool>
  DataDir "$W/rrd"
  RRATimespan 3600
  RRARows 3600
  # the SML meters' values come every 5 s with the host's time, the step
  # their Period 2: a heartbeat above the push period keeps them known
  HeartBeat 12
</Plugin>
LoadPlugin write_log
<Plugin write_log>
  Format JSON
</Plugin>
<LoadPlugin write_graphite>
  FlushInterval 1
</LoadPlugin>
<Plugin write_graphite>
  <Node "carbon">
    Host "127.0.0.1"
    Port "$CARBON_LINE"
    Protocol "tcp"
  </Node>
</Plugin>
LoadPlugin smartmeter
<Plugin smartmeter>
StateDir "$W/state"
LayoutFile "$W/bad.layout"
LayoutFile "$W/my.layout"
$(meter layout 'Framing "raw"')
$(meter cz 'Framing "raw"' 'StaleTimeout 600')
$(meter fx-mbus "KeyFile \"$W/test.key\"" 'MaxClockSkew 0' 'StaleTimeout 600')
$(meter fx-hdlc "Key \"$EK\"" 'Framing "hdlc"' 'MaxClockSkew 0' 'StaleTimeout 600')
$(meter fx-auth "KeyFile \"$W/test.key\"" "AuthKeyFile \"$W/test.ak\"" 'Framing "mbus"' 'MaxClockSkew 0' \
    'StaleTimeout 600')
$(meter fx-raw "KeyFile \"$W/test.key\"" 'Framing "raw"' 'MaxClockSkew 0' 'StaleTimeout 600')
$(meter skewed "KeyFile \"$W/test.key\"")
$(meter fx-host "KeyFile \"$W/test.key\"" 'TimeSource "host"')
$(meter home "KeyFile \"$W/test.key\"" "DumpFile \"$W/home.dump\"")
$(meter noisy "KeyFile \"$W/test.key\"")
$(meter late "KeyFile \"$W/test.key\"" 'StaleTimeout 600')
$(meter stale "KeyFile \"$W/test.key\"" 'StaleTimeout 3')
$(meter reopen "KeyFile \"$W/test.key\"")
$(meter hcs-reopen "Key \"$EK\"" 'MaxClockSkew 0' 'StaleTimeout 600')
$(meter replay "KeyFile \"$W/test.key\"")
$(meter replay4 "KeyFile \"$W/test.key\"" 'StaleTimeout 600')
$(meter wrongkey "Key \"$WRONG\"")
$(meter swapped "KeyFile \"$W/test.ak\"" "AuthKeyFile \"$W/test.key\"")
$(meter wrongak "KeyFile \"$W/test.key\"" "AuthKey \"$WRONG\"")
$(DEVICE=/dev/smartmeter-e2e-absent meter absent "KeyFile \"$W/test.key\"")
$(DEVICE=tcp://127.0.0.1:$BUSY_PORT meter busy)
$(meter rawauto "KeyFile \"$W/test.key\"")
$(meter unknown 'Framing "raw"' 'MaxUnknownObjects 16')
$(meter mixed "KeyFile \"$W/test.key\"" "AuthKeyFile \"$W/test.ak\"")
$(meter_p1 p1)
$(meter_p1 p1-7e1)
$(meter_p1 p1-bcc 'Baud 9600')
$(meter_p1 p1-events 'MaxClockSkew 0')
$(meter_p1 p1-flap 'MaxClockSkew 0')
$(meter_p1 p1-clock 'MaxClockSkew 0')
$(meter_sml sml-emh 'Framing "sml"' 'Period 2')
$(meter_sml sml-dzg 'Framing "sml"' 'Period 2')
$(meter_sml sml-holley 'Baud 9600' 'Parity "none"' 'Period 2')
$(meter_sml sml-dvbs 'Framing "sml"' 'Period 2')
$(meter_sml tic-hist 'Framing "tic"' 'Period 2')
$(meter_sml tic-hist3 'Framing "tic"' 'Period 2' 'Ignore "PMAX" "IMAX2"')
$(meter_sml tic-std 'Framing "tic"' 'Baud 9600' 'Period 2')
$(meter_sml tic-std3 'Framing "tic"' 'Baud 9600' 'DataBits 8' 'Parity "none"' 'Period 2')
  <Meter "auto-p1">
    Device "$W/auto-p1"
    Baud "auto"
    Period 1
  </Meter>
  <Meter "auto-tic">
    Device "$W/auto-tic"
    Framing "tic"
    Baud "auto"
  </Meter>
  <Meter "auto-sml">
    Device "$W/auto-sml"
    Baud "auto"
    Period 1
  </Meter>
  <Meter "auto-mbus">
    Device "$W/auto-mbus"
    Baud "auto"
    Parity "auto"
    KeyFile "$W/test.key"
  </Meter>
</Plugin>
EOF

for m in cz replay4 fx-mbus fx-hdlc fx-auth fx-raw fx-host skewed home noisy reopen hcs-reopen replay \
    wrongkey swapped wrongak stale \
    rawauto unknown mixed p1 p1-7e1 p1-bcc p1-events p1-flap p1-clock auto-p1 auto-mbus auto-sml auto-tic layout \
    sml-emh sml-dzg sml-holley sml-dvbs tic-hist tic-hist3 tic-std tic-std3; do pty $m; done
# the HDLC fixtures' telegrams 0 and 1; then the end of 1, telegram 2 with
# a bit of its HCS and of its ciphertext flipped, telegrams 3 and 4
python3 - "$F/vkw-hdlc-enc.hex" "$W/hcs1.hex" "$W/hcs2.hex" <<'PY'
import sys
lines = [l.split()[0] for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
t = [bytearray.fromhex(l) for l in lines[:5]]
bad = bytearray(t[2])
bad[7] ^= 0x01     # the HCS: 7E, format (2), destination (1), source (2), control
bad[-20] ^= 0x40   # a ciphertext bit (security 0x21: no tag)
open(sys.argv[2], "w").write("".join(x.hex() + "\n" for x in t[:2]))
open(sys.argv[3], "w").write("".join(x.hex() + "\n" for x in (t[1][len(t[1]) // 2:], bad, t[3], t[4])))
PY
# an M-Bus line with garbage between telegrams and failures at each layer
# (tests/mkmixed): every one counted in its health value
"$bld/tests/mkmixed" mbus 63 9 >"$W/mixed.hex" 2>"$W/mixed.counts" || bad "mkmixed failed"
# 20 plaintext telegrams (bare APDUs), each with the same 50 objects of
# codes nobody knows: only MaxUnknownObjects of them may become series
python3 - "$W/unknown.hex" <<'PY'
import struct, sys
codes = [bytes([1, 0, 96, 50 + i // 10, i % 10, 255]) for i in range(50)]
with open(sys.argv[1], "w") as f:
    for t in range(20):
        body = bytes([0x02, len(codes)])
        for k, c in enumerate(codes):
            body += bytes([0x02, 0x02, 0x09, 0x06]) + c + bytes([0x12]) + struct.pack(">H", 100 * t + k)
        dt = struct.pack(">HBBBBBBBhB", 2030, 1, 1, 0xFF, 10, 0, t, 0, -60, 0)
        f.write((bytes([0x0F, 0, 0, 0, t + 1, 0x0C]) + dt + body).hex() + "\n")
PY
for _ in $(seq 100); do grep -q "Listening" "$W/carbon/out.log" 2>/dev/null &&
    [ "$(grep -c Listening "$W/carbon/out.log")" -ge 2 ] && break; sleep 0.1; done

note "collectd with $(grep -c '<Meter ' "$W/collectd.conf") meters"
# shellcheck disable=SC2086
# Baud "auto": the UART model of the shim (tests/pty_shim.c) on these two
# ptys only: a P1 meter at 115200 8N1 and an M-Bus meter at 2400 8E1
export PTY_SHIM_LINES="$(readlink -f "$W/auto-p1")=115200 8N1;$(readlink -f "$W/auto-mbus")=2400 8E1;$(readlink -f "$W/auto-sml")=9600 8N1;$(readlink -f "$W/auto-tic")=9600 7E1"
LD_PRELOAD=$PRELOAD ${SM_VALGRIND:-} collectd -f -C "$W/collectd.conf" >"$W/collectd.out" 2>&1 &
cpid=$!
pids+=($cpid)
COLLECTD_T0=$(date +%s)
for _ in $(seq 600); do grep -q "meters started" "$W/collectd.log" 2>/dev/null && break; sleep 0.1; done
sleep 1

NOW=$(date +%s)
sim() { local name=$1; shift; "$SIM" --baud 38400 --out "$W/$name.sim" "$@"; }
# the synthetic fixtures, as they are, faster than a meter (their clock says
# every 5 s): not faster than collectd's write threads keep the order of two
# values of one series (a real meter pushes every 1 to 5 s)
sim fx-mbus --replay "$F/vkw-mbus-enc.hex" --pace 400 & s1=$!
sim fx-hdlc --replay "$F/vkw-hdlc-enc.hex" --pace 400 & s2=$!
sim fx-auth --replay "$F/vkw-mbus-auth.hex" --pace 400 & s3=$!
sim fx-raw --replay "$F/vkw-raw-enc.hex" --pace 400 & s4=$!
sim fx-host --replay "$F/vkw-hdlc-enc.hex" --pace 1500 --count 8 & s5=$!
# a meter clock years off the host's (the fixtures are from 2023): MaxClockSkew
sim skewed --replay "$F/vkw-mbus-enc.hex" --pace 1500 --count 4 & s13=$!
# the live simulated meter, its clock now
sim home --period 1 --count 10 --start $NOW --seed 11 --expect "$W/home.expect" & s6=$!
# line noise between telegrams
sim noisy --period 1 --count 8 --start $NOW --seed 12 --garbage 97 --expect "$W/noisy.expect" & s7=$!
# a wrong key; the two keys swapped; a wrong authentication key
sim wrongkey --period 1 --count 3 --start $NOW --seed 13 & s8=$!
sim swapped --auth --period 1 --count 3 --start $NOW --seed 13 &
sim wrongak --auth --period 1 --count 3 --start $NOW --seed 13 &
# two telegrams, then silence: StaleTimeout 3
sim stale --period 1 --count 2 --start $NOW --seed 17 & s12=$!
(   # the device appears 3 s after collectd started
    sleep 2
    pty late
    sim late --period 1 --count 5 --start $((NOW + 3)) --seed 14 --expect "$W/late.expect"
) & s9=$!
(   # the pseudo-terminal closed after 5 telegrams and opened again
    sim reopen --period 1 --count 5 --start $NOW --seed 15
    ce_kill_ptys "$W/reopen.pty.pid"
    rm "$W/reopen.pty.pid"
    sleep 1.5
    pty reopen
    sleep 2.5
    sim reopen --period 1 --count 5 --skip 5 --start $NOW --seed 15
) & s10=$!
# bare APDUs after line noise, read with Framing "auto"
sim rawauto --framing raw --period 1 --count 8 --start $NOW --seed 18 --garbage 20 \
    --expect "$W/rawauto.expect" & s14=$!
sim unknown --replay "$W/unknown.hex" --pace 300 & s15=$!
sim mixed --replay "$W/mixed.hex" --pace 100 & s16=$!
# P1 at 115200 baud: a DSMR 5 meter with a gas meter capturing every 3
# pushes (the clock on a multiple of 3 s: the gas RRD's steps), and a DSMR
# 4 meter on a 7E1 line read as 8N1, without CRC
P1START=$((NOW - NOW % 3))
"$SIM" --framing p1 --baud 115200 --out "$W/p1.sim" --period 1 --count 12 --start $P1START \
    --seed 21 --gas-every 3 --expect "$W/p1.expect" & s17=$!
"$SIM" --framing p1 --baud 115200 --out "$W/p1-7e1.sim" --period 1 --count 6 --start $NOW \
    --seed 22 --7e1 --p1-crc no --expect "$W/p1-7e1.expect" & s18=$!
# IEC 62056-21's data message (STX .. ETX and its BCC) at 9600 baud, 7E1 read as 8N1
"$SIM" --framing p1 --baud 9600 --out "$W/p1-bcc.sim" --period 2 --count 5 --start $NOW \
    --seed 26 --7e1 --p1-crc bcc --expect "$W/p1-bcc.expect" & s23=$!
# P1 events: the power failure log gains an entry, a text message comes and
# goes, the breaker opens and closes; each telegram twice
python3 - "$W/p1-events.hex" "$NOW" "$src/tests" <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
from p1_telegram import stamp_local, telegram_hex
now = int(sys.argv[2])
fail1, fail2 = stamp_local(now - 7200), stamp_local(now - 60)
steps = [(1, "", 1), (1, "", 1), (2, "", 1), (2, "Meter exchange on Monday", 1),
         (2, "Meter exchange on Monday", 0), (2, "", 1)]
with open(sys.argv[1], "w") as f:
    i = 0
    for entries, text, breaker in steps:
        for _ in range(2):
            log = "(%d)(0-0:96.7.19)(%s)(0000000240*s)" % (entries, fail1)
            if entries == 2:
                log += "(%s)(0000000042*s)" % fail2
            f.write(telegram_hex("EVT5\\2EVENTS", [
                "1-3:0.2.8(50)", "0-0:1.0.0(%s)" % stamp_local(now + i), "1-0:99.97.0" + log,
                "0-0:96.13.0(%s)" % text.encode().hex().upper(), "0-0:96.3.10(%d)" % breaker,
                "1-0:32.7.0(230.%d*V)" % (i % 10)]) + "\n")
            i += 1
PY
sim p1-events --replay "$W/p1-events.hex" --pace 300 & s19=$!
# a line whose breaker state changes in every telegram (damage, or a hostile
# line): 20 telegrams, at most 5 breaker notifications, the rest counted
python3 - "$W/p1-flap.hex" "$NOW" "$src/tests" <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
from p1_telegram import stamp_local, telegram_hex
now = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    for i in range(20):
        f.write(telegram_hex("FLP5\\2FLAP", [
            "1-3:0.2.8(50)", "0-0:1.0.0(%s)" % stamp_local(now + i), "0-0:96.3.10(%d)" % (i % 2),
            "1-0:32.7.0(230.%d*V)" % (i % 10)]) + "\n")
PY
sim p1-flap --replay "$W/p1-flap.hex" --pace 300 &
# a meter clock that stands still once (a telegram repeated whole) and
# steps back 12 s: no value gets a made-up time (they went in at +1 ms)
python3 - "$W/p1-clock.hex" "$NOW" "$src/tests" <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
from p1_telegram import stamp_cet, telegram_hex
now = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    for dt, v in [(-100, 0), (-99, 1), (-98, 2), (-98, 2), (-110, 3), (-109, 4), (-97, 5)]:
        f.write(telegram_hex("CLK5\\2CLOCK", [
            "1-3:0.2.8(50)", "0-0:1.0.0(%s)" % stamp_cet(now + dt), "1-0:32.7.0(230.%d*V)" % v]) +
                "\n")
PY
sim p1-clock --replay "$W/p1-clock.hex" --pace 300 &
sim layout --replay "$W/layout.hex" --pace 300 & s22=$!
# the Czech EG.D push: seven relay states, 0-0:96.3.10 and 0-1 .. 0-6:96.3.10
# (each went to "breaker": collectd kept one and dropped six per telegram)
for _ in 1 2 3; do cat "$src/fixtures/telegrams/cz-egd-rs485-example-1.hex"; done >"$W/cz.hex"
sim cz --replay "$W/cz.hex" --pace 1000 &
# Baud "auto": the probe takes the first telegrams, the rest are read
"$SIM" --framing p1 --baud 115200 --out "$W/auto-p1.sim" --period 1 --count 30 --start $NOW --seed 24 \
    --expect "$W/auto-p1.expect" & s20=$!
sim auto-mbus --period 1 --count 12 --start $NOW --seed 25 --expect "$W/auto-mbus.expect" & s21=$!
# (SML is found at the eighth setting the probe tries, up to 2 s each: 50
# telegrams leave some for the values on a loaded machine too)
"$SIM" --framing sml --baud 9600 --out "$W/auto-sml.sim" --period 1 --count 50 --seed 43 \
    --expect "$W/auto-sml.expect" & s26=$!
# a Linky in standard mode, Framing "tic" and Baud "auto": 9600 7E1, the
# first setting tried for TIC; no Period, so that the probe listens up to
# 12 s at each setting (under valgrind a reader thread among forty may get
# little of a 3.2 s window), and 50 frames, as auto-sml
"$SIM" --framing tic --make standard --baud 9600 --out "$W/auto-tic.sim" --period 1 --count 50 \
    --seed 45 --start $NOW --expect "$W/auto-tic.expect" & s27=$!
# SML, a push every 5 s (the RRD step is Period 2: each value fills a step
# alone): the three makes' shapes, and a DZG DVBS whose real negatives the
# DVS74 quirk misreads until the sign check drops it
for mk in emh dzg holley; do
    "$SIM" --framing sml --make $mk --baud 9600 --out "$W/sml-$mk.sim" --period 5 --count 6 \
        --seed 41 --expect "$W/sml-$mk.expect" &
    eval "sml_$mk=\$!"
done
"$SIM" --framing sml --make dzg-dvbs --baud 9600 --out "$W/sml-dvbs.sim" --period 5 --count 8 \
    --seed 42 --expect "$W/sml-dvbs.expect" & s25=$!
# TIC, a frame every 5 s: historique single-phase Tempo and three-phase at
# 1200 7E1 (the meter has no clock: the host's time), standard single-phase
# Tempo and a three-phase producer at 9600 (their DATE: the meter's time),
# the producer's bytes with their 7E1 parity bits to a reader set to 8N1;
# each shape's events at fixed frames (sim/meter_sim.h)
for mk in hist:historique:1200 hist3:historique-3p:1200 std:standard:9600 std3:standard-3p:9600; do
    IFS=: read -r name make baud <<<"$mk"
    "$SIM" --framing tic --make $make --baud $baud --out "$W/tic-$name.sim" --period 5 --count 7 \
        --seed 44 --start $NOW $([ $name = std3 ] && echo --7e1) --expect "$W/tic-$name.expect" &
    eval "tic_$name=\$!"
done
(   # telegram 3 replayed after telegram 4
    sim replay --period 1 --count 4 --start $NOW --seed 16
    sim replay --period 1 --count 1 --skip 2 --start $NOW --seed 16
    sim replay --period 1 --count 2 --skip 4 --start $NOW --seed 16
) & s11=$!
(   # eight telegrams, then four captured ones replayed in order (counters
    # 7016..7019, no pause): they were taken for a meter restart after three
    sim replay4 --period 1 --count 8 --start $NOW --seed 28
    sim replay4 --period 1 --count 4 --skip 2 --start $NOW --seed 28
) &
(   # HDLC, Framing auto: two telegrams; the line closed and opened again,
    # and what comes first is the end of a frame, then a frame whose header
    # check (HCS) and one ciphertext bit are damaged (issue 30, item 5: it
    # was read as a bare APDU, its FCS never checked, a wrong value stored)
    sim hcs-reopen --replay "$W/hcs1.hex" --pace 400
    ce_kill_ptys "$W/hcs-reopen.pty.pid"
    rm "$W/hcs-reopen.pty.pid"
    sleep 1.5
    pty hcs-reopen
    sleep 2.5
    sim hcs-reopen --replay "$W/hcs2.hex" --pace 400
) & s24=$!
"$SIM" --fast --count 10 --period 1 --start $NOW --seed 15 --expect "$W/reopen.expect" >/dev/null
"$SIM" --fast --count 6 --period 1 --start $NOW --seed 16 --expect "$W/replay.expect" >/dev/null
wait $s1 $s2 $s3 $s4 $s5 $s6 $s7 $s8 $s9 $s10 $s11 $s12 $s13 $s14 $s15 $s16 $s17 $s18 $s19 $s20 $s21 \
    $s22 $s23 $s24 $s25 $s26 $s27 $sml_emh $sml_dzg $sml_holley $tic_hist $tic_hist3 $tic_std $tic_std3
sleep 3 # the last health values (Interval 1) and graphite's flush

kill -0 $cpid 2>/dev/null || bad "collectd is not running any more"
C=$W/csv/test
note "fixtures: csv, rrdtool fetch, collectdctl getval"
run_check csv "$C/smartmeter-fx-mbus" "$F/vkw-mbus-enc.expect.jsonl"
run_check rrd "$W/rrd/test/smartmeter-fx-mbus" "$F/vkw-mbus-enc.expect.jsonl"
run_check getval "$W/sock" test/smartmeter-fx-mbus "$F/vkw-mbus-enc.expect.jsonl"
run_check csv "$C/smartmeter-fx-hdlc" "$F/vkw-hdlc-enc.expect.jsonl"
run_check rrd "$W/rrd/test/smartmeter-fx-hdlc" "$F/vkw-hdlc-enc.expect.jsonl"
run_check csv "$C/smartmeter-fx-auth" "$F/vkw-mbus-auth.expect.jsonl"
run_check getval "$W/sock" test/smartmeter-fx-auth "$F/vkw-mbus-auth.expect.jsonl"
run_check csv "$C/smartmeter-fx-raw" "$F/vkw-raw-enc.expect.jsonl"
# (their StaleTimeout is long: the replays end early, and under valgrind the
# checks come more than the default 30 s later, when a silent line would
# rightly be opened again)
for m in fx-mbus fx-hdlc fx-auth fx-raw; do
    run_check health "$C/smartmeter-$m" checksum-errors=0 security-errors=0 parse-errors=0 replayed=0 reconnects=0
done
run_check health "$C/smartmeter-fx-mbus" telegrams=50
run_check health "$C/smartmeter-fx-auth" telegrams=20
note "fixtures through write_graphite into carbon (meter fx-host: host time)"
run_check whisper "$W/carbon/data/whisper/test/smartmeter-fx-host" "$F/vkw-hdlc-enc.expect.jsonl" 0-7 --any-time
note "the live meter: csv, rrdtool, getval, carbon with the meter's time"
run_check csv "$C/smartmeter-home" "$W/home.expect"
run_check rrd "$W/rrd/test/smartmeter-home" "$W/home.expect"
run_check getval "$W/sock" test/smartmeter-home "$W/home.expect"
run_check whisper "$W/carbon/data/whisper/test/smartmeter-home" "$W/home.expect"
run_check health "$C/smartmeter-home" telegrams=10 checksum-errors=0 bytes-discarded=0
note "the live meter's DumpFile, read back by smdecode: the readings collectd recorded"
head -1 "$W/home.dump" | grep -q '^# smartmeter DumpFile of meter "home": Device .*/home, 38400 8E1, Framing auto; one line per read' ||
    bad "DumpFile header: $(head -1 "$W/home.dump")"
grep -qv '^#\|^[0-9A-F]*	# 20[0-9-]*T[0-9:]*\.[0-9]*Z$' "$W/home.dump" && bad "DumpFile: a line of another form"
${SM_VALGRIND:-} "$bld/decode-tool/smdecode" -f json --key-file "$W/test.key" "$W/home.dump" \
    >"$W/home.dump.json" 2>"$W/home.dump.err" || bad "smdecode on the DumpFile: $(cat "$W/home.dump.err")"
run_check from-smdecode "$W/home.dump.json" "$W/home.dump.expect"
run_check csv "$C/smartmeter-home" "$W/home.dump.expect"
note "the live meter's meta data (write_log, JSON): its number and each value's OBIS code"
python3 - "$W/collectd.log" <<'PY' || bad "home: meta data"
import json, sys
obis = {"voltage-L1": "1-0:32.7.0*255", "voltage-L2": "1-0:52.7.0*255", "voltage-L3": "1-0:72.7.0*255",
        "current-L1": "1-0:31.7.0*255", "current-L2": "1-0:51.7.0*255", "current-L3": "1-0:71.7.0*255",
        "power-import": "1-0:1.7.0*255", "power-export": "1-0:2.7.0*255",
        "energy_wh-import": "1-0:1.8.0*255", "energy_wh-export": "1-0:2.8.0*255",
        "reactive_energy-import": "1-0:3.8.0*255", "reactive_energy-export": "1-0:4.8.0*255"}
seen, bad = {}, 0
for line in open(sys.argv[1], errors="replace"):
    i = line.find('[{"values"')
    if i < 0:
        continue
    for vl in json.loads(line[i:]):
        if vl["plugin"] != "smartmeter" or vl["plugin_instance"] != "home" or vl["type"] == "derive":
            continue
        key = vl["type"] + "-" + vl["type_instance"]
        seen[key] = seen.get(key, 0) + 1
        want = {"meter_number": "1KFM0200014196", "obis": obis.get(key)}
        if vl.get("meta") != want:
            bad += 1
            print("home: %s has meta %s, expected %s" % (key, vl.get("meta"), want))
if seen != {k: 10 for k in obis}:
    print("home: values seen in write_log: %s" % seen)
    bad += 1
print("meta %s: %d values of 12 series, each with its meter number and OBIS code" %
      ("FAILED" if bad else "ok", sum(seen.values())))
sys.exit(1 if bad else 0)
PY

note "fault: a meter clock years off the host's (MaxClockSkew)"
run_check csv "$C/smartmeter-skewed" "$F/vkw-mbus-enc.expect.jsonl" 0-3 --host-time=$NOW
run_check health "$C/smartmeter-skewed" telegrams=4
grep -q 'meter "skewed": meter clock is -[0-9]* s off the host.s (MaxClockSkew 600): storing values with the host.s time' \
    "$W/collectd.log" || bad "skewed: no WARNING about the meter clock"
# collectd's c_complain: at once, then after 1, 2, 4 ... intervals (Interval 1)
[ "$(grep -c 'meter "skewed": meter clock is' "$W/collectd.log")" -le 3 ] ||
    bad "skewed: the clock WARNING is not rate-limited (4 telegrams in 6 s)"

note "fault: garbage between telegrams"
run_check csv "$C/smartmeter-noisy" "$W/noisy.expect"
# (after the first telegram, each burst is as long as half a frame: an
# unreadable telegram, counted as a link error; its bytes stay counted as
# skipped too)
run_check health "$C/smartmeter-noisy" telegrams=8 bytes-discarded=776 security-errors=0 \
    checksum-errors=7
note "bare APDUs after line noise, Framing auto"
run_check csv "$C/smartmeter-rawauto" "$W/rawauto.expect"
run_check health "$C/smartmeter-rawauto" telegrams=8 bytes-discarded=160 parse-errors=0 security-errors=0
note "garbage and failures at each layer: every one counted"
# shellcheck disable=SC2046
run_check health "$C/smartmeter-mixed" $(cat "$W/mixed.counts")
note "unknown objects beyond MaxUnknownObjects are not dispatched"
n=$(ls -d "$C/smartmeter-unknown"/gauge-obis-* 2>/dev/null | wc -l)
[ "$n" -eq 16 ] || bad "unknown: $n series of unknown objects, expected 16 (MaxUnknownObjects)"
run_check health "$C/smartmeter-unknown" telegrams=20 objects-refused=680
[ "$(grep -c 'meter "unknown": .* would be unknown object 17 of at most 16 (MaxUnknownObjects)' "$W/collectd.log")" -eq 1 ] ||
    bad "unknown: the refusal is not logged exactly once"
python3 - "$C/smartmeter-unknown" <<'PY' || bad "unknown: values of the admitted objects"
import glob, os, sys
# object k (1-0:96.5x.y) carries 100 * telegram + k: each admitted one, every telegram
bad = 0
for k in range(16):
    inst = "obis-1-0-96-%d-%d" % (50 + k // 10, k % 10)
    rows = [l for f in sorted(glob.glob(os.path.join(sys.argv[1], "gauge-" + inst + "-*")))
            for l in open(f) if not l.startswith("epoch")]
    vals = sorted(int(float(r.split(",")[1])) for r in rows)
    if vals != [100 * t + k for t in range(20)]:
        print("unknown: %s: %s" % (inst, vals)); bad = 1
sys.exit(bad)
PY

note "LayoutFile: a list no layout knows, named by a file from --suggest-layout"
python3 - "$C/smartmeter-layout" <<'PY' || bad "the LayoutFile's list was not decoded with its names"
import glob, sys
def rows(series):
    out = []
    for f in sorted(glob.glob(f"{sys.argv[1]}/{series}-[0-9]*")):
        out += [float(l.split(",")[1]) for l in open(f) if not l.startswith("epoch")]
    return out
v, i = rows("voltage-L1"), rows("current-L1")
print(f"layout: voltage-L1 {v}, current-L1 {i}")
sys.exit(0 if v == [220.0, 220.1, 220.2, 220.3] and [round(x, 2) for x in i] == [1.05, 1.06, 1.07, 1.08] else 1)
PY
grep -q "LayoutFile $W/bad.layout:5: layout broken: a field at position 9, beyond its count of 2; its layouts are not used" \
    "$W/collectd.log" || bad "the broken LayoutFile was not reported with its line"

note "P1: values, the gas meter's captures at their own time, each once"
run_check csv "$C/smartmeter-p1" "$W/p1.expect"
run_check rrd "$W/rrd/test/smartmeter-p1" "$W/p1.expect"
run_check captures csv "$C/smartmeter-p1" "$W/p1.expect" volume-gas-1
run_check captures rrd "$W/rrd/test/smartmeter-p1" "$W/p1.expect" volume-gas-1
run_check health "$C/smartmeter-p1" telegrams=12 checksum-errors=0 parse-errors=0 p1-without-crc=0 \
    p1-notes=0 bytes-discarded=0
grep -q 'meter "p1": first telegram: 40 readings (31 dispatched), layout p1, meter number 1KFM0200014196, not encrypted, P1 /SIM5.2SMSIM-P1, CRC ok' \
    "$W/collectd.log" || bad "p1: no first-telegram line"
# the simulated meter's power failure log: a day-old entry (the state the
# first telegram shows: not notified), and from the fifth telegram a new one:
# notified once (an entry was new in every telegram)
n=$(grep "Notification: .*plugin_instance = p1," "$W/collectd.log" | grep -c "power failure of 180 s")
[ "$n" -eq 1 ] || bad "p1: the simulated meter's new power failure notified $n times, want once"
n=$(grep "Notification: .*plugin_instance = p1," "$W/collectd.log" | grep -c "power failure of 240 s")
[ "$n" -eq 0 ] || bad "p1: the power failure of the first telegram (state) notified $n times"
note "SML: each make's shape, values in order with the host's time (no meter clock), each once"
for mk in emh dzg holley; do
    run_check csv "$C/smartmeter-sml-$mk" "$W/sml-$mk.expect" --host-time=$NOW
    run_check rrd-sequence "$W/rrd/test/smartmeter-sml-$mk" "$W/sml-$mk.expect" $NOW
done
run_check health "$C/smartmeter-sml-emh" telegrams=6 checksum-errors=0 parse-errors=0 sml-crc-errors=0 \
    sml-message-crc-errors=0 sml-desyncs=0 quirk-amended=6 bytes-discarded=0
run_check health "$C/smartmeter-sml-dzg" telegrams=6 checksum-errors=0 parse-errors=0 quirk-amended=6
run_check health "$C/smartmeter-sml-holley" telegrams=6 checksum-errors=0 parse-errors=0 \
    sml-kermit-frames=6 quirk-amended=0
for q in 'sml-emh": meter quirk emh-iskra-direction-bit5 (germany-sml.layout:' \
    'sml-dzg": meter quirk dzg-dvs74-unsigned-power (germany-sml.layout:' \
    'sml-holley": the meter'"'"'s SML frames carry CRC-16/KERMIT'; do
    n=$(grep -c "meter \"$q" "$W/collectd.log")
    [ "$n" -eq 1 ] || bad "SML: '$q' logged $n times, want once"
done
note "SML: a quirk the energy registers contradict: notified once, dropped, the power as sent"
# where smdecode, reading the same telegrams, finds the contradiction
k=$("$SIM" --framing sml --make dzg-dvbs --fast --period 5 --count 8 --seed 42 |
    "$bld/decode-tool/smdecode" --binary -f csv 2>&1 >/dev/null |
    sed -n 's/.*telegram \([0-9]*\): note: the power.s sign disagrees.*/\1/p')
n=$(grep "Notification: .*plugin_instance = sml-dvbs," "$W/collectd.log" |
    grep -c "meter quirk dzg-dvs74-unsigned-power is wrong for this meter and no longer applied")
[ "$n" -eq 1 ] || bad "sml-dvbs: the sign notification came $n times, want once"
[ -n "$k" ] && [ "$k" -ge 3 ] && [ "$k" -lt 8 ] || bad "sml-dvbs: smdecode found no contradiction ($k)"
[ -n "$k" ] && run_check health "$C/smartmeter-sml-dvbs" telegrams=8 quirk-amended=$k
# after it, every value as sent (the power negative), each once
[ -n "$k" ] && run_check csv "$C/smartmeter-sml-dvbs" "$W/sml-dvbs.expect" --host-time=$NOW --last=$((8 - k))

note "TIC: both modes, single and three-phase, Tempo, a producer: values, health, events once each"
for name in hist hist3; do
    run_check csv "$C/smartmeter-tic-$name" "$W/tic-$name.expect" --host-time=$NOW
done
for name in std std3; do
    run_check csv "$C/smartmeter-tic-$name" "$W/tic-$name.expect"
done
run_check rrd-sequence "$W/rrd/test/smartmeter-tic-hist" "$W/tic-hist.expect" $NOW
run_check rrd-sequence "$W/rrd/test/smartmeter-tic-std3" "$W/tic-std3.expect" $NOW
for name in hist hist3 std std3; do
    run_check health "$C/smartmeter-tic-$name" telegrams=7 checksum-errors=0 parse-errors=0 \
        tic-groups-checksum=0 tic-groups-parity=0 tic-groups-invalid=0 tic-frames-interrupted=0 \
        bytes-discarded=0
done
tev() { grep "Notification: .*plugin_instance = tic-$1," "$W/collectd.log" | grep -c "$2"; }
[ "$(tev hist 'severity = WARNING.*Tempo: tomorrow is a red day')" -eq 1 ] ||
    bad "tic-hist: tomorrow's red day is not notified exactly once"
[ "$(tev hist3 'severity = WARNING.*overload: [0-9]* A, above the subscribed current (ADIR1)')" -eq 1 ] ||
    bad "tic-hist3: the overload is not notified exactly once"
[ "$(tev hist3 'severity = OKAY.*the overload is over')" -eq 1 ] || bad "tic-hist3: the overload's end"
[ "$(tev std 'Tempo: tomorrow is a red day')" -eq 1 ] || bad "tic-std: tomorrow's red day"
[ "$(tev std 'message from the meter: DELESTAGE PREVU DEMAIN 18H')" -eq 1 ] || bad "tic-std: the message"
[ "$(tev std 'mobile peak 1 announced: from 20[0-9-]*T06:00:00 to 20[0-9-]*T10:00:00')" -eq 1 ] ||
    bad "tic-std: the mobile peak"
[ "$(tev std3 'severity = WARNING.*clock is degraded')" -eq 1 ] || bad "tic-std3: the clock degraded"
[ "$(tev std3 'severity = OKAY.*clock is set again')" -eq 1 ] || bad "tic-std3: the clock set again"
for name in hist hist3 std std3; do # nothing else
    n=$(grep -c "Notification: .*plugin_instance = tic-$name," "$W/collectd.log")
    want=$(case $name in hist) echo 1 ;; hist3) echo 2 ;; std) echo 3 ;; std3) echo 2 ;; esac)
    [ "$n" -eq "$want" ] || bad "tic-$name: $n notifications, want $want"
done
# Ignore by TIC label: PMAX and IMAX2 left out, IMAX1 and IMAX3 there
for f in power-max current-max-L2; do
    ! ls "$C/smartmeter-tic-hist3/$f-"* >/dev/null 2>&1 || bad "tic-hist3: $f dispatched despite Ignore"
done
for f in current-max-L1 current-max-L3; do
    ls "$C/smartmeter-tic-hist3/$f-"* >/dev/null 2>&1 || bad "tic-hist3: no $f"
done
grep -q 'meter "tic-std3": first telegram: .*TIC standard mode, 29 of 29 groups read' "$W/collectd.log" ||
    bad "tic-std3: no 'first telegram ... TIC standard mode' line"
note "channels: the Czech relays each a series of their own, with the published states"
for want in breaker=1 breaker-B1=1 breaker-B2=1 breaker-B3=0 breaker-B4=0 breaker-B5=0 breaker-B6=0; do
    f=$(ls "$C/smartmeter-cz/gauge-${want%=*}-"* 2>/dev/null | head -1)
    v=$([ -n "$f" ] && tail -1 "$f" | cut -d, -f2)
    awk -v v="${v:-x}" -v w="${want#*=}" 'BEGIN { exit !(v ~ /^[0-9.e+-]+$/ && v + 0 == w + 0) }' ||
        bad "cz: ${want%=*}: got '${v:-no file}', want ${want#*=}"
done
echo "cz: 7 relay series: $(ls "$C/smartmeter-cz" | grep -c '^gauge-breaker')"
grep -q 'Value too old.*smartmeter-cz\|smartmeter-cz.*Value too old' "$W/collectd.log" && bad "cz: collectd dropped values as too old"
note "P1: 7E1 read as 8N1, without CRC"
run_check csv "$C/smartmeter-p1-7e1" "$W/p1-7e1.expect"
run_check health "$C/smartmeter-p1-7e1" telegrams=6 checksum-errors=0 p1-without-crc=6
note "P1: IEC 62056-21's data block at 9600 baud, its BCC checked"
run_check csv "$C/smartmeter-p1-bcc" "$W/p1-bcc.expect"
run_check health "$C/smartmeter-p1-bcc" telegrams=5 checksum-errors=0 parse-errors=0 p1-without-crc=0
grep -q 'meter "p1-bcc": first telegram: .*, P1 /SIM5.2SMSIM-P1, CRC bcc' "$W/collectd.log" ||
    bad "p1-bcc: no first-telegram line with CRC bcc"
note "P1: events as notifications, each once"
ev() { grep "Notification: .*plugin_instance = p1-events" "$W/collectd.log" | grep -c "$1"; }
[ "$(ev 'severity = WARNING.*type_instance = power-failure, message = power failure of 42 s, ended')" -eq 1 ] ||
    bad "p1-events: the new power failure is not notified exactly once"
[ "$(ev 'power failure of 240 s')" -eq 0 ] || bad "p1-events: the old power failure was notified"
[ "$(ev 'severity = WARNING.*text message from the grid operator: Meter exchange on Monday')" -eq 1 ] ||
    bad "p1-events: the text message is not notified exactly once"
[ "$(ev 'severity = OKAY.*text message was cleared')" -eq 1 ] || bad "p1-events: the cleared message"
[ "$(ev 'severity = FAILURE.*the breaker is open (state 0)')" -eq 1 ] || bad "p1-events: breaker open"
[ "$(ev 'severity = OKAY.*the breaker is closed again')" -eq 1 ] || bad "p1-events: breaker closed"
run_check health "$C/smartmeter-p1-events" telegrams=12 replayed=0 checksum-errors=0

note "P1: notifications of a kind rate-limited (a breaker that changes in every telegram)"
n=$(grep "Notification: .*plugin_instance = p1-flap," "$W/collectd.log" | grep -c "type_instance = breaker")
[ "$n" -eq 5 ] || bad "p1-flap: $n breaker notifications, want 5 (the limit)"
n=$(grep -c 'meter "p1-flap": more than 5 breaker notifications in 10 minutes' "$W/collectd.log")
[ "$n" -eq 1 ] || bad "p1-flap: the suppression said $n times, want once"
run_check health "$C/smartmeter-p1-flap" telegrams=20 notifications-suppressed=15
note "P1: a meter clock that stands still or steps back: nothing stored at a made-up time"
got=$(cat "$C/smartmeter-p1-clock"/voltage-L1-* 2>/dev/null | grep -v '^epoch' | cut -d, -f1,2 | tr '\n' ' ')
want=""
for dv in -100:230.000000 -99:230.100000 -98:230.200000 -97:230.500000; do
    want="$want$((NOW + ${dv%%:*})).000,${dv#*:} "
done
[ "$got" = "$want" ] || bad "p1-clock: stored '$got', want '$want'"
run_check health "$C/smartmeter-p1-clock" telegrams=6 replayed=1
n=$(grep -c 'meter "p1-clock": the meter.s clock went back or stood still' "$W/collectd.log")
[ "$n" -eq 1 ] || bad "p1-clock: the step back said $n times, want once"
grep -q 'meter "p1-clock": the meter.s clock runs forward again' "$W/collectd.log" ||
    bad "p1-clock: no line for the clock running forward again"
grep -q 'meter "p1-clock": a P1 telegram repeated' "$W/collectd.log" || bad "p1-clock: the repeat not said"
note "fault: device absent at start, created later"
run_check csv "$C/smartmeter-late" "$W/late.expect"
run_check health "$C/smartmeter-late" telegrams=5 reconnects=0
grep -q 'meter "late": cannot open '"$W"'/late: No such file or directory; retrying' "$W/collectd.log" ||
    bad "no log line for the absent device"
grep -q 'meter "late": reading /dev/pts/[0-9]* (it is there now)' "$W/collectd.log" || bad "no log line for the device's arrival"
note "fault: an HDLC frame with a damaged header first after a reconnect: reported, no value from it"
run_check csv "$C/smartmeter-hcs-reopen" "$F/vkw-hdlc-enc.expect.jsonl" 0,1,3,4
run_check health "$C/smartmeter-hcs-reopen" telegrams=4 checksum-errors=1 parse-errors=0 'reconnects>=1'
note "fault: pseudo-terminal closed and reopened"
run_check csv "$C/smartmeter-reopen" "$W/reopen.expect"
# one reconnection, or two when the plugin opened the old pseudo-terminal
# again in the moment it was going away (each is a real open)
run_check health "$C/smartmeter-reopen" telegrams=10 'reconnects>=1'
grep -q 'meter "reopen": /dev/pts/[0-9]* hung up; re-opening' "$W/collectd.log" || bad "no log line for the hang-up"
grep -q 'meter "reopen": reading /dev/pts/[0-9]* again' "$W/collectd.log" || bad "no log line for the reconnection"
note "fault: replayed telegram"
run_check csv "$C/smartmeter-replay" "$W/replay.expect"
run_check health "$C/smartmeter-replay" telegrams=6 replayed=1
note "fault: four captured telegrams replayed in order are no meter restart"
run_check health "$C/smartmeter-replay4" telegrams=8 replayed=4
grep -q 'meter "replay4": frame counter restarted' "$W/collectd.log" &&
    bad "replay4: four replayed telegrams were accepted as a meter restart"
grep -q 'meter "replay": frame counter 7016 is below 7017: telegram replayed or repeated, not dispatched' \
    "$W/collectd.log" || bad "no log line for the replay"
note "fault: wrong key"
run_check novalues "$C/smartmeter-wrongkey"
run_check health "$C/smartmeter-wrongkey" telegrams=0 security-errors=3
grep -q 'meter "wrongkey": telegram dropped: security: .*likely wrong key.*check Key' "$W/collectd.log" ||
    bad "no log line for the wrong key"
note "fault: the two keys swapped, a wrong authentication key: said once each"
run_check novalues "$C/smartmeter-swapped"
run_check health "$C/smartmeter-swapped" telegrams=0 security-errors=3
n=$(grep -c 'meter "swapped": telegram dropped: security: authentication tag mismatch: the encryption and authentication keys are swapped at apdu offset 18 (the two keys work the other way round: swap Key/KeyFile and AuthKey/AuthKeyFile)' "$W/collectd.log")
[ "$n" -eq 1 ] || bad "swapped keys logged $n times, want once"
run_check novalues "$C/smartmeter-wrongak"
run_check health "$C/smartmeter-wrongak" telegrams=0 security-errors=3
n=$(grep -c 'meter "wrongak": telegram dropped: security: authentication tag mismatch: the encryption key is right, the authentication key is wrong or missing at apdu offset 18 (Key is right, AuthKey/AuthKeyFile is not: check it, or set VerifyTag false)' "$W/collectd.log")
[ "$n" -eq 1 ] || bad "wrong authentication key logged $n times, want once"
note "fault: the meter falls silent (StaleTimeout 3)"
grep -q 'meter "stale": no telegram for 3 s (StaleTimeout): re-opening /dev/pts/[0-9]*' "$W/collectd.log" ||
    bad "no log line for the silent meter"
run_check health "$C/smartmeter-stale" telegrams=2
r=$(python3 -c "import glob;print(int(float(open(sorted(glob.glob('$C/smartmeter-stale/derive-reconnects-*'))[-1]).read().split()[-1].split(',')[1])))")
[ "$r" -ge 1 ] || bad "stale: reconnects $r, expected at least 1"
note "fault: a device that never appears"
# collectd's complaints double their interval (1 s, 2 s, 4 s ...): about
# log2 of the run's seconds, however long the run (valgrind makes it long)
n=$(grep -c 'meter "absent": cannot open' "$W/collectd.log")
most=$(awk -v t=$(($(date +%s) - COLLECTD_T0 + 1)) 'BEGIN { print 3 + int(log(t) / log(2)) }')
[ "$n" -ge 1 ] && [ "$n" -le "$most" ] || bad "absent device logged $n times in $(($(date +%s) - COLLECTD_T0)) s (rate limit: at most $most)"
run_check health "$C/smartmeter-absent" telegrams=0 reconnects=0

note "fault: a network serial server that answers 'Port already in use' and closes"
busy_n=$(cat "$W/busy.count" 2>/dev/null || echo 0)
busy_s=$(($(date +%s) - BUSY_T0))
# back-off from 1 s doubling to 30 s: about log2(t) + t/30 connections (it
# was one a second); the reason said once, quoting the server
[ "$busy_n" -ge 2 ] && [ "$busy_n" -le $((6 + busy_s / 20)) ] ||
    bad "busy: $busy_n connections in $busy_s s: no back-off"
n=$(grep -c 'meter "busy": 127.0.0.1:'"$BUSY_PORT"' closed the connection before any telegram; the server said: "Port already in use" (another program may hold' "$W/collectd.log")
[ "$n" -eq 1 ] || bad "busy: the reason logged $n times, want once: $(grep 'meter "busy"' "$W/collectd.log" | head -5)"
n=$(grep -c 'meter "busy"' "$W/collectd.log")
[ "$n" -le 3 ] || bad "busy: $n log lines (want the reason once): $(grep 'meter "busy"' "$W/collectd.log" | head -8)"
echo "busy server: $busy_n connections in $busy_s s, $n log lines: $(grep -m1 'meter "busy": .*server said' "$W/collectd.log" | sed 's/^.*meter "busy"/meter "busy"/')"

note "Baud \"auto\": each meter's settings found, then its telegrams read"
grep -q 'meter "auto-p1": line settings found: 115200 8N1, p1, 1 frame per telegram' "$W/collectd.log" ||
    bad "auto-p1: no 'line settings found: 115200 8N1, p1'"
grep -q 'meter "auto-mbus": line settings found: 2400 8E1, mbus, 2 frames per telegram' "$W/collectd.log" ||
    bad "auto-mbus: no 'line settings found: 2400 8E1, mbus'"
run_check csv "$C/smartmeter-auto-p1" "$W/auto-p1.expect" --suffix=8
run_check csv "$C/smartmeter-auto-mbus" "$W/auto-mbus.expect" --suffix=6
grep -q 'meter "auto-sml": line settings found: 9600 8N1, sml, 1 frame per telegram' "$W/collectd.log" ||
    bad "auto-sml: no 'line settings found: 9600 8N1, sml'"
run_check csv "$C/smartmeter-auto-sml" "$W/auto-sml.expect" --suffix=8 --host-time=$NOW
grep -q 'meter "auto-tic": line settings found: 9600 7E1, tic, 1 frame per telegram' "$W/collectd.log" ||
    bad "auto-tic: no 'line settings found: 9600 7E1, tic'"
run_check csv "$C/smartmeter-auto-tic" "$W/auto-tic.expect" --suffix=8
note "the first telegram and the push period are logged at INFO"
grep -q 'meter "home": first telegram: 15 readings (12 dispatched), layout .*meter number 1KFM0200014196, encrypted' \
    "$W/collectd.log" || bad "no first-telegram line for home"
grep -q 'meter "fx-mbus": push period 5 s (learnt from the telegrams)' "$W/collectd.log" ||
    bad "fx-mbus: push period not learnt as 5 s"
grep -q 'meter "home": push period 1 s' "$W/collectd.log" || bad "home: push period not learnt as 1 s"

note "shutdown"
t0=$(date +%s%N)
kill -TERM $cpid
wait $cpid
st=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $st -eq 0 ] || bad "collectd exited with $st"
echo "collectd stopped in $ms ms"
limit=5000
[ -n "${SM_VALGRIND:-}" ] && limit=30000 # memcheck checks for leaks at exit
[ $ms -lt $limit ] || bad "shutdown took $ms ms"
grep -q "Exiting normally" "$W/collectd.log" || bad "collectd did not exit normally"
note "keys in logs and output"
for k in "$EK" "$WRONG" "$(tr -d ' \n' <"$F/test.ak")"; do
    for f in "$W/collectd.log" "$W/collectd.out"; do
        grep -qi "$k" "$f" && bad "a key appears in $f"
    done
done

note "StateDir: the last frame counter kept across a restart"
# the fixtures' meter (fx-hdlc) took frame counters 7014..7033; after a
# restart, its first four telegrams again are replays (they were taken for
# a fresh start before issue 30, item 7)
st=$W/state/fx-hdlc.state
if [ -f "$st" ] && grep -q "^system-title 4B464D1020003774$" "$st" &&
    grep -q "^frame-counter 7033$" "$st"; then
    echo "state: $st holds frame counter 7033"
else
    bad "fx-hdlc's state file: $(cat "$st" 2>&1)"
fi
grep -qi "$EK" "$W"/state/* && bad "a key appears in a state file"
{ ce_conf_head "$W" test 1 "$src" "$W/restart.log"; cat <<EOF; } >"$W/restart.conf"
LoadPlugin csv
<Plugin csv>
  DataDir "$W/csv2"
</Plugin>
LoadPlugin smartmeter
<Plugin smartmeter>
StateDir "$W/state"
$(meter fx-hdlc "Key \"$EK\"" 'Framing "hdlc"' 'MaxClockSkew 0' 'StaleTimeout 600')
</Plugin>
EOF
pty fx-hdlc
LD_PRELOAD=$PRELOAD ${SM_VALGRIND:-} collectd -f -C "$W/restart.conf" >"$W/restart.out" 2>&1 &
rpid=$!
pids+=($rpid)
for _ in $(seq 300); do grep -q "meter started\|StateDir" "$W/restart.log" 2>/dev/null && break; sleep 0.1; done
sim fx-hdlc --replay "$F/vkw-hdlc-enc.hex" --pace 400 --count 4
sleep 3
kill -TERM $rpid
wait $rpid
grep -q 'meter "fx-hdlc": StateDir: the last frame counter was 7033' "$W/restart.log" ||
    bad "restart: the state was not read: $(grep -i state "$W/restart.log")"
run_check health "$W/csv2/test/smartmeter-fx-hdlc" telegrams=0 replayed=4
run_check novalues "$W/csv2/test/smartmeter-fx-hdlc"

note "config errors"
install -m 644 "$F/test.key" "$W/open.key"
mkfifo "$W/fifo"
{ ce_conf_head "$W" test 10 "$src" "$W/bad.log"; cat <<EOF; } >"$W/bad.conf"
LoadPlugin smartmeter
<Plugin smartmeter>
LayoutFile "/nonexistent/my.layout"
LayoutFile "$W/fifo"
$(meter layout-inside "KeyFile \"$W/test.key\"" 'LayoutFile "/x.layout"')
$(meter bad-option "KeyFile \"$W/test.key\"" "Bogus 1")
$(meter bad-key 'Key "0011223344"')
$(meter no-file 'KeyFile "/nonexistent/home.key"')
$(meter fifo-key "KeyFile \"$W/fifo\"")
$(meter fifo-ak "KeyFile \"$W/test.key\"" "AuthKeyFile \"$W/fifo\"")
$(meter bad-parity 'Parity "mark"')
$(meter bad-obis 'Select "1-0:32.7"')
$(meter bad-obis-f 'Select "1-0:32.7.0.1"')
$(meter bad-label 'Select "sinsts"')
$(meter bad-baud 'Baud 2400.5')
$(DEVICE=$W meter dev-dir)
$(DEVICE=$W/collectd.conf meter dev-file)
$(DEVICE=$W/fifo meter dev-fifo)
$(DEVICE=tcp://localhost meter bad-tcp)
$(meter open-key "KeyFile \"$W/open.key\"")
$(meter dump-rel "KeyFile \"$W/test.key\"" 'DumpFile "home.dump"')
$(meter dump-dir "KeyFile \"$W/test.key\"" 'DumpFile "/nonexistent/home.dump"')
$(meter dump-isdir "KeyFile \"$W/test.key\"" "DumpFile \"$W\"")
$(meter dump-max "KeyFile \"$W/test.key\"" "DumpFile \"$W/x.dump\"" 'DumpMaxBytes 10')
$(meter ok "KeyFile \"$W/test.key\"" 'Select "1-0:32.7.0" "1-0:1.8.0"' 'Ignore "0-0:96.1.0"' 'Period 5' 'StaleTimeout 60')
$(meter bad-quirk 'Framing "sml"' 'Quirk "dzg-unsigned"')
$(meter no-quirk 'Framing "sml"' 'Quirk "none"')
</Plugin>
EOF
# shellcheck disable=SC2086
# (a FIFO as KeyFile, AuthKeyFile or LayoutFile hung collectd at its start:
# the timeout turns a hang into a failure)
LD_PRELOAD=$PRELOAD timeout 300 ${SM_VALGRIND:-} collectd -T -C "$W/bad.conf" >"$W/bad.out" 2>&1 ||
    bad "collectd -T failed (exit $?: 124 is a hang): $(cat "$W/bad.out")"
for want in 'meter "bad-option": unknown option Bogus' \
    'meter "bad-key": option Key: not a key (expected 32 or 64 hex digits)' \
    'meter "no-file": option KeyFile: cannot read /nonexistent/home.key: No such file or directory' \
    "meter \"fifo-key\": option KeyFile: cannot read $W/fifo: not a regular file (a FIFO, a device or a directory)" \
    "meter \"fifo-ak\": option AuthKeyFile: cannot read $W/fifo: not a regular file (a FIFO, a device or a directory)" \
    "LayoutFile $W/fifo: cannot be read: not a regular file (a FIFO, a device or a directory)" \
    'meter "bad-parity": option Parity: "mark" is not none, even, odd or auto' \
    'meter "bad-obis": option Select: argument 1 ("1-0:32.7") is not an OBIS code' \
    'meter "bad-obis-f": option Select: argument 1 ("1-0:32.7.0.1") is not an OBIS code' \
    'meter "bad-label": option Select: argument 1 ("sinsts") is not an OBIS code .* nor a TIC label ("SINSTS")' \
    'meter "bad-baud": option Baud needs a whole number from 50 to 4000000, or "auto"' \
    "meter \"dev-dir\": option Device: $W is a directory, not a serial device" \
    "meter \"dev-file\": option Device: $W/collectd.conf is a regular file, not a serial device" \
    "meter \"dev-fifo\": option Device: $W/fifo is a FIFO, not a serial device" \
    'meter "bad-tcp": option Device: "tcp://localhost" is not tcp://host:port' \
    'meter "open-key": option KeyFile: '"$W"'/open.key is readable by every user' \
    'meter "dump-rel": option DumpFile: "home.dump" is not an absolute path' \
    'meter "dump-dir": option DumpFile: directory /nonexistent: No such file or directory' \
    "meter \"dump-isdir\": option DumpFile: $W is not a file" \
    'meter "dump-max": option DumpMaxBytes needs a number from 4096 to 1e+12' \
    'meter "bad-option": not started because of the error above' \
    'meter "layout-inside": LayoutFile goes outside the <Meter> blocks' \
    'LayoutFile /nonexistent/my.layout: cannot be read: No such file or directory; its layouts are not used' \
    'meter "bad-quirk": Quirk "dzg-unsigned": no quirk has this name ("auto", "none", "dzg-dvs74-unsigned-power", "emh-iskra-direction-bit5", "dzg-holley-efr-direction-bit11"); the meter is not read' \
    'smartmeter plugin: version [0-9.]*, 3 meters started'; do
    grep -q "$want" "$W/bad.log" || bad "config: no log line '$want'"
done
grep -qi 0011223344 "$W/bad.log" && bad "the malformed key appears in the log"

grep -qE "AddressSanitizer|runtime error:|LeakSanitizer" "$W/collectd.out" "$W/bad.out" &&
    bad "sanitizer report: $(grep -hE 'Sanitizer|runtime error' "$W/collectd.out" "$W/bad.out" | head -5)"
if [ -n "${SM_VALGRIND:-}" ]; then # memcheck's verdict (its exit code is checked above, too)
    if grep -qE "ERROR SUMMARY: [1-9]|are definitely lost|are indirectly lost|Invalid (read|write)" \
        "$W/collectd.out" "$W/bad.out"; then
        grep -h '^==[0-9]*==' "$W/collectd.out" "$W/bad.out" | grep -v '^==[0-9]*== *$' | head -200
        bad "valgrind found errors in collectd with the plugin"
    else
        echo "valgrind: no errors and no leaks in collectd with the plugin"
    fi
fi
grep -q "already being created" "$W/collectd.log" && bad "the rrdtool plugin lost values while creating files"

if [ $fail -ne 0 ]; then
    echo "---- collectd.log (tail)"
    tail -60 "$W/collectd.log"
    echo "---- the failed checks again"
    printf '%s' "$failures"
    echo "$fail failure(s)"
    exit 1
fi
echo "end to end: all checks passed"

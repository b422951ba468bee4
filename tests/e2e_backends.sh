#!/usr/bin/env bash
# tests/e2e_backends.sh - where the readings go, each path with Debian's own
# server started here on loopback ports: a simulated meter is read by the
# plugin in collectd "meter" (next to the meter), which sends
#   - over the network plugin, encrypted with a user and password, to a
#     second collectd "central" (csv writer): every value once, at its time;
#     a third collectd with a wrong password is refused; the central one is
#     restarted in the middle and what is lost is measured;
#   - over the network plugin to InfluxDB 1.x's collectd input: the values
#     queried back with the HTTP API (/query), the meter number in a tag;
#   - through write_prometheus to a Prometheus server scraping it: the
#     samples through its HTTP API, and the energy expression the README gives;
#   - through the mqtt plugin to mosquitto: topics and payloads read back
#     with mosquitto_sub.
# Needs the packages of BACKEND_PACKAGES and RUN_PACKAGES (scripts/deps.sh;
# scripts/test installs them).  A missing server fails the test: nothing is
# skipped.  Run by `make e2e-backends` with top_srcdir and top_builddir set.
set -u
src=$(cd "${top_srcdir:-.}" && pwd)
bld=$(cd "${top_builddir:-.}" && pwd)
SIM=$bld/sim/smsim
SHIM=$bld/tests/.libs/pty_shim.so
PLUGIN=$bld/plugin/.libs/smartmeter.so
CHECK="python3 $src/tests/e2e_check.py"
fail=0
. "$src/scripts/collectd-env.sh"

for tool in collectd influxd prometheus mosquitto mosquitto_sub socat python3; do
    command -v $tool >/dev/null || { echo "FAIL: $tool is not installed (scripts/test installs it)"; exit 1; }
done
for f in "$SIM" "$SHIM" "$PLUGIN"; do
    [ -e "$f" ] || { echo "FAIL: $f was not built"; exit 1; }
done

W=$(mktemp -d /tmp/smartmeter-backends.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    ce_kill_ptys "$W/tty.pid"
    wait 2>/dev/null
    [ "${KEEP:-0}" = 1 ] && echo "kept $W" || rm -rf "$W"
}
trap cleanup EXIT

note() { echo "== $*"; }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
run_check() { $CHECK "$@" || fail=$((fail + 1)); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_for SECONDS FILE PATTERN - until FILE holds PATTERN
wait_for() {
    local _
    for _ in $(seq $(($1 * 10))); do grep -q "$3" "$2" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
# wait_http SECONDS URL - until URL answers
wait_http() {
    python3 - "$@" <<'PY'
import sys, time, urllib.request
end = time.time() + float(sys.argv[1])
while time.time() < end:
    try:
        urllib.request.urlopen(sys.argv[2], timeout=1).read()
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit(1)
PY
}

NET=$(free_port) INFLUX_CD=$(free_port) INFLUX_HTTP=$(free_port) INFLUX_RPC=$(free_port)
PROM=$(free_port) EXPORTER=$(free_port) MQTT=$(free_port)

# ---- the servers ----------------------------------------------------------------
note "mosquitto, InfluxDB and Prometheus on loopback ports"
cat >"$W/mosquitto.conf" <<EOF
listener $MQTT 127.0.0.1
allow_anonymous true
persistence false
user $(id -un)
log_dest file $W/mosquitto.log
EOF
mosquitto -c "$W/mosquitto.conf" >"$W/mosquitto.out" 2>&1 &
pids+=($!)

# InfluxDB's collectd input reads the types of collectd and of the plugin
mkdir -p "$W/influx/types"
cp /usr/share/collectd/types.db "$src/plugin/smartmeter_types.db" "$W/influx/types/"
cat >"$W/influx.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:$INFLUX_RPC"
[meta]
  dir = "$W/influx/meta"
[data]
  dir = "$W/influx/data"
  wal-dir = "$W/influx/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$INFLUX_HTTP"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[[collectd]]
  enabled = true
  bind-address = "127.0.0.1:$INFLUX_CD"
  database = "collectd"
  typesdb = "$W/influx/types"
  batch-size = 100
  batch-timeout = "200ms"
EOF
influxd -config "$W/influx.conf" >"$W/influx.out" 2>&1 &
pids+=($!)

cat >"$W/prometheus.yml" <<EOF
global:
  scrape_interval: 500ms
  scrape_timeout: 400ms
scrape_configs:
  - job_name: collectd
    honor_labels: true
    static_configs:
      - targets: ["127.0.0.1:$EXPORTER"]
EOF
prometheus --config.file="$W/prometheus.yml" --storage.tsdb.path="$W/prometheus" \
    --web.listen-address="127.0.0.1:$PROM" >"$W/prometheus.out" 2>&1 &
pids+=($!)

# ---- the collectd daemons --------------------------------------------------------
for d in meter central intruder; do
    mkdir -p "$W/$d"
    ce_plugindir "$W/$d" "$PLUGIN" logfile csv network mqtt write_prometheus write_log \
        match_regex target_set || { echo "FAIL: ce_plugindir"; exit 1; }
done
printf 'meter: s3cret-meter\n' >"$W/central/auth"
chmod 600 "$W/central/auth"
ce_pty "$W/home.tty" "$W/tty.pid" || bad "socat did not create $W/home.tty"
ce_pty "$W/intruder.tty" "$W/tty.pid" || bad "socat did not create $W/intruder.tty"
ce_pty "$W/iv.tty" "$W/tty.pid" || bad "socat did not create $W/iv.tty"
ce_pty "$W/flat.tty" "$W/tty.pid" || bad "socat did not create $W/flat.tty"

# the meter's collectd: the plugin, and every path out
# WriteThreads 1 where csv files are read: collectd's csv plugin, with several
# write threads, can destroy a row when two threads create a file at once
{ ce_conf_head "$W/meter" meter 1 "$src" "$W/meter/collectd.log"; cat <<EOF; } >"$W/meter/collectd.conf"
WriteThreads 1
LoadPlugin csv
<Plugin csv>
  DataDir "$W/meter/csv"
</Plugin>
<LoadPlugin network>
  FlushInterval 1
</LoadPlugin>
<Plugin network>
  <Server "127.0.0.1" "$NET">
    SecurityLevel Encrypt
    Username "meter"
    Password "s3cret-meter"
  </Server>
  <Server "127.0.0.1" "$INFLUX_CD">
  </Server>
</Plugin>
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$EXPORTER"
  StalenessDelta 1000    # the README's recipe for EnergyIntervals "15min"
</Plugin>
LoadPlugin mqtt
<Plugin mqtt>
  <Publish "broker">
    Host "127.0.0.1"
    Port $MQTT
    ClientId "smartmeter-meter"
    Prefix "collectd"
    QoS 1
  </Publish>
</Plugin>
LoadPlugin match_regex
LoadPlugin target_set
<Chain "PreCache">
  <Rule "meter_number_into_instance">
    <Match "regex">
      Plugin "^smartmeter\$"
      PluginInstance "^home\$"
      Type "^(voltage|current|power|energy_wh|reactive_energy)\$"
    </Match>
    <Target "set">
      PluginInstance "%{plugin_instance}-%{meta:meter_number}"
    </Target>
  </Rule>
</Chain>
LoadPlugin smartmeter
<Plugin smartmeter>
  <Meter "home">
    Device "$W/home.tty"
    Baud 38400
    KeyFile "$src/fixtures/synthetic/test.key"
  </Meter>
  <Meter "iv">
    Device "$W/iv.tty"
    Baud 38400
    KeyFile "$src/fixtures/synthetic/test.key"
    MaxClockSkew 0
    Period 30
    EnergyIntervals "15min"
  </Meter>
  <Meter "flat">
    Device "$W/flat.tty"
    Framing "p1"
    Baud 115200
    MaxClockSkew 0
  </Meter>
</Plugin>
EOF

central_conf() { # the central collectd: network in (Encrypt, AuthFile), csv out
    ce_conf_head "$W/central" central 1 "$src" "$W/central/collectd.log"
    cat <<EOF
WriteThreads 1
LoadPlugin csv
<Plugin csv>
  DataDir "$W/central/csv"
</Plugin>
LoadPlugin write_log
<Plugin write_log>
  Format JSON
</Plugin>
LoadPlugin network
<Plugin network>
  <Listen "127.0.0.1" "$NET">
    SecurityLevel Encrypt
    AuthFile "$W/central/auth"
  </Listen>
</Plugin>
EOF
}
central_conf >"$W/central/collectd.conf"

# a collectd that knows the user but not the password
{ ce_conf_head "$W/intruder" intruder 1 "$src" "$W/intruder/collectd.log"; cat <<EOF; } >"$W/intruder/collectd.conf"
<LoadPlugin network>
  FlushInterval 1
</LoadPlugin>
<Plugin network>
  <Server "127.0.0.1" "$NET">
    SecurityLevel Encrypt
    Username "meter"
    Password "not-the-password"
  </Server>
</Plugin>
LoadPlugin smartmeter
<Plugin smartmeter>
  <Meter "intruder">
    Device "$W/intruder.tty"
    Baud 38400
    KeyFile "$src/fixtures/synthetic/test.key"
  </Meter>
</Plugin>
EOF

wait_for 20 "$W/mosquitto.log" "running" || bad "mosquitto did not start: $(tail -3 "$W/mosquitto.log" "$W/mosquitto.out")"
wait_http 30 "http://127.0.0.1:$INFLUX_HTTP/ping" || bad "InfluxDB did not start: $(tail -3 "$W/influx.out")"
wait_http 30 "http://127.0.0.1:$PROM/-/ready" || bad "Prometheus did not start: $(tail -3 "$W/prometheus.out")"
wait_for 20 "$W/influx.out" "Listening on UDP" || bad "InfluxDB's collectd input is not listening: $(grep -i collectd "$W/influx.out" | tail -3)"

mosquitto_sub -h 127.0.0.1 -p "$MQTT" -q 1 -v -t 'collectd/#' >"$W/mqtt.txt" 2>"$W/mqtt.err" &
pids+=($!)

start_collectd() { # name
    LD_PRELOAD=$SHIM collectd -f -C "$W/$1/collectd.conf" >>"$W/$1/collectd.out" 2>&1 &
    pids+=($!)
    eval "pid_$1=$!"
}
start_collectd central
start_collectd meter
start_collectd intruder
for d in meter intruder; do
    wait_for 30 "$W/$d/collectd.log" "meters\{0,1\} started" || bad "collectd $d did not start: $(tail -5 "$W/$d/collectd.log")"
done
wait_for 30 "$W/central/collectd.log" "Initialization complete" || bad "the central collectd did not start"
# Prometheus scrapes the meter's collectd before the first telegram
python3 - "http://127.0.0.1:$PROM" <<'PY' || bad "Prometheus does not scrape write_prometheus"
import json, sys, time, urllib.request
end = time.time() + 30
while time.time() < end:
    q = sys.argv[1] + "/api/v1/query?query=up"
    r = json.loads(urllib.request.urlopen(q, timeout=2).read())["data"]["result"]
    if r and r[0]["value"][1] == "1":
        sys.exit(0)
    time.sleep(0.2)
sys.exit(1)
PY
sleep 1

# ---- the meter: 30 telegrams, one a second; the central collectd is stopped
# after the 10th and started again 5 s later ----------------------------------
note "30 telegrams; the central collectd stopped for 5 s in the middle"
NOW=$(date +%s)
"$SIM" --baud 38400 --out "$W/home.tty.sim" --period 1 --count 30 --start $NOW --seed 31 \
    --expect "$W/home.expect" & sim=$!
"$SIM" --baud 38400 --out "$W/intruder.tty.sim" --period 1 --count 5 --start $NOW --seed 32 & sim2=$!
# quarter-hour energy: the last 55 minutes of a meter's clock, a telegram every
# 30 s of it, sent at the line's pace (Prometheus takes samples up to an hour old)
"$SIM" --baud 38400 --out "$W/iv.tty.sim" --period 30 --count 110 --start $((NOW - 3300)) \
    --pace 150 --seed 33 & sim3=$!
# a household on P1 with its gas meter, the same hour (the Grafana panels)
"$SIM" --baud 921600 --out "$W/flat.tty.sim" --framing p1 --profile household --period 30 --count 110 \
    --start $((NOW - 3300)) --pace 150 --seed 34 --gas-every 2 & sim4=$!
sleep 10.5
kill "$pid_central"
wait "$pid_central" 2>/dev/null
DOWN=$(date +%s.%N)
sleep 5
start_collectd central
wait_for 30 "$W/central/collectd.log" "Initialization complete.*" || bad "the central collectd did not start again"
UP=$(date +%s.%N)
wait $sim $sim2 $sim3 $sim4
sleep 3 # the last values through every writer (FlushInterval 1, scrapes 0.5 s)

for d in meter central intruder; do
    eval "p=\$pid_$d"
    kill -0 "$p" 2>/dev/null || bad "collectd $d is not running any more"
done
ID=home-1KFM0200014196
note "the meter's own csv: every telegram (the reference the paths are compared with)"
run_check csv "$W/meter/csv/meter/smartmeter-$ID" "$W/home.expect"

note "central collectd: every value once at its time, except while it was down"
run_check central "$W/central/csv/meter/smartmeter-$ID" "$W/home.expect" "$DOWN" "$UP"
grep -q '"meter_number"' "$W/central/collectd.log" &&
    bad "central: meta data arrived over the network plugin (its protocol has none: the README says so)"
note "central collectd: the wrong password is refused and logged"
[ -d "$W/central/csv/intruder" ] && bad "central: values of the collectd with the wrong password were stored"
grep -E -q 'network plugin: .*(Decryption failed|[Cc]hecksum mismatch)' "$W/central/collectd.log" ||
    bad "central: no log line about the refused packets: $(grep network "$W/central/collectd.log" | tail -3)"

note "InfluxDB: the values through /query, the meter number in the instance tag"
run_check influx "http://127.0.0.1:$INFLUX_HTTP" "$ID" "$W/home.expect"
note "Prometheus: the samples through /api/v1/query, and the energy expression"
run_check prometheus "http://127.0.0.1:$PROM" "$ID" "$W/home.expect"
note "EnergyIntervals into InfluxDB and Prometheus, queried as the README says"
python3 "$src/tests/e2e_check.py" intervals "$W/meter/csv/meter/smartmeter-iv" \
    "http://127.0.0.1:$INFLUX_HTTP" "http://127.0.0.1:$PROM" ||
    bad "EnergyIntervals: the README's InfluxDB and Prometheus queries do not give the quarter hours"
note "the Grafana dashboards: every panel's query against InfluxDB and Prometheus"
python3 "$src/tests/e2e_check.py" grafana "$src/graphs" "http://127.0.0.1:$INFLUX_HTTP" \
    "http://127.0.0.1:$PROM" $((NOW - 3600)) $((NOW + 60)) ||
    bad "Grafana: a panel's query gives no data"
note "MQTT: topics and payloads through mosquitto_sub"
run_check mqtt "$W/mqtt.txt" "collectd/meter/smartmeter-$ID" "$W/home.expect"

if [ $fail -ne 0 ]; then
    for f in "$W"/*/collectd.log; do echo "--- $f"; tail -20 "$f"; done
    echo "backends: $fail check(s) FAILED"
    exit 1
fi
echo "backends: all checks passed"

#!/usr/bin/env bash
# bench/plugin_bench.sh - what the smartmeter plugin costs inside Debian's
# collectd (`make bench-plugin`).  Prints figures, asserts nothing.
#
#  1. CPU per telegram: one meter fed as fast as the pseudo-terminal takes
#     (COUNT encrypted 2-frame M-Bus telegrams), once with nothing selected
#     for dispatch (the plugin's own reading and decoding) and once with the
#     12 values dispatched; collectd's CPU time from the scheduler's
#     per-thread account while they are decoded, minus its idle CPU over the
#     same time, divided by the telegrams, the reader thread apart.
#  2. RSS: collectd with the same plugins but no smartmeter (baseline), then
#     with 1 and with 32 meters, each pushing every second for SECS s at
#     38400 baud; RSS (VmRSS) at the end; CPU over the window from the
#     scheduler's per-thread account (/proc/PID/task/*/schedstat, in ns),
#     less collectd's CPU while the lines were silent, per telegram, split
#     into the plugin's reader threads (read, decode, dispatch) and
#     collectd's own threads.  This is the realistic figure: at one
#     telegram per second every thread wakes up cold.
#  3. collectd's floor: the same, with bench/null_dispatch.c instead of
#     the plugin: a thread per meter that only dispatches the same 12 values
#     once a second.  Whatever a plugin does, collectd spends that on the
#     values; the plugin's own cost is what it spends above the floor.
# No write plugin is loaded: the figures are the plugin's decoding and
# collectd's dispatch and cache, not a writer's disk I/O.
set -euo pipefail
bld=$(cd "${1:-.}" && pwd)
src=$(cd "${2:-$(dirname "$0")/..}" && pwd)
COUNT=${COUNT:-20000}
SECS=${SECS:-20}
SIM=$bld/sim/smsim
. "$src/scripts/collectd-env.sh"
W=$(mktemp -d /tmp/smartmeter-bench.XXXXXX)
pids=()
stop_all() { kill "${pids[@]}" 2>/dev/null || true; ce_kill_ptys "$W/pty.pid"; rm -f "$W/pty.pid"; wait 2>/dev/null || true; pids=(); }
cleanup() { stop_all; rm -rf "$W"; }
trap cleanup EXIT
ce_plugindir "$W" "$bld/plugin/.libs/smartmeter.so" logfile unixsock
cp "$bld/bench/.libs/null_dispatch.so" "$W/plugins/"
install -m 600 "$src/fixtures/synthetic/test.key" "$W/test.key"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# CPU time of all of a process's threads in ns (the scheduler's own account)
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%d\n", s}'; }
# the same for the threads named like a pattern: the plugin's readers
# (smartmeter#<meter>), bench/null_dispatch.c's (null_dispatch)
threads_ns() { # pid pattern
    local t s=0
    for t in /proc/"$1"/task/*; do
        # shellcheck disable=SC2254
        case $(cat "$t/comm") in $2) s=$((s + $(cut -d' ' -f1 "$t/schedstat"))) ;; esac
    done
    echo $s
}
reader_ns() { threads_ns "$1" 'smartmeter#*'; }
null_ns() { threads_ns "$1" null_dispatch; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

conf() { # meters
    ce_conf_head "$W" bench 10 "$src" "$W/collectd.log"
    echo "${COLLECTD_GLOBALS:-}"
    ce_unixsock "$W/sock"
    if [ -n "${NULL_DISPATCH:-}" ]; then # the floor: bench/null_dispatch.c
        printf 'LoadPlugin null_dispatch\n<Plugin null_dispatch>\n  Instances %s\n  Period 1\n</Plugin>\n' \
            "$NULL_DISPATCH"
        return 0
    fi
    [ "$1" -ne 0 ] || return 0
    echo "LoadPlugin smartmeter"
    echo "<Plugin smartmeter>"
    for i in $(seq 1 "$1"); do
        printf '  <Meter "m%s">\n    Device "%s/tty%s"\n    KeyFile "%s/test.key"\n    Baud %s\n%s  </Meter>\n' \
            "$i" "$W" "$i" "$W" "${BAUD:-38400}" "${METER_OPTIONS:+    $METER_OPTIONS
}"
    done
    echo "</Plugin>"
}

start_collectd() { # meters
    conf "$1" >"$W/collectd.conf"
    LD_PRELOAD=$bld/tests/.libs/pty_shim.so collectd -f -C "$W/collectd.conf" >/dev/null 2>&1 &
    cpid=$!
    pids+=($cpid)
    sleep 2
}
stop_collectd() { kill "$cpid"; wait "$cpid" 2>/dev/null || true; }

ptys() { # n
    for i in $(seq "$1"); do ce_pty "$W/tty$i" "$W/pty.pid"; done
}

# wait until collectd's CPU time stands still for 2 s (the decoder caught up)
settle() {
    local a b
    a=$(cpu_ticks $cpid)
    while sleep 2; b=$(cpu_ticks $cpid); [ "$b" -gt $((a + 1)) ]; do a=$b; done
}

# telegrams decoded, from the plugin's summary at shutdown
telegrams() { sed -n 's/.*meter "'"$1"'": stopped: \([0-9]*\) telegrams.*/\1/p' "$W/collectd.log" | tail -1; }
# saturated: telegrams as fast as the pty takes; CPU from the scheduler's
# account of collectd's threads (all alive until collectd stops), the
# reader thread apart; collectd's idle CPU over the same time removed
saturated() { # label meter-options
    ptys 1
    BAUD=4000000 METER_OPTIONS=$2 start_collectd 1 # no pacing to a line speed
    local t0 r0 idle_ns s0 s1 t1 r1 n wall busy reader
    t0=$(cpu_ns $cpid)
    sleep 3
    idle_ns=$(( ($(cpu_ns $cpid) - t0) / 3 ))
    t0=$(cpu_ns $cpid) r0=$(reader_ns $cpid)
    s0=$(date +%s.%N)
    "$SIM" --fast --count "$COUNT" --start "$(date +%s)" --period 1 --out "$W/tty1.sim"
    settle
    s1=$(date +%s.%N)
    t1=$(cpu_ns $cpid) r1=$(reader_ns $cpid)
    stop_collectd
    n=$(telegrams m1)
    wall=$(echo "$s1 - $s0" | bc -l)
    busy=$(echo "($t1 - $t0 - $idle_ns * $wall) / 1000" | bc -l)
    reader=$(echo "($r1 - $r0) / 1000" | bc -l)
    printf '   %-44s %7.1f us per telegram: %5.1f in the reader thread, %5.1f in collectd'"'"'s threads
' \
        "$1" "$(echo "$busy / ${n:-1}" | bc -l)" "$(echo "$reader / ${n:-1}" | bc -l)" \
        "$(echo "($busy - $reader) / ${n:-1}" | bc -l)"
    [ "${n:-0}" -eq "$COUNT" ] || echo "   (only ${n:-0} of $COUNT telegrams decoded: the figure is not valid)"
    stop_all
}

echo "== CPU per telegram inside collectd ($COUNT telegrams, one meter, as fast as the pty takes)"
saturated "read, decode, nothing dispatched (Select 9-9:9.9.9)" '    Select "9-9:9.9.9"'
saturated "read, decode, 12 values dispatched" ""
echo "   (target: under 50 us per telegram; collectd's own per-value work, write queue and cache,"
echo "    is the second column of the second line less the first)"

echo "== RSS and CPU with meters pushing every second ($SECS s)"
start_collectd 0
base=$(rss_kb $cpid)
i0=$(cpu_ns $cpid)
sleep 5
base_idle_ns=$(( ($(cpu_ns $cpid) - i0) / 5 ))
stop_collectd
printf '   %-28s RSS %6d kB\n' "collectd without smartmeter" "$base"
start_collectd -1
printf '   %-28s RSS %6d kB\n' "smartmeter.so loaded, no meter" "$(rss_kb $cpid)"
stop_collectd
for n in 1 32; do
    # collectd's floor: what a plugin costs that does nothing but dispatch
    # the same 12 values once a second from a thread of its own
    NULL_DISPATCH=$n start_collectd 0
    sleep 1
    t0=$(cpu_ns $cpid) r0=$(null_ns $cpid)
    sleep "$SECS"
    t1=$(cpu_ns $cpid) r1=$(null_ns $cpid)
    stop_collectd
    fbusy=$((t1 - t0 - base_idle_ns * SECS))
    floor=$(echo "$fbusy / 1000 / ($SECS * $n)" | bc -l)
    printf '   %-28s %.0f us CPU per batch of 12 values: %.0f us in the dispatching threads, %.0f us in collectd'"'"'s\n' \
        "floor, $n null_dispatch" "$floor" "$(echo "($r1 - $r0) / 1000 / ($SECS * $n)" | bc -l)" \
        "$(echo "($fbusy - $r1 + $r0) / 1000 / ($SECS * $n)" | bc -l)"
    ptys $n
    start_collectd $n
    # collectd's CPU while the lines are silent: not the telegrams' doing
    i0=$(cpu_ns $cpid)
    sleep 5
    idle_ns=$(( ($(cpu_ns $cpid) - i0) / 5 ))
    for i in $(seq $n); do
        "$SIM" --period 1 --baud 38400 --count $((SECS + 2)) --seed "$i" --start "$(date +%s)" \
            --out "$W/tty$i.sim" &
        pids+=($!)
    done
    sleep 1
    t0=$(cpu_ns $cpid) r0=$(reader_ns $cpid)
    sleep "$SECS"
    t1=$(cpu_ns $cpid) r1=$(reader_ns $cpid)
    sleep 11
    rss=$(rss_kb $cpid)
    stop_collectd
    total=0
    for i in $(seq $n); do total=$((total + $(telegrams m$i))); done
    busy=$((t1 - t0 - idle_ns * SECS))
    printf '   %-28s RSS %6d kB  (+%d kB, %.0f kB per meter; target under 1024)\n' \
        "collectd with $n meter(s)" "$rss" $((rss - base)) "$(echo "($rss - $base) / $n" | bc -l)"
    printf '   %-28s CPU %.3f %% of a core for %d telegrams in %d s: %.0f us CPU per telegram (target: under 50 us),\n' "" \
        "$(echo "$busy / 10000000 / $SECS" | bc -l)" "$((SECS * n))" "$SECS" \
        "$(echo "$busy / 1000 / ($SECS * $n)" | bc -l)"
    printf '   %-28s %.0f us in the reader threads, %.0f us in collectd'"'"'s own threads (write queue, cache);\n' "" \
        "$(echo "($r1 - $r0) / 1000 / ($SECS * $n)" | bc -l)" \
        "$(echo "($busy - $r1 + $r0) / 1000 / ($SECS * $n)" | bc -l)"
    printf '   %-28s collectd idle: %.1f us/s, not counted (%d telegrams decoded in all)\n' "" \
        "$(echo "$idle_ns / 1000" | bc -l)" "$total"
    printf '   %-28s above the floor: %.0f us CPU per telegram (target: under 50 us)\n' "" \
        "$(echo "$busy / 1000 / ($SECS * $n) - $floor" | bc -l)"
    stop_all
done

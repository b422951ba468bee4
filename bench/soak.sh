#!/usr/bin/env bash
# bench/soak.sh - the soak test (`make soak`; too long for CI): SOAK_COUNT
# telegrams (default 1 000 000) streamed at SOAK_RATE telegrams a second
# (default 5000: thousands of times a meter's rate, and below what collectd's
# csv writer drains, so the run measures a steady state rather than a write
# queue filling up; SOAK_RATE=0 streams as fast as the pseudo-terminal takes)
# through the smartmeter plugin inside Debian's collectd, SOAK_CORRUPT
# percent of them (default 1) damaged by smsim --corrupt: a bit flipped, cut
# short, garbage inserted inside, the first frame sent twice, the whole
# telegram sent twice.  The plugin dispatches the import energy register of
# every telegram to the csv plugin (Select keeps collectd's write queue from
# being the bottleneck).  Checked at the end, against smsim's log of what it
# did to each telegram:
#  - every intact telegram's value arrived exactly once, at its meter time;
#  - no telegram arrived twice; a damaged one arrived at most once;
#  - every damaged telegram that was not dispatched shows in the health
#    counters (checksum, security, parse errors, replayed);
#  - collectd's RSS stayed flat (sampled every 5 s) and it exited normally.
# Prints the counts; exit 1 when a check fails.
set -euo pipefail
bld=$(cd "${1:-.}" && pwd)
src=$(cd "${2:-$(dirname "$0")/..}" && pwd)
N=${SOAK_COUNT:-1000000}
PCT=${SOAK_CORRUPT:-1}
RATE=${SOAK_RATE:-5000}
. "$src/scripts/collectd-env.sh"
W=$(mktemp -d /tmp/smartmeter-soak.XXXXXX)
pids=()
cleanup() {
    kill "${pids[@]}" 2>/dev/null || true
    ce_kill_ptys "$W/pty.pid"
    wait 2>/dev/null || true
    if [ "${keep:-0}" = 1 ]; then echo "   (kept $W for a look)"; else rm -rf "$W"; fi
}
trap cleanup EXIT
ce_plugindir "$W" "$bld/plugin/.libs/smartmeter.so" logfile csv
install -m 600 "$src/fixtures/synthetic/test.key" "$W/test.key"
{
    ce_conf_head "$W" soak 1 "$src" "$W/collectd.log"
    # One write thread: collectd's csv plugin creates a file by stat() and
    # then fopen(.., "w"), so two write threads with values of one series
    # microseconds apart can both create it, and the second truncates what
    # the first wrote (seen once in two 1M runs: the third telegram's row
    # turned into "00,<value>" at the very start).  A meter pushes once a
    # second; only this test's rate provokes it.
    printf 'WriteThreads 1\n'
    printf 'LoadPlugin csv\n<Plugin csv>\n  DataDir "%s/csv"\n</Plugin>\n' "$W"
    printf 'LoadPlugin smartmeter\n<Plugin smartmeter>\n  <Meter "soak">\n'
    printf '    Device "%s/tty"\n    KeyFile "%s/test.key"\n' "$W" "$W"
    printf '    Baud 4000000\n    Period 1\n    MaxClockSkew 0\n    StaleTimeout 86400\n'
    printf '    Select "1-0:1.8.0"\n  </Meter>\n</Plugin>\n'
} >"$W/collectd.conf"
ce_pty "$W/tty" "$W/pty.pid"
LD_PRELOAD=$bld/tests/.libs/pty_shim.so collectd -f -C "$W/collectd.conf" >"$W/collectd.out" 2>&1 &
cpid=$!
pids+=($cpid)
for _ in $(seq 100); do grep -q "meter started" "$W/collectd.log" 2>/dev/null && break; sleep 0.1; done
(
    while kill -0 $cpid 2>/dev/null; do
        echo "$(date +%s) $(awk '/^VmRSS/ {print $2}' /proc/$cpid/status 2>/dev/null)"
        sleep 5
    done
) >"$W/rss" &
pids+=($!)

echo "== soak: $N telegrams at $([ "$RATE" = 0 ] && echo "full speed" || echo "$RATE/s"), $PCT % damaged, through collectd $(collectd -h | sed -n 's/^collectd \([0-9.]*[0-9]\).*/\1/p')"
t0=$(date +%s)
"$bld/sim/smsim" --fast --count "$N" --period 1 --start $((t0 - N - 60)) --seed 7 --rate "$RATE" \
    --corrupt "$PCT" --corrupt-log "$W/sent" --out "$W/tty.sim"
echo "   smsim done in $(($(date +%s) - t0)) s; waiting for collectd to catch up"
cpu() { awk '{print $14 + $15}' /proc/$cpid/stat; }
a=$(cpu)
while sleep 3; b=$(cpu); [ "$b" -gt $((a + 2)) ]; do a=$b; done
cpu_s=$(echo "$(cpu) / $(getconf CLK_TCK)" | bc -l)
kill -TERM $cpid
st=0
wait $cpid || st=$?
[ $st -eq 0 ] || { echo "FAIL: collectd exited with $st"; exit 1; }
printf '   done in %d s; collectd used %.1f s CPU (%.1f us per telegram)\n' $(($(date +%s) - t0)) \
    "$cpu_s" "$(echo "$cpu_s * 1000000 / $N" | bc -l)"
grep -q "Exiting normally" "$W/collectd.log" || { echo "FAIL: collectd did not exit normally"; exit 1; }

sed -n 's/.*smartmeter plugin: meter "soak": stopped: /   plugin: /p' "$W/collectd.log"
# what collectd's other plugins complained about (a lost write shows here)
grep -v 'smartmeter plugin' "$W/collectd.log" | grep -iE 'error|fail' | head -5 | sed 's/^/   collectd: /' || true
python3 "$src/bench/soak_check.py" "$W" || { keep=${SOAK_KEEP:-1}; exit 1; }

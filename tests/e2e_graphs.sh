#!/usr/bin/env bash
# tests/e2e_graphs.sh - the graphs a user looks at, end to end, by the
# demo's command (scripts/demo-graphs): a week of three simulated meters
# (smsim --profile: a producer with PV on encrypted M-Bus with
# EnergyIntervals, a household on P1 with a gas meter, a French household on
# TIC) replayed at 1000 telegrams a second with their clocks running through
# 2026-04-13 to 04-20, through Debian's collectd into RRD files, drawn by
# graphs/smartmeter-graph; then
#  - every image is checked (tests/graphs_check.py): its size, not blank,
#    each series present by its colour in the plot, and the values the
#    program printed (the last values, the day's energy) equal to what the
#    meters sent (their --expect records);
#  - the HTML page is loaded by headless Chromium: every image loads (the
#    page's own check, read from the DOM) and a screenshot is not blank;
#  - collection3's own CGI with the shipped definitions
#    (graphs/collection3-smartmeter.conf) draws every type the meters
#    stored and every type the definitions name, each with its unit.
# Needs collectd-core, rrdtool, socat, python3-pil and chromium (scripts/test
# installs them).  Run by `make check` with top_srcdir and top_builddir set;
# KEEP=1 keeps the work directory.
set -u
src=$(cd "${top_srcdir:-.}" && pwd)
bld=$(cd "${top_builddir:-.}" && pwd)
fail=0

for tool in collectd rrdtool socat perl chromium; do
    command -v $tool >/dev/null || { echo "FAIL: $tool is not installed (scripts/test installs it)"; exit 1; }
done
for f in sim/smsim tests/.libs/pty_shim.so plugin/.libs/smartmeter.so; do
    [ -e "$bld/$f" ] || { echo "FAIL: $bld/$f was not built"; exit 1; }
done

W=$(mktemp -d /tmp/smartmeter-graphs.XXXXXX)
cleanup() { [ "${KEEP:-0}" = 1 ] && echo "kept $W" || rm -rf "$W"; }
trap cleanup EXIT
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# the demo's command: a week (under valgrind, the pass that looks for
# memory errors, a day) of three simulated meters into RRD, then drawn
days=7
[ -n "${SM_VALGRIND:-}" ] && days=1
DAYS=$days SM_BUILD=$bld bash "$src/scripts/demo-graphs" "$W" >"$W/demo.out" 2>&1 ||
    bad "scripts/demo-graphs failed: $(tail -5 "$W/demo.out")"
cat "$W/demo.out"
C=$W/collectd
LAST=1776636030
grep -q "Value too old" "$C/collectd.log" && bad "collectd dropped values as too old"
for m in home flat maison; do
    [ "$(wc -l <"$W/$m.expect")" = $((days * 1440 + 1)) ] || bad "$m: smsim sent $(wc -l <"$W/$m.expect") telegrams"
    last=$(rrdtool last "$C/rrd/house/smartmeter-$m/voltage-L1.rrd" 2>&1)
    [ "$last" = "$LAST" ] || bad "$m: the last stored time is $last, not $LAST"
done

echo "== the images"
OUT=$W/graphs
/usr/bin/python3 "$src/tests/graphs_check.py" images "$OUT" "$W" "$C/rrd/house" || bad "the images"

echo "== the page in Chromium"
# the page's own script marks every image that loaded (data-loaded) or not
# (data-broken) and sets data-images on <body> once all have
timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$W/chromium" --virtual-time-budget=10000 \
    --dump-dom "file://$OUT/index.html" >"$W/dom.html" 2>"$W/chromium.err" ||
    bad "chromium --dump-dom failed: $(tail -3 "$W/chromium.err")"
timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$W/chromium" --hide-scrollbars --window-size=1280,2400 \
    --virtual-time-budget=10000 --screenshot="$W/page.png" "file://$OUT/index.html" \
    >>"$W/chromium.err" 2>&1 || bad "chromium --screenshot failed: $(tail -3 "$W/chromium.err")"
/usr/bin/python3 "$src/tests/graphs_check.py" page "$OUT" "$W/dom.html" "$W/page.png" || bad "the page"

echo "== collection3's definitions"
/usr/bin/python3 "$src/tests/graphs_check.py" collection3 "$src/graphs/collection3-smartmeter.conf" \
    "$C/rrd/house" "$W" || bad "collection3"

[ $fail = 0 ] && echo "PASS: e2e_graphs" || echo "FAIL: e2e_graphs ($fail)"
[ $fail = 0 ]

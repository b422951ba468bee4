#!/usr/bin/env bash
# tests/hardening.sh - the programs are built hardened: smdecode a PIE,
# smdecode and the plugin with full RELRO (-z relro -z now), the stack
# protector and _FORTIFY_SOURCE (seen as __stack_chk_fail and __*_chk
# imports).  Skipped (77) in builds without hardening (--disable-hardening,
# or the sanitizer build, where FORTIFY is off).
set -euo pipefail
bld=${top_builddir:-.}
[ -n "${SM_HARDENING:-}" ] || { echo "hardening off in this build: skipped"; exit 77; }
fail=0
check() { # file, description, command...
    local f=$1 what=$2
    shift 2
    if "$@" >/dev/null 2>&1; then echo "ok   $(basename "$f"): $what"; else
        echo "FAIL $(basename "$f"): $what"
        fail=1
    fi
}
smd=$bld/decode-tool/smdecode
[ -x "$bld/decode-tool/.libs/smdecode" ] && smd=$bld/decode-tool/.libs/smdecode
files=("$smd")
[ -e "$bld/plugin/.libs/smartmeter.so" ] && files+=("$bld/plugin/.libs/smartmeter.so")
check "$smd" "position-independent executable" sh -c "readelf -hW '$smd' | grep -q 'Type: *DYN'"
for f in "${files[@]}"; do
    check "$f" "RELRO" sh -c "readelf -lW '$f' | grep -q GNU_RELRO"
    check "$f" "BIND_NOW" sh -c "readelf -dW '$f' | grep -qE 'BIND_NOW|Flags:.*NOW'"
    check "$f" "stack protector" sh -c "nm -D '$f' | grep -q __stack_chk_fail"
    check "$f" "_FORTIFY_SOURCE" sh -c "nm -D '$f' | grep -qE '__[a-z_]+_chk@'"
done
exit $fail

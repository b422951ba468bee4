#!/bin/sh
# tests/golden.sh - smdecode's output for the fixtures, in every format,
# compared with the checked-in files in tests/golden/ (and its exit status
# with the expected one).  REGEN=1 rewrites the files instead; review the
# diff before committing it.  Run by `make check` with top_srcdir and
# top_builddir set.
set -u
src=${top_srcdir:-.}
bin=${top_builddir:-.}/decode-tool/smdecode
gold=$src/tests/golden
F=$src/fixtures
syn="--key-file $F/synthetic/test.key"
fail=0
count=0

# name  expected-exit  arguments...  (with STDERR=1 standard error is
# compared too, with tests/golden/NAME.stderr)
check() {
    name=$1 want=$2
    shift 2
    count=$((count + 1))
    out=$(mktemp) err=$(mktemp)
    # shellcheck disable=SC2086
    (cd "$src" && ${SM_VALGRIND:-} "$bin" "$@") >"$out" 2>"$err"
    got=$?
    if [ "${REGEN:-0}" = 1 ]; then
        cp "$out" "$gold/$name"
    elif ! cmp -s "$out" "$gold/$name"; then
        echo "FAIL $name: output differs from tests/golden/$name"
        diff -u "$gold/$name" "$out" | head -40
        fail=$((fail + 1))
    fi
    if [ "${STDERR:-0}" = 1 ] && [ "${REGEN:-0}" = 1 ]; then
        cp "$err" "$gold/$name.stderr"
    elif [ "${STDERR:-0}" = 1 ] && ! cmp -s "$err" "$gold/$name.stderr"; then
        echo "FAIL $name: standard error differs from tests/golden/$name.stderr"
        diff -u "$gold/$name.stderr" "$err" | head -40
        fail=$((fail + 1))
    fi
    # every JSON output is JSON, a document per line
    case $name in *.json)
        if ! why=$("${top_builddir:-.}/tests/jsonl_check" "$out" 2>&1); then
            echo "FAIL $name: not a JSON document per line: $why"
            fail=$((fail + 1))
        fi ;;
    esac
    if [ "$got" != "$want" ]; then
        echo "FAIL $name: exit status $got, want $want"
        cat "$err"
        fail=$((fail + 1))
    fi
    rm -f "$out" "$err"
}

# synthetic telegrams (VKW/TINETZ layout, test keys)
for fmt in xml json csv text; do
    check "vkw-mbus-enc.$fmt" 0 -f $fmt $syn fixtures/synthetic/vkw-mbus-enc.first3.hex
done
check vkw-mbus-enc.layers.xml 0 --layers $syn fixtures/synthetic/vkw-mbus-enc.first3.hex
check vkw-mbus-enc.layers.json 0 -f json --layers $syn fixtures/synthetic/vkw-mbus-enc.first3.hex
check vkw-hdlc-enc.json 0 -f json $syn fixtures/synthetic/vkw-hdlc-enc.hex
check vkw-raw-enc.csv 0 -f csv $syn fixtures/synthetic/vkw-raw-enc.hex
check vkw-mbus-auth.layers.xml 0 -l $syn --auth-key-file $F/synthetic/test.ak fixtures/synthetic/vkw-mbus-auth.first2.hex

# which key is wrong: telegrams of the simulator (fixtures/keys), each
# diagnosis in the error line, the JSON and the text
K=fixtures/synthetic/test.key A=fixtures/synthetic/test.ak
WK=fixtures/keys/wrong.key WA=fixtures/keys/wrong.ak
for fmt in json text; do
    STDERR=1 check "keys-auth-key-wrong.$fmt" 1 -f $fmt --key-file $K --auth-key-file $WA fixtures/keys/sim-auth.hex
    STDERR=1 check "keys-swapped.$fmt" 1 -f $fmt --key-file $A --auth-key-file $K fixtures/keys/sim-auth.hex
    STDERR=1 check "keys-no-auth-key.$fmt" 1 -f $fmt --key-file $K fixtures/keys/sim-auth.hex
    STDERR=1 check "keys-key-wrong.$fmt" 1 -f $fmt --key-file $WK --auth-key-file $A fixtures/keys/sim-auth.hex
    STDERR=1 check "keys-enc-only-wrong.$fmt" 1 -f $fmt --key-file $WK fixtures/keys/sim-enc.hex
    STDERR=1 check "keys-enc-only-swapped.$fmt" 1 -f $fmt --key-file $A --auth-key-file $K fixtures/keys/sim-enc.hex
done
# the right keys, and the right encryption key without checking the tag
check keys-right.json 0 -f json --key-file $K --auth-key-file $A fixtures/keys/sim-auth.hex
check keys-no-verify.json 0 -f json --key-file $K --no-verify-tag fixtures/keys/sim-auth.hex

# real telegrams from public sources, every format
for hex in "$F"/telegrams/*.hex; do
    base=$(basename "$hex" .hex)
    keys=""
    want=0
    [ -f "$F/telegrams/$base.key" ] && keys="--key-file fixtures/telegrams/$base.key"
    [ -f "$F/telegrams/$base.ak" ] && keys="$keys --auth-key-file fixtures/telegrams/$base.ak"
    case $base in *-framing-*) want=1 ;; esac # encrypted, no public key
    for fmt in xml json csv text; do
        # shellcheck disable=SC2086
        check "$base.$fmt" $want -f $fmt $keys "fixtures/telegrams/$base.hex"
    done
done
check lg-e450-ch-gbt.xml 0 -l fixtures/captures/lg-e450-ch-gbt.hex
check lg-e450-ch-gbt.json 0 -f json fixtures/captures/lg-e450-ch-gbt.hex
check lg-e450-ch-gbt.text 0 -f text fixtures/captures/lg-e450-ch-gbt.hex

# every_format DIR EXT - each fixtures/DIR/*.EXT in every format, without
# a key, exit status 0, compared with tests/golden/DIR-NAME.FORMAT
every_format() {
    for f in "$F/$1"/*."$2"; do
        b=$(basename "$f" ".$2")
        case " ${UNVERIFIABLE:-} " in *" $b "*) continue ;; esac
        for fmt in xml json csv text; do
            check "$1-$b.$fmt" 0 -f $fmt "fixtures/$1/$b.$2"
        done
    done
}

# P1 text: the real telegrams and the synthetic ones for DSMR 2.2, D0 and
# the quirks, every format; a 7E1 capture read as 8N1; the layers
every_format p1 txt
check p1-sim-dsmr5-7e1.json 0 -f json fixtures/p1/sim-dsmr5-7e1.bin
check p1-nl-kaifa-dsmr42-1.layers.xml 0 --layers fixtures/p1/nl-kaifa-dsmr42-1.txt
check p1-nl-kaifa-dsmr42-1.layers.json 0 -f json --layers fixtures/p1/nl-kaifa-dsmr42-1.txt
# IEC 62056-21's data block: STX, ETX and the BCC named in the XML comment
check p1-iec-data-block-synthetic.layers.xml 0 --layers fixtures/p1/iec-data-block-synthetic.txt

# TIC: the real frames of French meters (each .tic beside its .json), every
# format; the groups with --layers; the noisy capture without an ETX: cut
# short (exit 1), and the frame refused whole under --whole-frames
UNVERIFIABLE="neg-tic-std-1p-tempo-linky-ticmeter-noise" every_format tic tic
check tic-std-1p-tempo-linky-ticmeter.layers.xml 0 --layers fixtures/tic/tic-std-1p-tempo-linky-ticmeter.tic
check tic-std-1p-producer-linky-ticmeter.layers.json 0 -f json --layers \
    fixtures/tic/tic-std-1p-producer-linky-ticmeter.tic
STDERR=1 check tic-noise.json 1 -f json --framing tic fixtures/tic/neg-tic-std-1p-tempo-linky-ticmeter-noise.tic
STDERR=1 check tic-badck-whole.json 1 -f json --whole-frames fixtures/tic/neg-tic-hist-1p-hc-wifinfo-badck.tic

# SML: the real frames of German meters, every format; the layers (the
# transport, its CRC kind, the message CRCs) of one X.25 and the KERMIT one.
# Itron's frame, whose CRCs no known variant verifies: rejected, and read
# with --no-verify-checksum.  The DZG sign bug corrected by its quirk, and
# as sent with --quirk none.
UNVERIFIABLE="sml-itron-openway3hz-reduced-libsml-testing" every_format sml hex
check sml-itron-openway3hz-reduced-libsml-testing.xml 1 \
    fixtures/sml/sml-itron-openway3hz-reduced-libsml-testing.hex
check sml-itron-openway3hz-reduced-libsml-testing.json 0 -f json --no-verify-checksum \
    fixtures/sml/sml-itron-openway3hz-reduced-libsml-testing.hex
check sml-dzg-dvs74-bug-libsml-testing.quirk-none.json 0 -f json --quirk none \
    fixtures/sml/sml-dzg-dvs74-bug-libsml-testing.hex
check sml-emh-ed300l-tibber.layers.xml 0 --layers fixtures/sml/sml-emh-ed300l-tibber.hex
check sml-holley-dtz541-kermit-smllib.layers.json 0 -f json --layers \
    fixtures/sml/sml-holley-dtz541-kermit-smllib.hex

# a telegram of each family written as DSMR 5 P1 (-f p1; its values are
# proved against the JSON by tests/p1_writer.sh)
check p1out-nl-kaifa-dsmr42-1.p1 0 -f p1 fixtures/p1/nl-kaifa-dsmr42-1.txt
check p1out-kelag-iskra-am550-1.p1 0 -f p1 --key-file fixtures/telegrams/kelag-iskra-am550-1.key \
    fixtures/telegrams/kelag-iskra-am550-1.hex
check p1out-sml-ebz-dd3-tibber.p1 0 -f p1 fixtures/sml/sml-ebz-dd3-tibber.hex
check p1out-tic-std-3p.p1 0 -f p1 fixtures/tic/tic-std-3p-tempo-producer-linky-openhab.tic

# Iskraemeco lists of Slovenia and Croatia (positional layouts) and the
# Czech tuples' event values nested in structures, every format
every_format iskraemeco hex
# Swedish Kaifa lists (fixtures/sweden): OBIS-keyed without scalers, and positional
every_format sweden hex
# a wrong HDLC FCS (the last two bytes before the flag changed): rejected, or
# with --no-verify-checksum decoded, flagged and said
B=$(grep -v '^#' "$F/iskraemeco/gh615-1.hex" | tr -d ' \n' | sed 's/DF427E$/DF437E/')
STDERR=1 check "badfcs.json" 1 -f json "$B"
STDERR=1 check "badfcs-ignored.json" 0 -f json --no-verify-checksum "$B"
E=0204090C07E00101050A00000080000012000112000A0A08506F776572207570
for fmt in xml json csv text; do
    check "event-nested.$fmt" 0 -f $fmt "0F000000010002020906000063620AFF$E"
done
# the same event push through the DLMS wrapper (version 1, ports 1 and 1)
check event-nested-wrapper.json 0 -f json "00010001000100300F000000010002020906000063620AFF$E"

# a layout file written from --suggest-layout's output, its "-" filled in,
# makes a list nobody knows decode with names and units
LT=$(mktemp)
(cd "$src" && "$bin" --suggest-layout "0F00000001000203090441424331120898120069") |
    sed -e 's/^field 0 -$/field 0 0-0:96.1.0/' -e 's/^field 1 -$/field 1 1-0:32.7.0 -1 V/' \
        -e 's/^field 2 -$/field 2 1-0:31.7.0 -2 A/' >"$LT"
check suggested-layout.text 0 -f text --layout-file "$LT" 0F00000001000203090441424331120898120069
check suggested-layout.json 0 -f json --layout-file "$LT" 0F00000001000203090441424331120898120069
check suggest-layout.layout 0 --suggest-layout 0F00000001000203090441424331120898120069
rm -f "$LT"

# a Czech push built like Sagemcom XT211's: tuples with captured scaler_unit
# attributes, a clock, a breaker and the tariff
X=0F000000010002021601010B020200010000600100FF02090A31323334353637383930
X=${X}020200080000010000FF02090C07E9010F030A1E00FF800000020200030100010800FF020600BC614E
X=${X}020200030100010800FF0302020F00161E020200030100200700FF021208FD020200030100200700FF
X=${X}0302020FFF16230202000301001F0700FF021200980202000301001F0700FF0302020FFE1621020200
X=${X}030100010700FF02060000035202020046000060030AFF031601020200010000600E00FF0209025431
for fmt in xml json csv text; do
    check "cz-xt211-style.$fmt" 0 -f $fmt "$X"
done

# a binary capture (the M-Bus bytes of the synthetic telegrams) with garbage
check vkw-mbus.bin.json 0 -f json --binary $syn fixtures/captures/vkw-mbus-garbage.bin

# telegrams damaged as a line damages them (fixtures/damaged, issue 30): the
# damaged one reported as a telegram, the intact ones after it decoded, no
# value from inside a frame whose check failed; exit status 1
D=fixtures/damaged
STDERR=1 check damaged-rawcut.text 1 -f text --framing raw $syn "$D/rawcut.hex"
STDERR=1 check damaged-wrapcut.text 1 -f text --framing wrapper $syn "$D/wrapcut.hex"
STDERR=1 check damaged-rawcut-auto.json 1 -f json $syn "$D/rawcut.hex"
STDERR=1 check damaged-p1dmg.text 1 -f text "$D/p1dmg.txt"
STDERR=1 check damaged-hdlcdmg.text 1 -f text --binary $syn "$D/hdlcdmg.bin"
STDERR=1 check damaged-hdlc-wrongvalue.text 1 -f text $syn "$D/hdlc-wrongvalue.hex"
# the second of three M-Bus telegrams with its start byte damaged (68 -> 69):
# skipped whole, as many bytes as a frame, said, exit status 1; with its
# second length field damaged: reported
M=$(grep -v '^#' "$F/synthetic/vkw-mbus-enc.first3.hex" | awk 'NR == 2 { sub(/^68/, "69") } 1' | tr -d '\n')
STDERR=1 check damaged-mbus-start.text 1 -f text $syn "$M"
M=$(grep -v '^#' "$F/synthetic/vkw-mbus-enc.first3.hex" | awk 'NR == 2 { sub(/^68FAFA/, "68FAFE") } 1' | tr -d '\n')
STDERR=1 check damaged-mbus-length.text 1 -f text $syn "$M"

echo "golden: $count cases, $fail failures"
[ "$fail" -eq 0 ]

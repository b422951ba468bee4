"""tests/p1_writer.py SMDECODE SRCDIR - `smdecode -f p1` of every fixture of
every family (DLMS, P1, SML, TIC), proved two ways against `smdecode -f
json` of the same fixture:
  - the independent reader (dsmr_reader.py, written from the DSMR 5.0.2
    companion standard) accepts every telegram (header, line syntax,
    formats, units, CRC) and each of its values equals the decoded one;
  - the round trip: the project's own P1 parser reads the output back
    (`smdecode -f json` of it) to the same values.
Both ways also check that nothing with a DSMR code is left out: the
telegram's objects are exactly the decoded readings that have one (and the
powers derived from a signed power, which the writer documents).  Prints
one line per fixture; exit status 1 on any difference."""
import glob
import json
import os
import subprocess
import sys
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dsmr_reader  # noqa: E402

SMDECODE, SRC = os.path.abspath(sys.argv[1]), sys.argv[2]
VALGRIND = os.environ.get("SM_VALGRIND", "").split()

# code -> (C of the reading, unit in the JSON, divisor into DSMR's unit)
ELECTRICITY = {}
for e in (0, 1, 2):
    ELECTRICITY["1-0:1.8.%d" % e] = ("Wh", 1000)
    ELECTRICITY["1-0:2.8.%d" % e] = ("Wh", 1000)
for c in (1, 2, 21, 41, 61, 22, 42, 62):
    ELECTRICITY["1-0:%d.7.0" % c] = ("W", 1000)
for c in (32, 52, 72):
    ELECTRICITY["1-0:%d.7.0" % c] = ("V", 1)
    ELECTRICITY["1-0:%d.32.0" % c] = (None, 1)
    ELECTRICITY["1-0:%d.36.0" % c] = (None, 1)
for c in (31, 51, 71):
    ELECTRICITY["1-0:%d.7.0" % c] = ("A", 1)
ELECTRICITY["0-0:96.7.21"] = (None, 1)
ELECTRICITY["0-0:96.7.9"] = (None, 1)
# the import and export powers a signed power gives (sign: +1 import)
SIGNED = {"1-0:1.7.0": (16, 1), "1-0:2.7.0": (16, -1), "1-0:21.7.0": (36, 1),
          "1-0:22.7.0": (36, -1), "1-0:41.7.0": (56, 1), "1-0:42.7.0": (56, -1),
          "1-0:61.7.0": (76, 1), "1-0:62.7.0": (76, -1)}


def parse_obis(s):
    ab, cdef = s.split(":")
    a, b = ab.split("-")
    cde, f = cdef.split("*")
    c, d, e = cde.split(".")
    return int(a), int(b), int(c), int(d), int(e), int(f)


def utc_seconds(iso):
    import calendar
    import time
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))


def find(tg, a, c, d, e, b=None):
    for r in tg.get("readings", []):
        if r.get("invalid") or not r.get("obis"):
            continue
        o = parse_obis(r["obis"])
        if (o[0], o[2], o[3], o[4], o[5]) == (a, c, d, e, 255) and (b is None or o[1] == b):
            return r
    return None


def number_of(r, unit):
    if r is None or r.get("unit") != unit or not isinstance(r.get("value"), Decimal):
        return None
    return r["value"]


def digits(v, code):
    """The digits DSMR's form of v takes: its integer and decimal digits, at
    least the object's widths (more than 18: left out by the writer)."""
    _, _, intd, dec = dsmr_reader.OBJECTS[code]
    t = format(abs(v.normalize()), "f")
    i, _, f = t.partition(".")
    return max(len(i.lstrip("0")) or 1, intd) + max(len(f), dec)


def expected(tg, derive=True):
    """What the P1 telegram of decoded telegram tg must hold: {code: value}
    in the values dsmr_reader.read gives."""
    want = {"1-3:0.2.8": "50"}
    if tg.get("time_utc"):
        want["0-0:1.0.0"] = utc_seconds(tg["time_utc"])
    elif tg.get("time"):  # no offset: written as the meter gave it, S or W
        want["0-0:1.0.0"] = ("local", utc_seconds(tg["time"][:19] + "Z"))
    if tg.get("meter_id") is not None:
        want["0-0:96.1.1"] = tg["meter_id"]
    for code, (unit, div) in ELECTRICITY.items():
        a, rest = code.split("-")
        c, d, e = (int(x) for x in rest.split(":")[1].split("."))
        v = number_of(find(tg, int(a), c, d, e, b=0 if a == "0" else None), unit)
        if v is None and derive and code in SIGNED:
            sc, sign = SIGNED[code]
            p = number_of(find(tg, 1, sc, 7, 0), "W")
            if p is not None:
                v = max(sign * p, Decimal(0))
        if v is not None and digits(v / div, code) <= 18:
            want[code] = v / div
    r = find(tg, 0, 96, 14, 0, b=0)
    if r is not None and isinstance(r.get("value"), Decimal):
        want["0-0:96.14.0"] = "%04d" % r["value"]
    r = find(tg, 0, 96, 13, 0, b=0)
    if r is not None and isinstance(r.get("value"), str):
        want["0-0:96.13.0"] = r["value"]
    for b in range(1, 5):
        r = find(tg, 0, 24, 1, 0, b=b)
        if r is not None and isinstance(r.get("value"), Decimal):
            want["0-%d:24.1.0" % b] = r["value"]
        r = find(tg, 0, 96, 1, 0, b=b)
        if r is not None and isinstance(r.get("value"), str):
            want["0-%d:96.1.0" % b] = r["value"]
        for e in (1, 3):
            r = find(tg, 0, 24, 2, e, b=b)
            v = number_of(r, "m³")
            if v is not None and r.get("time_utc"):
                want["0-%d:24.2.%d" % (b, e)] = (utc_seconds(r["time_utc"]), v)
    return want


def same(code, got, want):
    """A value the independent reader gave against the decoded one."""
    if isinstance(got, bytes):  # hex: the text, or the octets shown as hex
        printable = all(0x20 <= x < 0x7F for x in got)
        return got.decode("ascii") == want if printable else got.hex() == want.lower()
    if isinstance(want, tuple) and want[0] == "local":
        return isinstance(got, int) and want[1] - got in (3600, 7200)
    if isinstance(got, tuple):
        return got[0] == want[0] and got[1] == want[1]
    return got == want


def decode_json(args, stdin=None):
    out = subprocess.run([SMDECODE, "-f", "json", "-q"] + args, input=stdin,
                         capture_output=True, cwd=SRC).stdout
    return [json.loads(line, parse_float=Decimal, parse_int=Decimal)
            for line in out.decode().splitlines()]


def check(name, args):
    """Problems of one fixture (a list of strings) and its telegram count."""
    decoded = [t for t in decode_json(args) if "error" not in t]
    run = subprocess.run(VALGRIND + [SMDECODE, "-f", "p1", "-q"] + args,
                         capture_output=True, cwd=SRC)
    p1 = run.stdout
    if run.returncode not in (0, 1) or (VALGRIND and run.returncode == 97):
        return ["%s: smdecode -f p1 exit status %d: %s" % (
            name, run.returncode, run.stderr.decode(errors="replace")[-400:])], 0
    problems = []
    try:
        telegrams = dsmr_reader.split(p1)
    except dsmr_reader.DsmrError as e:
        return ["%s: %s" % (name, e)], 0
    if len(telegrams) != len(decoded):
        return ["%s: %d P1 telegrams for %d decoded ones" % (name, len(telegrams),
                                                               len(decoded))], 0
    back = [t for t in decode_json(["--framing", "p1", "-"], stdin=p1)]
    if len(back) != len(decoded) or any("error" in t for t in back):
        problems.append("%s: the round trip read %d telegrams (%s)" % (
            name, len(back), [t.get("error") for t in back if "error" in t]))
        back = [{}] * len(decoded)
    for n, (tg, text, rt) in enumerate(zip(decoded, telegrams, back), 1):
        where = "%s telegram %d" % (name, n)
        want = expected(tg)
        try:
            got = dsmr_reader.read(text)
        except dsmr_reader.DsmrError as e:
            problems.append("%s: the independent reader refuses it: %s" % (where, e))
            continue
        if set(got) != set(want):
            problems.append("%s: objects %s missing, %s not decoded" % (
                where, sorted(set(want) - set(got)), sorted(set(got) - set(want))))
        for code in sorted(set(got) & set(want)):
            if not same(code, got[code], want[code]):
                problems.append("%s: %s is %r, decoded %r" % (where, code, got[code],
                                                              want[code]))
        # the round trip: the project's P1 parser gives the same values
        # (the powers now sent as they are, the version 50)
        back_want = expected(rt, derive=False) if rt else {}
        for code in sorted(set(want) - {"1-3:0.2.8", "0-0:96.1.1"}):
            if not same(code, back_want.get(code), want[code]) and not (
                    code.endswith("96.1.0") or code.endswith("96.13.0")):
                problems.append("%s: round trip %s is %r, decoded %r" % (
                    where, code, back_want.get(code), want[code]))
        for code in ("0-0:96.1.1", "0-0:96.13.0"):
            if code in want and code in got:
                ok = same(code, got[code], want[code])
                back_id = rt.get("meter_id") if code == "0-0:96.1.1" else \
                    (find(rt, 0, 96, 13, 0) or {}).get("value")
                if not ok or not same(code, got[code], back_id or ""):
                    problems.append("%s: round trip %s is %r, decoded %r" % (
                        where, code, back_id, want[code]))
    return problems, len(decoded)


def fixtures():
    """(name, smdecode arguments) of every fixture that decodes."""
    F = "fixtures"
    for hexf in sorted(glob.glob(os.path.join(SRC, F, "telegrams", "*.hex"))):
        base = hexf[:-4]
        args = []
        for ext, opt in ((".key", "--key-file"), (".ak", "--auth-key-file")):
            if os.path.exists(base + ext):
                args += [opt, os.path.relpath(base + ext, SRC)]
        yield os.path.relpath(hexf, SRC), args + [os.path.relpath(hexf, SRC)]
    key = ["--key-file", F + "/synthetic/test.key"]
    for f in ("vkw-mbus-enc.hex", "vkw-hdlc-enc.hex", "vkw-raw-enc.hex"):
        yield F + "/synthetic/" + f, key + [F + "/synthetic/" + f]
    yield F + "/synthetic/vkw-mbus-auth.hex", key + [
        "--auth-key-file", F + "/synthetic/test.ak", F + "/synthetic/vkw-mbus-auth.hex"]
    yield F + "/captures/lg-e450-ch-gbt.hex", [F + "/captures/lg-e450-ch-gbt.hex"]
    for d, ext in (("iskraemeco", "hex"), ("sweden", "hex"), ("p1", "txt"), ("sml", "hex"),
                   ("tic", "tic")):
        for f in sorted(glob.glob(os.path.join(SRC, F, d, "*." + ext))):
            yield os.path.relpath(f, SRC), [os.path.relpath(f, SRC)]
    yield F + "/p1/sim-dsmr5-7e1.bin", [F + "/p1/sim-dsmr5-7e1.bin"]


def main():
    total = fails = count = 0
    for name, args in fixtures():
        problems, n = check(name, args)
        count += 1
        total += n
        for p in problems[:10]:
            print("FAIL " + p)
        fails += bool(problems)
        if not problems:
            print("ok %s: %d telegram%s" % (name, n, "" if n == 1 else "s"))
    print("p1 writer: %d fixtures, %d telegrams, %d failed" % (count, total, fails))
    return 1 if fails or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

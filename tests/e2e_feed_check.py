"""tests/e2e_feed_check.py - the checks of tests/e2e_feed.sh.

  client good HOST PORT N EXPECT KIND READY  read N telegrams from a P1 feed with
                                        the independent DSMR reader; each must
                                        carry the values the simulated meter
                                        says it sent (smsim --expect), in order
  client stuck HOST PORT READY          connect with a tiny receive buffer and
                                        never read: the feed must drop it
  feed CSVDIR LOG NAME N ...            the plugin's own account: every
                                        telegram read, slow clients dropped
  intervals CSVDIR EXPECT MAXGAP LOG    EnergyIntervals' values in the csv
                                        files against the meter's registers
"""
import calendar
import glob
import json
import os
import re
import socket
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dsmr_reader  # noqa: E402


def iso_seconds(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def dec(x):
    return Decimal(repr(x)) if isinstance(x, float) else Decimal(x)


def expected(e, kind):
    """The DSMR objects (as dsmr_reader.read gives them) a telegram of the
    simulator must carry, from its --expect line."""
    want = {
        "0-0:1.0.0": e["unix"],
        "1-0:1.8.0": dec(e["energy_import"]) / 1000,
        "1-0:2.8.0": dec(e["energy_export"]) / 1000,
        "1-0:1.7.0": dec(e["power_import"]) / 1000,
        "1-0:2.7.0": dec(e["power_export"]) / 1000,
    }
    for i, c in enumerate(("32", "52", "72"), 1):
        want["1-0:%s.7.0" % c] = dec(e["voltage_l%d" % i])
    for i, c in enumerate(("31", "51", "71"), 1):
        want["1-0:%s.7.0" % c] = dec(e["current_l%d" % i])
    if kind == "p1":
        want["0-1:24.2.1"] = (e["gas_unix"], dec(e["gas_m3"]))
    return want


def connected(ready):
    """Say so in the file ready (the test starts the meters once every client is in)."""
    open(ready, "w").close()


def client_good(host, port, n, expect_path, kind, ready):
    s = socket.create_connection((host, int(port)))
    connected(ready)
    s.settimeout(120)
    data = b""
    t0 = time.time()
    while data.count(b"!") < int(n) or not data.endswith(b"\r\n"):
        chunk = s.recv(65536)
        if not chunk:
            print("FAIL the feed closed after %d bytes" % len(data))
            return 1
        data += chunk
        if time.time() - t0 > 120:
            print("FAIL %d telegrams in 120 s, %s wanted" % (data.count(b"!"), n))
            return 1
    s.close()
    telegrams = dsmr_reader.split(data)
    for _ in range(50):  # the simulator writes its record as it goes
        lines = open(expect_path).read().splitlines()
        if len(lines) >= int(n):
            break
        time.sleep(0.1)
    exp = [json.loads(x) for x in lines]
    bad = 0
    if len(telegrams) != int(n) or len(exp) != int(n):
        print("FAIL %d telegrams read, %d sent, %s wanted" % (len(telegrams), len(exp), n))
        return 1
    for k, (tg, e) in enumerate(zip(telegrams, exp), 1):
        try:
            got = dsmr_reader.read(tg)
        except dsmr_reader.DsmrError as err:
            print("FAIL telegram %d refused: %s" % (k, err))
            bad += 1
            continue
        for code, v in expected(e, kind).items():
            if got.get(code) != v:
                print("FAIL telegram %d: %s is %r, the meter sent %r" % (k, code, got.get(code), v))
                bad += 1
    if bad:
        return 1
    print("ok %s: %d telegrams read by the independent DSMR reader, each CRC right and each "
          "value the meter's" % (kind, len(telegrams)))
    return 0


def client_stuck(host, port, ready):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((host, int(port)))
    connected(ready)
    s.settimeout(300)
    try:  # never read: wait until the feed closes the connection
        time.sleep(300)
    finally:
        s.close()


def feed(csvdir, log, *pairs):
    text = open(log).read()
    bad = 0
    for name, n in zip(pairs[::2], pairs[1::2]):
        m = re.search(r'meter "%s": P1Server [^:]+:\d+: (\d+) telegrams, (\d+) sent whole '
                      r"to (\d+) clients, (\d+) slow clients dropped" % re.escape(name), text)
        st = re.search(r'meter "%s": stopped: (\d+) telegrams' % re.escape(name), text)
        if not m or not st:
            print("FAIL %s: no P1Server or stopped line in the log" % name)
            bad += 1
            continue
        telegrams, sent, clients, dropped = (int(x) for x in m.groups())
        read = int(st.group(1))
        print("%s: %d telegrams read, %d published, %d sent whole, %d clients, %d dropped" % (
            name, read, telegrams, sent, clients, dropped))
        if read != int(n) or telegrams != int(n):
            print("FAIL %s: %d telegrams read, %d published, %s sent by the meter" % (
                name, read, telegrams, n))
            bad += 1
        if dropped < 1 or sent < int(n):
            print("FAIL %s: the stuck client was not dropped, or the good one missed telegrams" % name)
            bad += 1
        files = glob.glob(os.path.join(csvdir, "smartmeter-" + name, "derive-p1server-clients-dropped-*"))
        vals = [float(line.split(",")[1]) for f in files for line in open(f)
                if line[0].isdigit()]
        if not vals or max(vals) < 1:
            print("FAIL %s: p1server-clients-dropped not dispatched as at least 1 (%s)" % (name, vals))
            bad += 1
    return 1 if bad else 0


# ---- EnergyIntervals: the rules of collectd-smartmeter(5), on their own ----

REGISTERS = {"energy_wh-import": "energy_import", "energy_wh-export": "energy_export",
             "reactive_energy-import": "reactive_energy_import",
             "reactive_energy-export": "reactive_energy_export"}
INTERVALS = {"15min": 900, "1h": 3600, "1d": 86400}


def offset_of(e):
    """The meter's offset from UTC at its time (seconds east)."""
    m = re.search(r"([+-])(\d\d):(\d\d)$", e["time"])
    return (1 if m.group(1) == "+" else -1) * (int(m.group(2)) * 3600 + int(m.group(3)) * 60)


def model(points, length, max_gap):
    """The intervals (end, start, energy) and the count left out, by the
    documented rules: boundaries at multiples of the length in local time,
    the register at a boundary interpolated half up between readings at
    most max_gap apart, a gap, a clock going back or a register going down
    lose the intervals they touch, none given twice."""
    out, left = [], 0
    st = None  # [t, v, bound, b, bv, seen, emitted]

    def below(t, off):
        return (t + off) // length * length - off

    for t, off, v in points:
        if st is None:
            b = below(t, off)
            st = [t, v, b == t, b, v, b == t, 0]
            continue
        pt, pv, bound, b0, bv0, seen, emitted = st
        if t == pt:
            continue
        if t < pt or v < pv:
            b = below(t, off)
            on = b == t
            if on and seen and b > emitted:
                left += 1
            st = [t, v, on, b, v, seen or on, emitted]
            continue
        dt = t - pt
        if dt > max_gap:
            count = (t + off) // length - (pt + off) // length
            given = (emitted + off) // length - (pt + off) // length if emitted > pt else 0
            if count > 0:
                if seen and count > given:
                    left += count - given
                last = below(t, off)
                st = [t, v, last == t, last, v, True, emitted]
            else:
                st = [t, v, bound, b0, bv0, seen, emitted]
            continue
        b = below(pt, off) + length
        while b <= t:
            bv = v if b == t else pv + ((v - pv) * (b - pt) * 2 + dt) // (2 * dt)
            if b <= emitted:
                pass
            elif bound:
                out.append((b, b0, bv - bv0))
                emitted = b
            elif seen:
                left += 1
            seen, bound, b0, bv0 = True, True, b, bv
            b += length
        st = [t, v, bound, b0, bv0, seen, emitted]
    return out, left


def register_at(points, b):
    """The register at boundary b from the two readings around it (the run
    of increasing times that holds b), half up; None when not between two."""
    for (t0, _, v0), (t1, _, v1) in zip(points, points[1:]):
        if t0 < b <= t1 and v1 >= v0:
            return v1 if b == t1 else v0 + ((v1 - v0) * (b - t0) * 2 + (t1 - t0)) // (2 * (t1 - t0))
    return None


def read_csv(csvdir, name):
    vals = {}
    for f in glob.glob(os.path.join(csvdir, name + "-????-??-??")):
        for line in open(f):
            if line[0].isdigit():
                t, v = line.strip().split(",")
                vals[int(Decimal(t))] = Decimal(v)
    return vals


def intervals(csvdir, expect, max_gap, log):
    # the telegrams the plugin stores: a meter clock that went back has its
    # telegrams left until it passes the last time stored (as every value)
    exp, last = [], 0
    for e in (json.loads(x) for x in open(expect)):
        if e["unix"] > last:
            exp.append(e)
            last = e["unix"]
    bad = 0
    total_left = 0
    for series, field in REGISTERS.items():
        points = [(e["unix"], offset_of(e), e[field]) for e in exp]
        for ivname, length in INTERVALS.items():
            want, left = model(points, length, int(max_gap))
            total_left += left
            got = read_csv(csvdir, "%s-%s" % (series, ivname))
            want_map = {end: Decimal(energy) for end, _, energy in want}
            if got != want_map:
                missing = sorted(set(want_map) - set(got))[:5]
                extra = sorted(set(got) - set(want_map))[:5]
                diff = [(k, got[k], want_map[k]) for k in sorted(set(got) & set(want_map))
                        if got[k] != want_map[k]][:5]
                print("FAIL %s-%s: %d intervals, %d wanted; missing %s, extra %s, different %s"
                      % (series, ivname, len(got), len(want_map), missing, extra, diff))
                bad += 1
            # on their own: each is the register's difference at its boundaries
            for end, start, energy in want:
                a, z = register_at(points, start), register_at(points, end)
                if a is None or z is None or z - a != energy or energy < 0:
                    print("FAIL %s-%s ending %d: %s, the registers give %s - %s" % (
                        series, ivname, end, energy, z, a))
                    bad += 1
            print("%s-%s: %d intervals, each the register's difference; %d left out" % (
                series, ivname, len(got), left))
    # the runs of quarter hours add up to the register's difference, and four
    # make their hour
    points = [(e["unix"], offset_of(e), e["energy_import"]) for e in exp]
    q = read_csv(csvdir, "energy_wh-import-15min")
    h = read_csv(csvdir, "energy_wh-import-1h")
    for end, v in h.items():
        parts = [q.get(end - k * 900) for k in range(4)]
        if None not in parts and sum(parts) != v:
            print("FAIL the hour ending %d: %s, its quarters add up to %s" % (end, v, sum(parts)))
            bad += 1
    run_start, run_sum, prev = None, Decimal(0), None
    for end in sorted(q):
        if prev is None or end != prev + 900:
            run_start, run_sum = end - 900, Decimal(0)
        run_sum += q[end]
        prev = end
    if run_start is None or run_sum != register_at(points, prev) - register_at(points, run_start):
        print("FAIL the last run of quarter hours adds up to %s" % run_sum)
        bad += 1
    # the day the clocks went back: 2026-10-24T22:00Z to 2026-10-25T23:00Z
    d = read_csv(csvdir, "energy_wh-import-1d")
    day_end, day_start = iso_seconds("2026-10-25T23:00:00Z"), iso_seconds("2026-10-24T22:00:00Z")
    want_day = register_at(points, day_end) - register_at(points, day_start)
    if d.get(day_end) != want_day:
        print("FAIL 2026-10-25 (25 hours): %s, the registers give %s" % (d.get(day_end), want_day))
        bad += 1
    else:
        print("2026-10-25, 25 hours: %s Wh imported" % want_day)
    said = sum(int(n) for n in re.findall(
        r'meter "iv": EnergyIntervals: (\d+) intervals? left out', open(log).read()))
    counted = read_csv(csvdir, "derive-energy-intervals-left-out")
    if said != total_left or not counted or max(counted.values()) > total_left:
        print("FAIL %d intervals said left out (energy-intervals-left-out up to %s), %d by the "
              "rules" % (said, max(counted.values()) if counted else None, total_left))
        bad += 1
    else:
        print("%d intervals left out, as the rules say (each said in the log, counted)" % said)
    return 1 if bad else 0


def main(argv):
    if argv[1] == "client" and argv[2] == "good":
        return client_good(*argv[3:9])
    if argv[1] == "client" and argv[2] == "stuck":
        return client_stuck(*argv[3:6])
    if argv[1] == "feed":
        return feed(*argv[2:])
    if argv[1] == "intervals":
        return intervals(*argv[2:6])
    print("usage: see the head of tests/e2e_feed_check.py")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

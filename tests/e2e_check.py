#!/usr/bin/env python3
"""e2e_check.py - checks for tests/e2e_plugin.sh: do the values of known
telegrams arrive in collectd's outputs exactly once and exactly right?

  e2e_check.py csv DIR EXPECT [LINES]       csv plugin files of one meter
  e2e_check.py rrd DIR EXPECT [LINES]       rrdtool files (rrdtool fetch)
  e2e_check.py getval SOCK ID EXPECT        collectdctl getval: the last telegram
  e2e_check.py csv DIR EXPECT [SPEC] [--host-time=EPOCH]   values at the host's time
  e2e_check.py whisper DIR EXPECT [--any-time]   carbon's whisper files (whisper-fetch)
  e2e_check.py captures csv|rrd DIR EXPECT SERIES   a P1 sub-meter: each capture once
  e2e_check.py health DIR NAME=N ...        the meter's health counters (csv)
  e2e_check.py novalues DIR                 no reading was dispatched
  e2e_check.py central DIR EXPECT DOWN UP   a central collectd's csv: every value
                                            once, except those sent while it was
                                            down (between the times DOWN and UP)
  e2e_check.py influx URL INSTANCE EXPECT   InfluxDB's HTTP API (/query)
  e2e_check.py prometheus URL INSTANCE EXPECT   Prometheus's HTTP API
  e2e_check.py mqtt FILE TOPIC EXPECT       mosquitto_sub -v output
  e2e_check.py from-smdecode JSON OUT       smdecode -f json output -> an expect
                                            file (to check a replayed DumpFile)

EXPECT is an expect file: the synthetic fixtures' .expect.jsonl (meter time
without offset, Central European) or smsim's --expect output (with "unix").
LINES selects lines (0-based, "0-4,6").  Prints one line per failed check;
exits 1 on any failure.
"""
import datetime
import glob
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
import zoneinfo

# expect-file key -> collectd type-type_instance
SERIES = {
    "voltage_l1": "voltage-L1", "voltage_l2": "voltage-L2", "voltage_l3": "voltage-L3",
    "current_l1": "current-L1", "current_l2": "current-L2", "current_l3": "current-L3",
    "power_import": "power-import", "power_export": "power-export", "power_net": "power-net",
    "energy_import": "energy_wh-import", "energy_export": "energy_wh-export",
    "reactive_energy_import": "reactive_energy-import",
    "reactive_energy_export": "reactive_energy-export",
    "energy_import_t1": "energy_wh-import-T1", "energy_import_t2": "energy_wh-import-T2",
    "apparent_power_import": "apparent_power-import",
    "apparent_power_export": "apparent_power-export",
}
VIENNA = zoneinfo.ZoneInfo("Europe/Vienna")
failures = 0
checks = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL " + msg)


def ok(cond, msg):
    global checks
    checks += 1
    if not cond:
        fail(msg)
    return cond


def select(lines, spec):
    if not spec:
        return lines
    keep = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        keep.extend(range(int(a), int(b or a) + 1))
    return [lines[i] for i in keep]


def load_expect(path, spec=None):
    """[(unix, {series: value})] in telegram order."""
    out = []
    with open(path) as f:
        rows = [json.loads(l) for l in f if l.strip()]
    for r in select(rows, spec):
        if "unix" in r:
            t = r["unix"]
            vals = {SERIES[k]: float(v) for k, v in r.items() if k in SERIES}
        else:
            local = datetime.datetime.fromisoformat(r["time"]).replace(tzinfo=VIENNA)
            t = int(local.timestamp())
            vals = {SERIES[k]: exact(v) for k, v in r["values"].items() if k in SERIES}
        out.append((t, vals))
    return out


def exact(v):
    """raw x 10^scaler without binary artefacts (2401 x 0.1 -> 240.1)."""
    raw, value = v["raw"], v["value"]
    if raw == 0 or value == raw:
        return float(value)
    for s in range(-6, 7):
        if abs(raw * 10.0 ** s - value) <= abs(value) * 1e-12:
            return float(repr(raw * 10 ** s if s >= 0 else raw / 10 ** -s))
    return float(value)


def close(a, b):
    return abs(a - b) <= max(abs(b) * 1e-9, 5e-7)


def csv_rows(d, series):
    rows = []
    # SERIES-YYYY-MM-DD (not SERIES-T1-...: another series)
    for f in sorted(glob.glob(os.path.join(d, series + "-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"))):
        with open(f) as fh:
            for line in fh:
                if line.startswith("epoch"):
                    continue
                t, v = line.strip().split(",")[:2]
                rows.append((float(t), float(v)))
    # collectd's write threads append in no fixed order: order by time
    return sorted(rows)


def sent(exp):
    """The series the expect lines carry (an SML meter sends no reactive energy)."""
    return [v for v in SERIES.values() if any(v in vals for _, vals in exp)]


def check_csv(d, expect, spec=None, host_from=None, suffix=None, last=None):
    """host_from: the values must carry the host's time (not the meter's),
    between host_from and now, in the telegrams' order.  suffix=N: the rows
    are the last telegrams of the expect file (at least N), each once: the
    first ones went to a probe of the line settings.  last=N: only the last
    N rows and telegrams are compared (what came after a change)."""
    exp = load_expect(expect, spec)
    now = datetime.datetime.now().timestamp()
    for series in sent(exp):
        got = csv_rows(d, series)
        want = [(t, vals[series]) for t, vals in exp]
        if last is not None:
            got, want = got[-last:], want[-last:]
        if suffix is not None:
            ok(len(got) >= suffix, f"csv {d}/{series}: {len(got)} rows, expected at least {suffix}")
            want = want[len(want) - len(got):] if len(got) <= len(want) else want
        if not ok(len(got) == len(want),
                  f"csv {d}/{series}: {len(got)} rows, expected {len(want)} (each telegram exactly once)"):
            continue
        for (gt, gv), (wt, wv) in zip(got, want):
            if host_from is not None:
                ok(host_from <= gt <= now + 1 and close(gv, wv),
                   f"csv {d}/{series}: got {gt:.3f},{gv!r}, expected host time, {wv!r}")
            else:
                ok(abs(gt - wt) < 0.0011 and close(gv, wv),
                   f"csv {d}/{series}: got {gt:.3f},{gv!r}, expected {wt},{wv!r}")


def check_rrd(d, expect, spec=None):
    exp = load_expect(expect, spec)
    fresh = not spec  # the files were created by the first of these telegrams
    step = None
    for series in sent(exp):
        f = os.path.join(d, series + ".rrd")
        if not ok(os.path.exists(f), f"rrd {f} missing"):
            continue
        info = subprocess.run(["rrdtool", "info", f], capture_output=True, text=True).stdout
        step = int(next(l for l in info.splitlines() if l.startswith("step")).split("=")[1])
        first, last = exp[0][0], exp[-1][0]
        out = subprocess.run(["rrdtool", "fetch", f, "AVERAGE", "-r", str(step),
                              "-s", str(first - step), "-e", str(last)],
                             capture_output=True, text=True).stdout
        got = {}
        for line in out.splitlines():
            if ":" in line:
                t, v = line.split(":")
                if "nan" not in v:
                    got[int(t)] = float(v)
        for i, (t, vals) in enumerate(exp):
            if i == 0 and step > 1 and fresh:
                # collectd's rrdtool plugin creates a file starting 1 s before
                # its first value, so the first step of a new file is unknown
                # when the step is longer than 1 s: check that, not more
                ok(t not in got, f"rrd {series} at {t}: {got.get(t)!r} where collectd leaves NaN")
                continue
            ok(t in got and close(got[t], vals[series]),
               f"rrd {series} at {t}: got {got.get(t)!r}, expected {vals[series]!r}")
    return step


def check_rrd_sequence(d, expect, host_from):
    """A meter without a clock (SML): its values carry the host's time, so
    the steps are not known in advance.  Each value is stored for the
    interval before its update; pushes slower than the step fill at least
    one step with it alone: the expected values must appear in that order
    among the steps' values since host_from (the steps that straddle two
    updates hold averages, which are passed over).  Not the first: collectd
    creates the file a second before it, so its step holds part of it."""
    exp = load_expect(expect)
    for series in sent(exp):
        f = os.path.join(d, series + ".rrd")
        if not ok(os.path.exists(f), f"rrd {f} missing"):
            continue
        out = subprocess.run(["rrdtool", "fetch", f, "AVERAGE", "-r", "1", "-s",
                              str(int(float(host_from))), "-e", "now"],
                             capture_output=True, text=True).stdout
        got = [float(l.split(":")[1]) for l in out.splitlines()
               if ":" in l and "nan" not in l.split(":")[1]]
        want = [vals[series] for _, vals in exp][1:]
        k = 0
        for v in got:
            if k < len(want) and close(v, want[k]):
                k += 1
            elif k > 0 and close(v, want[k - 1]):
                pass  # the same value over more steps
        ok(k == len(want), f"rrd {series}: {k} of the {len(want)} values found in order "
           f"among {len(got)} steps ({got[:12]}...; want {want[:12]}...)")


def check_getval(sock, ident, expect, spec=None):
    t, vals = load_expect(expect, spec)[-1]
    for series, want in vals.items():
        r = subprocess.run(["collectdctl", "-s", sock, "getval", f"{ident}/{series}"],
                           capture_output=True, text=True)
        got = None
        for line in r.stdout.splitlines():
            if line.startswith("value="):
                got = float(line.split("=")[1])
        ok(got is not None and close(got, want),
           f"getval {ident}/{series}: got {r.stdout.strip()!r}{r.stderr.strip()}, expected {want!r}")


def check_whisper(d, expect, spec=None, any_time=False):
    exp = load_expect(expect, spec)
    for series in sent(exp):
        f = os.path.join(d, series + ".wsp")
        if not ok(os.path.exists(f), f"whisper {f} missing"):
            continue
        now = int(datetime.datetime.now().timestamp())
        out = subprocess.run(["whisper-fetch", "--from", str(now - 3600), "--until", str(now + 60), f],
                             capture_output=True, text=True).stdout
        got = [(int(t), float(v)) for t, v in (l.split() for l in out.splitlines())
               if v != "None"]
        if any_time:  # host time: the values in order, one per telegram
            gv, wv = [v for _, v in got], [vals[series] for _, vals in exp]
            ok(len(gv) == len(wv) and all(close(a, b) for a, b in zip(gv, wv)),
               f"whisper {series}: values {gv}, expected {wv}")
        else:
            gd = dict(got)
            ok(len(got) == len(exp), f"whisper {series}: {len(got)} points, expected {len(exp)}")
            for t, vals in exp:
                ok(t in gd and close(gd[t], vals[series]),
                   f"whisper {series} at {t}: got {gd.get(t)!r}, expected {vals[series]!r}")


def load_captures(path):
    """[(unix, m3)]: the gas meter's captures in a P1 expect file, each once."""
    seen = {}
    with open(path) as f:
        for l in f:
            if l.strip():
                r = json.loads(l)
                seen[r["gas_unix"]] = float(r["gas_m3"])
    return sorted(seen.items())


def check_captures(where, d, expect, series):
    """A sub-meter's values: each capture exactly once, at its capture time."""
    want = load_captures(expect)
    if where == "csv":
        got = csv_rows(d, series)
        ok(len(got) == len(want), f"captures {d}/{series}: {len(got)} rows, expected {len(want)}: {got}")
        for (gt, gv), (wt, wv) in zip(got, want):
            ok(abs(gt - wt) < 0.0011 and close(gv, wv),
               f"captures {d}/{series}: got {gt:.3f},{gv!r}, expected {wt},{wv!r}")
        return
    f = os.path.join(d, series + ".rrd")
    if not ok(os.path.exists(f), f"rrd {f} missing"):
        return
    info = subprocess.run(["rrdtool", "info", f], capture_output=True, text=True).stdout
    step = int(next(l for l in info.splitlines() if l.startswith("step")).split("=")[1])
    period = want[1][0] - want[0][0]
    ok(step == period, f"rrd {series}: step {step}, the capture period is {period}")
    out = subprocess.run(["rrdtool", "fetch", f, "AVERAGE", "-r", str(step),
                          "-s", str(want[0][0] - step), "-e", str(want[-1][0])],
                         capture_output=True, text=True).stdout
    got = {int(t): float(v) for t, v in (l.split(":") for l in out.splitlines() if ":" in l)
           if "nan" not in v}
    for i, (t, v) in enumerate(want):
        if i == 0:  # the first step of a new file is unknown (see check_rrd)
            continue
        ok(t in got and close(got[t], v), f"rrd {series} at {t}: got {got.get(t)!r}, expected {v!r}")


def check_health(d, pairs):
    """NAME=N: the last value is N; NAME>=N: at least N (where the count
    depends on how the line goes away, not on what the plugin does)."""
    for p in pairs:
        name, _, want = p.partition("=")
        least = name.endswith(">")
        name = name.rstrip(">")
        rows = csv_rows(d, "derive-" + name)
        got = rows[-1][1] if rows else None
        ok(got is not None and (int(got) >= int(want) if least else int(got) == int(want)),
           f"health {d}/{name}: got {got}, expected {'at least ' if least else ''}{want}")


def check_novalues(d):
    for series in SERIES.values():
        ok(not glob.glob(os.path.join(d, series + "-*")), f"{d}/{series}: values were dispatched")


def check_central(d, expect, down, up):
    """Every value at most once and right; every telegram from before the
    stop (less one flush interval) and after the start there; what is
    missing was sent while the central collectd was down."""
    exp = load_expect(expect)
    down, up = float(down), float(up)
    lost = set()
    for series in sent(exp):
        got = {}
        for t, v in csv_rows(d, series):
            ok(t not in got, f"central {series} at {t}: twice")
            got[t] = v
        for t, vals in exp:
            if t in got:
                ok(close(got.pop(t), vals[series]), f"central {series} at {t}: wrong value")
                continue
            lost.add(t)
            ok(down - 1.5 <= t <= up + 1, f"central {series} at {t}: missing, "
               f"sent {'before' if t < down else 'after'} the central collectd was down "
               f"({down:.1f} to {up:.1f})")
        ok(not got, f"central {series}: values of no telegram: {sorted(got)}")
    sent_while_down = [t for t, _ in exp if down - 1 <= t <= up]
    print(f"central: down {up - down:.1f} s; {len(lost)} of {len(exp)} telegrams lost "
          f"({len(sent_while_down)} were read while it was down); every other value once")


def http_json(url, path, params):
    q = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{url}{path}?{q}", timeout=10) as r:
        return json.loads(r.read())


def check_influx(url, instance, expect):
    """InfluxDB's collectd input: measurement smartmeter_value, tags host,
    instance (the plugin instance), type, type_instance."""
    exp = load_expect(expect)
    r = http_json(url, "/query", {
        "db": "collectd", "epoch": "ms",
        "q": f"SELECT value FROM smartmeter_value WHERE instance = '{instance}' "
             "GROUP BY host, type, type_instance"})
    res = r["results"][0]
    got = {}
    for s in res.get("series", []):
        tags = s["tags"]
        ok(tags["host"] == "meter", f"influx: host tag {tags['host']!r}")
        got[tags["type"] + "-" + tags["type_instance"]] = [(t / 1000, v) for t, v in s["values"]]
    for series in sent(exp):
        rows = got.get(series, [])
        want = [(t, vals[series]) for t, vals in exp]
        if not ok(len(rows) == len(want), f"influx {series}: {len(rows)} points, expected {len(want)}"):
            continue
        for (gt, gv), (wt, wv) in zip(rows, want):
            ok(abs(gt - wt) < 0.0011 and close(gv, wv),
               f"influx {series}: got {gt},{gv!r}, expected {wt},{wv!r}")


PROM_PREFIX = "collectd_smartmeter_"


def check_prometheus(url, instance, expect):
    """write_prometheus names a series collectd_<plugin>_<type> with labels
    smartmeter (the plugin instance) and type (the type instance), and gives
    each sample its collectd time; scraped every 0.5 s, every telegram's
    values must be there at their times."""
    exp = load_expect(expect)
    end = exp[-1][0] + 2
    r = http_json(url, "/api/v1/query", {
        "query": f'{{__name__=~"{PROM_PREFIX}.*",smartmeter="{instance}"}}[5m]', "time": end})
    ok(r["status"] == "success", f"prometheus: {r}")
    got = {}
    for s in r["data"]["result"]:
        m = s["metric"]
        got[m["__name__"][len(PROM_PREFIX):] + "-" + m.get("type", "")] = \
            [(float(t), float(v)) for t, v in s["values"]]
    for series in sent(exp):
        rows = dict(got.get(series, []))
        ok(len(rows) == len(exp), f"prometheus {series}: {len(rows)} samples, expected {len(exp)}")
        for t, vals in exp:
            ok(t in rows and close(rows[t], vals[series]),
               f"prometheus {series} at {t}: got {rows.get(t)!r}, expected {vals[series]!r}")
    # the energy of a period from a register (a gauge): the README's expression
    first, last = exp[0], exp[-1]
    span = last[0] - first[0]
    sel = f'{PROM_PREFIX}energy_wh{{smartmeter="{instance}",type="import"}}[{span + 1}s]'
    r = http_json(url, "/api/v1/query", {"query": f"max_over_time({sel}) - min_over_time({sel})",
                                          "time": last[0]})
    res = r["data"]["result"]
    want = last[1]["energy_wh-import"] - first[1]["energy_wh-import"]
    ok(len(res) == 1 and close(float(res[0]["value"][1]), want),
       f"prometheus: energy of the period {res}, expected {want}")


def check_mqtt(path, topic, expect):
    """collectd's mqtt plugin: TOPIC/<type>-<type instance>, payload
    "<time>:<value>"; each telegram's values once.  collectd 5.12 sends the
    string's terminating NUL byte too (fixed after 5.12, collectd pull
    request 4005): the README's Home Assistant template copes with it."""
    exp = load_expect(expect)
    got = {}
    with open(path) as f:
        for line in f:
            t, _, payload = line.rstrip("\n").partition(" ")
            payload = payload.rstrip("\0")
            if t.startswith(topic + "/"):
                when, _, v = payload.partition(":")
                got.setdefault(t[len(topic) + 1:], []).append((float(when), float(v)))
    for series in sent(exp):
        rows = sorted(got.get(series, []))
        want = [(t, vals[series]) for t, vals in exp]
        if not ok(len(rows) == len(want), f"mqtt {series}: {len(rows)} messages, expected {len(want)}"):
            continue
        for (gt, gv), (wt, wv) in zip(rows, want):
            ok(abs(gt - wt) < 0.0011 and close(gv, wv),
               f"mqtt {topic}/{series}: got {gt}:{gv!r}, expected {wt}:{wv!r}")


# expect-file key -> OBIS code (smdecode's JSON)
OBIS = {
    "voltage_l1": "1-0:32.7.0*255", "voltage_l2": "1-0:52.7.0*255",
    "voltage_l3": "1-0:72.7.0*255", "current_l1": "1-0:31.7.0*255",
    "current_l2": "1-0:51.7.0*255", "current_l3": "1-0:71.7.0*255",
    "power_import": "1-0:1.7.0*255", "power_export": "1-0:2.7.0*255",
    "energy_import": "1-0:1.8.0*255", "energy_export": "1-0:2.8.0*255",
    "reactive_energy_import": "1-0:3.8.0*255", "reactive_energy_export": "1-0:4.8.0*255",
}


def from_smdecode(src, out):
    """Each decoded telegram of smdecode's JSON as an expect line."""
    n = 0
    with open(src) as f, open(out, "w") as o:
        for line in f:
            t = json.loads(line)
            if not ok("error" not in t, f"smdecode: telegram {t.get('telegram')}: {t.get('message')}"):
                continue
            utc = datetime.datetime.fromisoformat(t["time_utc"].replace("Z", "+00:00"))
            row = {"unix": int(utc.timestamp())}
            readings = {r["obis"]: r["value"] for r in t["readings"]}
            for key, obis in OBIS.items():
                if ok(obis in readings, f"smdecode: telegram {t['telegram']}: no {obis}"):
                    row[key] = readings[obis]
            o.write(json.dumps(row) + "\n")
            n += 1
    print(f"{n} telegrams")


def check_intervals(csvdir, influx, prom):
    """EnergyIntervals' quarter hours (energy_wh-import-15min) of meter "iv"
    in the meter's own csv, in InfluxDB and in Prometheus, by the README's
    queries: each one point at its end time, the same values, the sums
    equal (Prometheus stores each once however often it scrapes, with
    write_prometheus' StalenessDelta above the interval)."""
    own = {}
    for f in glob.glob(os.path.join(csvdir, "energy_wh-import-15min-*")):
        for line in open(f):
            if line[0].isdigit():
                t, v = line.strip().split(",")
                own[int(float(t))] = float(v)
    ok(len(own) >= 2, f"intervals: {len(own)} quarter hours in the meter's csv, expected 2 or more")
    r = http_json(influx, "/query", {
        "db": "collectd", "epoch": "s",
        "q": "SELECT value FROM smartmeter_value WHERE instance = 'iv' AND type = 'energy_wh' "
             "AND type_instance = 'import-15min'"})
    rows = r["results"][0].get("series", [{}])[0].get("values", [])
    ok({int(t): float(v) for t, v in rows} == own, f"influx: quarter hours {rows}, expected {own}")
    r = http_json(influx, "/query", {
        "db": "collectd",
        "q": "SELECT sum(value) FROM smartmeter_value WHERE instance = 'iv' AND type = 'energy_wh' "
             "AND type_instance = 'import-15min' AND time > now() - 1d"})
    s = r["results"][0].get("series", [{}])[0].get("values", [[0, None]])[0][1]
    ok(s is not None and close(s, sum(own.values())), f"influx: sum {s}, expected {sum(own.values())}")
    sel = 'collectd_smartmeter_energy_wh{smartmeter="iv",type="import-15min"}[2h]'
    for fn, want in (("sum_over_time", sum(own.values())), ("count_over_time", len(own))):
        res = http_json(prom, "/api/v1/query", {"query": f"{fn}({sel})"})["data"]["result"]
        got = float(res[0]["value"][1]) if res else None
        ok(got is not None and close(got, want), f"prometheus: {fn} {got}, expected {want}")
    print(f"intervals: {len(own)} quarter hours, {sum(own.values())} Wh, the same in InfluxDB "
          "and Prometheus")


# the series the panels with one per phase or meter must give
GRAFANA_SERIES = {"Voltage": {"L1", "L2", "L3"}, "Current": {"L1", "L2", "L3"}, "Gas": {"gas-1"}}


def check_grafana(dash_dir, influx, prom, start, end):
    """Every panel query of the shipped Grafana dashboards, and their meter
    variables, against the real servers, as Grafana would send them (the
    variables filled in: every meter, the test's time range, $__interval
    1m; Prometheus' range aligned to the query's step): each must return a
    series with a value."""
    start, end = int(float(start)), int(float(end))
    steps = {"15m": 900, "1h": 3600, "1d": 86400}
    dash = json.load(open(os.path.join(dash_dir, "grafana-influxdb.json")))
    var = [v for v in dash["templating"]["list"] if v["name"] == "meter"][0]
    r = http_json(influx, "/query", {"db": "collectd", "q": var["query"]})
    vals = [v[1] for v in r["results"][0].get("series", [{}])[0].get("values", [])]
    ok(len(vals) >= 2, f"grafana influx: the meter variable's query gives {vals}")
    for p in dash["panels"]:
        for t in p["targets"]:
            q = (t["query"].replace("$timeFilter", f"time >= {start}s AND time <= {end}s")
                 .replace("$__interval", "1m").replace("$meter", ".+").replace("$tz", "Europe/Berlin"))
            r = http_json(influx, "/query", {"db": "collectd", "epoch": "s", "q": q})
            series = r["results"][0].get("series", [])
            n = sum(1 for s_ in series for row in s_["values"] if row[1] is not None)
            ok(n > 0, f"grafana influx: {p['title']} {t['refId']} gives no value: {q} -> {r}")
            tags = {s_.get("tags", {}).get("type_instance") for s_ in series}
            want = GRAFANA_SERIES.get(p["title"].split(" ")[0])
            ok(not want or tags == want, f"grafana influx: {p['title']}: series {tags}, expected {want}")
            print(f"grafana influx: {p['title']} / {t['refId']}: {len(series)} series, {n} values")
    dash = json.load(open(os.path.join(dash_dir, "grafana-prometheus.json")))
    var = [v for v in dash["templating"]["list"] if v["name"] == "meter"][0]
    metric = re.match(r"label_values\((\w+), (\w+)\)", var["definition"])
    r = http_json(prom, f"/api/v1/label/{metric.group(2)}/values", {"match[]": metric.group(1)})
    ok(len(r["data"]) >= 2, f"grafana prometheus: the meter variable's query gives {r['data']}")
    for p in dash["panels"]:
        for t in p["targets"]:
            step = steps.get(t.get("interval"), 60)
            q = t["expr"].replace("$meter", ".+")
            r = http_json(prom, "/api/v1/query_range", {
                "query": q, "start": start // step * step, "end": -(-end // step) * step, "step": step})
            res = r["data"]["result"]
            n = sum(1 for s_ in res for _, v in s_["values"] if v not in ("NaN", None))
            ok(n > 0, f"grafana prometheus: {p['title']} {t['refId']} gives no value: {q} -> {r}")
            tags = {s_["metric"].get("type") for s_ in res}
            want = GRAFANA_SERIES.get(p["title"].split(" ")[0])
            ok(not want or tags == want, f"grafana prometheus: {p['title']}: series {tags}, expected {want}")
            print(f"grafana prometheus: {p['title']} / {t['refId']}: {len(res)} series, {n} values")


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "csv":
        host = [a for a in args if a.startswith("--host-time=")]
        suffix = [a for a in args if a.startswith("--suffix=")]
        last = [a for a in args if a.startswith("--last=")]
        rest = [a for a in args if not a.startswith("--")]
        check_csv(*rest, host_from=float(host[0].split("=")[1]) if host else None,
                  suffix=int(suffix[0].split("=")[1]) if suffix else None,
                  last=int(last[0].split("=")[1]) if last else None)
    elif cmd == "rrd":
        step = check_rrd(*args)
        print(f"rrd step {step}")
    elif cmd == "rrd-sequence":
        check_rrd_sequence(*args)
    elif cmd == "getval":
        check_getval(*args)
    elif cmd == "whisper":
        any_time = "--any-time" in args
        check_whisper(*[a for a in args if a != "--any-time"], any_time=any_time)
    elif cmd == "captures":
        check_captures(*args)
    elif cmd == "health":
        check_health(args[0], args[1:])
    elif cmd == "novalues":
        check_novalues(args[0])
    elif cmd == "central":
        check_central(*args)
    elif cmd == "influx":
        check_influx(*args)
    elif cmd == "prometheus":
        check_prometheus(*args)
    elif cmd == "mqtt":
        check_mqtt(*args)
    elif cmd == "intervals":
        check_intervals(*args)
    elif cmd == "grafana":
        check_grafana(*args)
    elif cmd == "from-smdecode":
        from_smdecode(*args)
    else:
        sys.exit("unknown check " + cmd)
    print(f"{cmd} {args[0]}: {checks - failures}/{checks} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

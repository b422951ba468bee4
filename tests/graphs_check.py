#!/usr/bin/env python3
"""tests/graphs_check.py - the checks of tests/e2e_graphs.sh.

  graphs_check.py images OUT WORK RRDHOST  every image smartmeter-graph drew
  graphs_check.py page OUT DOM SHOT     the page as Chromium loaded it
  graphs_check.py collection3 SNIPPET RRDHOST WORK   collection3 with the snippet

images: each file of OUT/manifest.json is a PNG of the size rrdtool said,
not blank; each series is in the plot area in its colour exactly when the
meter sent a value that draws it (an export series of a meter that never
exported has no pixel); each bar graph's totals equal the registers'
difference the meters sent (WORK/<meter>.expect, smsim's record): from the
register, as its RRD file keeps it (the readings averaged over the file's
step, rrdtool's GAUGE) at the steps the program used; from
EnergyIntervals' hours, the register interpolated at the hours' boundaries
and rounded half up, as collectd-smartmeter(5) says; the page's last values
equal the last telegram's."""

import glob
import html.parser
import json
import math
import os
import re
import shutil
import subprocess
import sys

from PIL import Image

FAILS = []


def bad(msg):
    FAILS.append(msg)
    print("  FAIL: " + msg)


def expects(work):
    out = {}
    for f in glob.glob(os.path.join(work, "*.expect")):
        with open(f) as fh:
            out[os.path.basename(f)[:-7]] = [json.loads(line) for line in fh]
    return out


def hex_rgb(c):
    return tuple(int(c[i:i + 2], 16) for i in (1, 3, 5))


def colour_count(img, box, rgb):
    x0, y0, w, h = box
    crop = img.crop((x0, y0, x0 + w + 1, y0 + h + 1)).convert("RGB")
    return sum(n for n, c in crop.getcolors(crop.width * crop.height) if c == rgb)


def not_blank(img, what):
    rgb = img.convert("RGB")
    colours = rgb.getcolors(rgb.width * rgb.height)
    white = sum(n for n, c in colours if c == (255, 255, 255))
    if len(colours) < 8 or white > 0.985 * rgb.width * rgb.height:
        bad("%s is blank (%d colours, %d of %d pixels white)" % (what, len(colours), white,
                                                                 rgb.width * rgb.height))


# what draws a series: the expect record's field, by graph and legend
FIELDS = {("power", "import"): "power_import", ("power", "export"): "power_export",
          ("power", "apparent power"): "apparent_power_import",
          ("energy-15min", "import"): "power_import", ("energy-15min", "export"): "power_export"}
for p in ("L1", "L2", "L3"):
    FIELDS[("voltage", p)] = "voltage_" + p.lower()
    FIELDS[("current", p)] = "current_" + p.lower()
REGISTERS = {"energy_wh-import": ("energy_import", "unix"), "energy_wh-export": ("energy_export", "unix"),
             "volume-gas-1": ("gas_m3", "gas_unix")}
LEGEND_REGISTER = {"import": "energy_wh-import", "export": "energy_wh-export", "gas": "volume-gas-1"}


def drawn(rows, field, start, end):
    """Whether the meter sent a non-zero value of field in (start, end]."""
    return any(r.get(field) for r in rows if start < r["unix"] <= end)


def rrd_value(rows, field, tfield, t, step):
    """The register as its RRD file holds it at t: the average over the
    file's step (t - step, t] of the readings, each of which holds from the
    one before it to its own time (rrdtool's GAUGE)."""
    pts = sorted({(r[tfield], r[field]) for r in rows})
    total = 0.0
    for (t0, _), (t1, v) in zip(pts, pts[1:]):
        lo, hi = max(t0, t - step), min(t1, t)
        if hi > lo:
            total += (hi - lo) * v
    return total / step


def rrd_step(path):
    out = subprocess.run(["rrdtool", "info", path], capture_output=True, text=True).stdout
    return int(re.search(r"^step = (\d+)", out, re.M).group(1))


def boundary(rows, field, b):
    """The register at boundary b: the reading there, else the straight
    line between the readings around it, rounded half up (to Wh)."""
    before = [r for r in rows if r["unix"] <= b]
    after = [r for r in rows if r["unix"] >= b]
    if not before or not after:
        return None
    a, c = before[-1], after[0]
    if a["unix"] == b:
        return a[field]
    x = a[field] + (c[field] - a[field]) * (b - a["unix"]) / (c["unix"] - a["unix"])
    return math.floor(x + 0.5)


def check_totals(e, rows, rrddir):
    for t in e["totals"]:
        field, tfield = REGISTERS.get(t["register"], (None, None))
        if not field:
            bad("%s: no reference for %s" % (e["file"], t["register"]))
            continue
        if t["source"] == "EnergyIntervals":
            want = boundary(rows, field, t["last"]) - boundary(rows, field, t["base"])
        else:
            step = rrd_step(os.path.join(rrddir, "smartmeter-" + e["meter"], t["register"] + ".rrd"))
            want = rrd_value(rows, field, tfield, t["last"], step) - rrd_value(rows, field, tfield, t["base"], step)
        if abs(t["total"] - want) > 1e-6 * max(1, abs(want)):
            bad("%s: %s total %r, the meter's register says %r (%s, %d to %d)"
                % (e["file"], t["register"], t["total"], want, t["source"], t["base"], t["last"]))
        else:
            print("  %s: %s %s total %s = the register's difference (%s)"
                  % (e["file"], t["register"], e["range"], round(want, 3), t["source"]))


def check_series(e, img, rows):
    for s in e["series"]:
        legend = s["legend"].split(" (")[0]
        n = colour_count(img, e["plot"], hex_rgb(s["colour"]))
        if e["totals"]:
            reg = [t for t in e["totals"] if t["register"] == LEGEND_REGISTER.get(legend)]
            want = bool(reg) and reg[0]["total"] > 0
        else:
            field = FIELDS.get((e["graph"], legend))
            if not field:
                bad("%s: no reference for the series %r" % (e["file"], legend))
                continue
            want = drawn(rows, field, e["start"], e["end"])
        if want and n < 20:
            bad("%s: the series %r is not drawn (%d pixels of %s)" % (e["file"], legend, n, s["colour"]))
        elif not want and n > 0:
            bad("%s: the series %r is drawn (%d pixels) though the meter sent no such value"
                % (e["file"], legend, n))


def images(out, work, rrddir):
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    exp = expects(work)
    graphs = {}
    for e in manifest:
        img = Image.open(os.path.join(out, e["file"]))
        if img.format != "PNG" or img.size != (e["width"], e["height"]) or e["width"] < 800:
            bad("%s: %s %s, rrdtool said %dx%d" % (e["file"], img.format, img.size, e["width"], e["height"]))
            continue
        not_blank(img, e["file"])
        rows = exp[e["meter"]]
        check_series(e, img, rows)
        check_totals(e, rows, rrddir)
        graphs.setdefault(e["meter"], set()).add("%s-%s" % (e["graph"], e["range"]))
    # what each meter must have: power, voltage, current and energy per
    # hour/day in every range; quarter hours and gas where the meter has them
    for meter, rows in exp.items():
        want = {"%s-%s" % (g, r) for g in ("power", "voltage", "current") for r in ("day", "week", "month")}
        want |= {"energy-hour-day", "energy-day-week", "energy-day-month"}
        if meter == "home":
            want.add("energy-15min-day")
        if "gas_m3" in rows[0]:
            want |= {"volume-gas-1-hour-day", "volume-gas-1-day-week", "volume-gas-1-day-month"}
        missing = want - graphs.get(meter, set())
        if missing:
            bad("%s: no image of %s" % (meter, ", ".join(sorted(missing))))
    print("  %d images checked" % len(manifest))
    check_last_values(out, exp)


class Cells(html.parser.HTMLParser):
    """The page's tables: {section id: [[cell, ...], ...]} and its images."""

    def __init__(self):
        super().__init__()
        self.section, self.rows, self.cell, self.imgs, self.attrs = None, {}, None, [], {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.section = a.get("id")
        elif tag == "tr":
            self.rows.setdefault(self.section, []).append([])
        elif tag == "td":
            self.cell = ""
        elif tag == "img":
            self.imgs.append(a)
        elif tag == "body":
            self.attrs = a

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.rows[self.section][-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


LASTS = {"voltage L1": ("voltage_l1", 1), "voltage L2": ("voltage_l2", 1), "voltage L3": ("voltage_l3", 1),
         "current L1": ("current_l1", 1), "power import": ("power_import", 1),
         "power export": ("power_export", 1), "apparent power": ("apparent_power_import", 1),
         "energy import": ("energy_import", 0.001), "energy export": ("energy_export", 0.001),
         "gas": ("gas_m3", 1)}


def check_last_values(out, exp):
    p = Cells()
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        p.feed(f.read())
    for meter, rows in exp.items():
        table = {r[0]: r[1] for r in p.rows.get(meter, []) if len(r) >= 2}
        n = 0
        for label, (field, scale) in LASTS.items():
            if field not in rows[-1]:
                continue
            if label not in table:
                bad("page: %s has no %r among its last values" % (meter, label))
                continue
            want = rows[-1][field] * scale
            if abs(float(table[label]) - want) > 1e-9 * max(1, abs(want)):
                bad("page: %s %s is %s, the last telegram says %r" % (meter, label, table[label], want))
            n += 1
        print("  page: %s: %d last values equal the last telegram's" % (meter, n))


def page(out, dom, shot):
    p = Cells()
    with open(dom, encoding="utf-8") as f:
        p.feed(f.read())
    with open(os.path.join(out, "manifest.json")) as f:
        n = len(json.load(f))
    loaded = [i for i in p.imgs if "data-loaded" in i]
    broken = [i.get("src") for i in p.imgs if "data-broken" in i]
    if p.attrs.get("data-images") != "%d/%d" % (n, n) or len(loaded) != n or broken:
        bad("page: Chromium loaded %d of %d images (body data-images=%r), broken: %s"
            % (len(loaded), n, p.attrs.get("data-images"), broken))
    else:
        print("  page: Chromium loaded all %d images" % n)
    img = Image.open(shot)
    if img.size != (1280, 2400):
        bad("page: the screenshot is %dx%d" % img.size)
    not_blank(img, "the screenshot")
    print("  page: screenshot %dx%d, %d colours" % (img.size + (len(img.convert("RGB").getcolors(1 << 22)),)))


def collection3(snippet, rrdhost, work):
    """collection3's graph.cgi with the snippet Included draws every type
    the plugin stored, and every type the snippet defines (from files made
    here for those no simulated meter sends), each with its unit (the
    snippet's, or collection3's own for power, voltage, current and
    frequency); only the health types (derive, count, gauge) have none."""
    snippet = os.path.abspath(snippet)
    c3 = os.path.join(work, "collection3")
    shutil.copytree("/usr/share/doc/collectd-core/examples/collection3", c3)
    conf = os.path.join(c3, "etc", "collection.conf")
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write('DataDir "%s"\n' % os.path.dirname(rrdhost) + text.replace("#DataDir", "#") +
                'Include "%s"\n' % snippet)
    units = dict(re.findall(r"<Type (\w+)>.*?RRDVerticalLabel \"([^\"]+)\"", open(snippet).read(), re.S))
    # the types no simulated meter sends (reactive and apparent power,
    # power factor, angle, ...): a file each, as the plugin's rrdtool
    # plugin would make it, under a meter of their own
    stored = {os.path.basename(p)[:-4].partition("-")[0]
              for p in glob.glob(os.path.join(rrdhost, "smartmeter-*", "*.rrd"))}
    extra = os.path.join(rrdhost, "smartmeter-types")
    os.makedirs(extra, exist_ok=True)
    t0 = 1776600000
    for typ in sorted(set(units) | {"frequency"} - stored):
        path = os.path.join(extra, "%s-L1.rrd" % typ)
        subprocess.run(["rrdtool", "create", path, "--start", str(t0 - 60), "--step", "60",
                        "DS:value:GAUGE:120:U:U", "RRA:AVERAGE:0.5:1:1440", "RRA:MIN:0.5:1:1440",
                        "RRA:MAX:0.5:1:1440"], check=True)
        subprocess.run(["rrdtool", "update", path] +
                       ["%d:%r" % (t0 + 60 * i, 0.9 + 0.05 * math.sin(i / 20)) for i in range(600)], check=True)
    host = os.path.basename(rrdhost)
    seen = set()
    for path in sorted(glob.glob(os.path.join(rrdhost, "smartmeter-*", "*.rrd"))):
        inst = os.path.basename(os.path.dirname(path))[len("smartmeter-"):]
        name = os.path.basename(path)[:-4]
        typ, _, ti = name.partition("-")
        if typ in seen:
            continue
        seen.add(typ)
        q = "hostname=%s;plugin=smartmeter;plugin_instance=%s;type=%s;type_instance=%s;begin=-2678400;end=%s" % (
            host, inst, typ, ti, subprocess.run(["rrdtool", "last", path], capture_output=True,
                                                 text=True).stdout.strip())
        env = dict(os.environ, SCRIPT_FILENAME=os.path.join(c3, "bin", "graph.cgi"), REQUEST_METHOD="GET")
        dbg = subprocess.run(["perl", os.path.join(c3, "bin", "graph.cgi")], cwd=c3, capture_output=True,
                             env=dict(env, QUERY_STRING=q + ";debug=1"))
        png = subprocess.run(["perl", os.path.join(c3, "bin", "graph.cgi")], cwd=c3, capture_output=True,
                             env=dict(env, QUERY_STRING=q))
        body = png.stdout.split(b"\r\n\r\n", 1)[-1]
        out = os.path.join(work, "c3-%s.png" % typ)
        with open(out, "wb") as f:
            f.write(body)
        try:
            img = Image.open(out)
            img.load()
        except Exception as e:  # noqa: BLE001 - any unreadable image is the failure
            bad("collection3: %s: no image (%s): %s" % (typ, e, png.stderr.decode()[-300:]))
            continue
        not_blank(img, "collection3's %s graph" % typ)
        label = re.search(r"^-v,\n(.*),$", dbg.stdout.decode(), re.M)
        label = label.group(1) if label else None
        if typ not in ("derive", "count", "gauge") and not label:
            bad("collection3: %s is drawn without a unit" % typ)
        if typ in units and label != units[typ]:
            bad("collection3: %s is drawn with the vertical label %r, the snippet says %r" % (typ, label, units[typ]))
        print("  collection3: %-16s %dx%d, unit %s" % (typ, img.size[0], img.size[1], label))
    missing = (set(units) | {"power", "voltage", "current", "frequency"}) - seen
    if missing:
        bad("collection3: no graph of %s" % ", ".join(sorted(missing)))


def main():
    what = sys.argv[1]
    {"images": images, "page": page, "collection3": collection3}[what](*sys.argv[2:])
    if FAILS:
        print("%s: %d failures" % (what, len(FAILS)))
        sys.exit(1)


if __name__ == "__main__":
    main()

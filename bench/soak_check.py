#!/usr/bin/env python3
"""soak_check.py DIR - the checks of bench/soak.sh: smsim's log of what it
did to each telegram (DIR/sent: number, meter time, ok or the damage)
against the csv rows collectd wrote (DIR/csv/...) and the plugin's summary
line at shutdown (DIR/collectd.log); collectd's RSS samples (DIR/rss)."""
import glob
import os
import re
import sys


def main(w):
    sent, kinds = {}, {}
    with open(os.path.join(w, "sent")) as fh:
        for line in fh:
            _, t, kind = line.split()
            sent[int(t)] = kind
            kinds[kind] = kinds.get(kind, 0) + 1
    got = {}
    for f in glob.glob(os.path.join(w, "csv/soak/smartmeter-soak/energy_wh-import-*")):
        with open(f) as fh:
            for line in fh:
                if line.startswith("epoch"):
                    continue
                t = int(round(float(line.split(",")[0])))
                got[t] = got.get(t, 0) + 1
    with open(os.path.join(w, "collectd.log")) as fh:
        log = fh.read()
    m = re.search(r'meter "soak": stopped: (\d+) telegrams, (\d+) checksum, (\d+) security and '
                  r'(\d+) parse errors, (\d+) bytes discarded, (\d+) reconnects, (\d+) replayed', log)
    if not m:
        print("FAIL: no summary line from the plugin")
        return 1
    tel, cks, sec, par, disc, rec, rep = map(int, m.groups())

    missing = [t for t, k in sent.items() if k == "ok" and got.get(t, 0) != 1]
    twice = [t for t, c in got.items() if c > 1]
    unknown = [t for t in got if t not in sent]
    damaged_sent = {k: v for k, v in kinds.items() if k != "ok"}
    damaged_got = {k: 0 for k in damaged_sent}
    for t, k in sent.items():
        if k != "ok" and got.get(t, 0) == 1:
            damaged_got[k] += 1
    lost_damaged = sum(damaged_sent.values()) - sum(damaged_got.values())
    errors = cks + sec + par + rep
    dispatched = sum(got.values())
    print(f"   telegrams sent {len(sent)}: intact {kinds.get('ok', 0)}; damaged "
          + ", ".join(f"{k} {v}" for k, v in sorted(damaged_sent.items())))
    print(f"   values dispatched {dispatched}: intact {kinds.get('ok', 0) - len(missing)}; damaged "
          + ", ".join(f"{k} {v}" for k, v in sorted(damaged_got.items())))
    print(f"   health: telegrams {tel}, checksum-errors {cks}, security-errors {sec}, "
          f"parse-errors {par}, bytes-discarded {disc}, reconnects {rec}, replayed {rep}")

    fail = []
    if missing:
        fail.append(f"{len(missing)} intact telegrams not dispatched exactly once "
                    f"(first meter times: {sorted(missing)[:5]})")
        for t in sorted(missing)[:3]:  # what was sent and what arrived around it
            print(f"   around {t}: sent " + ", ".join(f"{u}:{sent.get(u)}" for u in range(t - 2, t + 3))
                  + "; arrived " + ", ".join(f"{u}:{got.get(u, 0)}" for u in range(t - 2, t + 3)))
    if twice:
        fail.append(f"{len(twice)} telegrams dispatched more than once")
    if unknown:
        fail.append(f"{len(unknown)} values at times no telegram had (first: {sorted(unknown)[:5]})")
    if tel != dispatched:
        fail.append(f"health telegrams {tel}, but {dispatched} values dispatched")
    if errors < lost_damaged:
        fail.append(f"{lost_damaged} damaged telegrams not dispatched, only {errors} errors counted")
    if rep != damaged_sent.get("repeat", 0):
        fail.append(f"replayed {rep}, but {damaged_sent.get('repeat', 0)} telegrams were sent twice")
    if rec:
        fail.append(f"{rec} reconnects")

    with open(os.path.join(w, "rss")) as fh:
        rss = [tuple(map(int, l.split())) for l in fh if len(l.split()) == 2]
    if len(rss) >= 4:
        steady = rss[len(rss) // 10:]  # after the first tenth
        lo, hi = min(r for _, r in steady), max(r for _, r in steady)
        print(f"   collectd RSS: {rss[0][1]} kB at start, {steady[0][1]} kB after a tenth of the run, "
              f"{rss[-1][1]} kB at the end; {lo}-{hi} kB from a tenth on ({len(rss)} samples, every 5 s)")
        if hi - lo > 1024:
            fail.append(f"RSS grew by {hi - lo} kB")
    else:
        print(f"   collectd RSS: only {len(rss)} samples (run too short to judge)")
    for f in fail:
        print("FAIL: " + f)
    print("soak: " + ("FAILED" if fail else "ok"))
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

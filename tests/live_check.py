#!/usr/bin/env python3
"""tests/live_check.py - drives `smdecode --device` on a pseudo-terminal as
a meter would: writes one telegram at a time into the meter's end of the
pair, and before writing the next waits for the telegram's JSON line on
smdecode's standard output (so a line held back until the input ends fails
the test).  Every reading is compared with the simulator's expected values;
smdecode must end by itself (--count) with exit status 0 and a summary line.
The time from a telegram's last byte written to its line read is printed.

usage: live_check.py METER_END TELEGRAM_FILES... -- EXPECT_FILE -- COMMAND...
"""
import json
import os
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_check import OBIS  # the simulator's names -> OBIS codes

# an SML meter's net power too; each telegram is checked for the values its
# expect line has (an SML meter sends no reactive energy)
CODES = dict(OBIS, power_net="1-0:16.7.0*255", energy_import_t1="1-0:1.8.1*255",
             energy_import_t2="1-0:1.8.2*255", apparent_power_import="1-0:9.7.0*255",
             apparent_power_export="1-0:10.7.0*255")

WAIT = 30.0  # seconds for a line (valgrind is slow); the figure is printed


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def has_open(pid, path):
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return False
    for f in fds:
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, f)) == path:
                return True
        except OSError:
            pass
    return False


def main():
    args = sys.argv[1:]
    i = args.index("--")
    meter, telegrams = args[0], args[1:i]
    j = args.index("--", i + 1)
    expect = [json.loads(l) for l in open(args[i + 1]) if l.strip()]
    cmd = args[j + 1:]
    if len(expect) != len(telegrams):
        fail("%d telegram files but %d expected lines" % (len(telegrams), len(expect)))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    fd = os.open(meter, os.O_WRONLY | os.O_NOCTTY)
    # wait until smdecode has its end of the pair open (valgrind starts slowly)
    theirs = os.path.realpath(meter[: -len(".sim")])
    t0 = time.monotonic()
    while not has_open(proc.pid, theirs):
        if proc.poll() is not None:
            fail("smdecode ended before opening %s: %s" % (theirs, proc.stderr.read().decode()))
        if time.monotonic() - t0 > WAIT:
            fail("smdecode did not open %s in %.0f s" % (theirs, WAIT))
        time.sleep(0.05)
    out = proc.stdout.fileno()
    pending = b""
    latencies = []
    for k, path in enumerate(telegrams):
        data = open(path, "rb").read()
        # the telegram in two pieces, as a slow line delivers it
        os.write(fd, data[: len(data) // 2])
        time.sleep(0.05)
        os.write(fd, data[len(data) // 2:])
        written = time.monotonic()
        while b"\n" not in pending:
            left = WAIT - (time.monotonic() - written)
            r, _, _ = select.select([out], [], [], max(left, 0))
            if not r:
                proc.kill()
                fail("telegram %d: no output %.0f s after its last byte (held back?)" % (k + 1, WAIT))
            chunk = os.read(out, 65536)
            if not chunk:
                fail("telegram %d: smdecode ended early: %s" % (k + 1, proc.stderr.read().decode()))
            pending += chunk
        latencies.append(time.monotonic() - written)
        line, pending = pending.split(b"\n", 1)
        got = json.loads(line)
        want = expect[k]
        # a meter clock's time (an SML push has none: the reader's time)
        if got.get("time_utc") != want.get("time_utc"):
            fail("telegram %d: time_utc %s, want %s" % (k + 1, got.get("time_utc"), want.get("time_utc")))
        readings = {r["obis"]: r for r in got["readings"]}
        for name, obis in CODES.items():
            if name not in want:
                continue
            if obis not in readings:
                fail("telegram %d: no reading %s" % (k + 1, obis))
            if readings[obis]["value"] != want[name]:
                fail("telegram %d: %s = %r, want %r" % (k + 1, obis, readings[obis]["value"], want[name]))
    try:
        rest, err = proc.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail("smdecode did not stop after --count telegrams")
    os.close(fd)
    err = err.decode()
    if proc.returncode != 0:
        fail("exit status %d: %s" % (proc.returncode, err))
    if (pending + rest).strip():
        fail("more output than the telegrams: %r" % (pending + rest)[:200])
    n = len(telegrams)
    want_summary = "%d telegrams in" % n
    if want_summary not in err or ("(%d decoded;" % n) not in err:
        fail("summary line: %r" % err)
    print("live: %d telegrams, each line out %.1f-%.1f ms after its last byte; %s"
          % (n, min(latencies) * 1e3, max(latencies) * 1e3, err.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()

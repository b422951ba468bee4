#!/usr/bin/env python3
"""tests/layering.py - the architecture, checked on the sources:
 1. no include or call circle among the modules of any source folder
    (a module is a .c and its .h; "a uses b" when a's files include b.h);
 2. the decode core (shared/, the sources of libsmcore; the front ends' I/O
    is io/) does no I/O: no stdio output, no read/write/open, no syslog, no
    exit;
 3. no function in any source folder is longer than 70 lines, but for the
    flat switches listed here.
Prints what it found; exit status 1 on any finding."""
import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
FLAT_SWITCHES = {("shared/sm_axdr.c", "read_item"), ("sim/sm_gen.c", "value")}
FOLDERS = ("shared", "io", "decode-tool", "plugin", "sim", "fuzz", "bench", "tests")
IO = re.compile(r"\b(printf|fprintf|puts|fputs|fwrite|perror|read|write|open|fopen|syslog|exit|"
                r"abort|getenv)\s*\(")


def files(d, ext=(".c", ".h")):
    """The sources of folder d and of its subfolders (tests/unit ...)."""
    out = []
    for root, _, names in os.walk(os.path.join(SRC, d)):
        rel = os.path.relpath(root, SRC)
        out += [os.path.join(rel, f) for f in names if f.endswith(ext)]
    return sorted(out)


def strip(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(\\.|[^"\\\n])*"|\'(\\.|[^\'\\\n])*\'', '""', text)


def cycles(d):
    mods = {}
    for f in files(d):
        mods.setdefault(os.path.splitext(os.path.basename(f))[0], []).append(f)
    uses = {m: set() for m in mods}
    for m, fs in mods.items():
        for f in fs:
            for inc in re.findall(r'#include "([^"]+)\.h"', open(os.path.join(SRC, f)).read()):
                if inc in mods and inc != m:
                    uses[m].add(inc)
    found, state = [], {}

    def visit(m, path):
        state[m] = 1
        for n in sorted(uses[m]):
            if state.get(n) == 1:
                found.append(path[path.index(n):] + [n] if n in path else path + [n])
            elif n not in state:
                visit(n, path + [n])
        state[m] = 2

    for m in sorted(mods):
        if m not in state:
            visit(m, [m])
    return found


def long_functions():
    out = []
    for d in FOLDERS:
        for f in files(d, (".c",)):
            lines = strip(open(os.path.join(SRC, f)).read()).split("\n")
            for i, l in enumerate(lines):
                if l != "{" or i == 0 or not lines[i - 1].rstrip().endswith(")"):
                    continue
                k = i - 1
                while k > 0 and not re.match(r"[A-Za-z_]", lines[k]):
                    k -= 1
                name = re.findall(r"(\w+)\s*\(", lines[k])
                depth, j = 0, i
                while j < len(lines):
                    depth += lines[j].count("{") - lines[j].count("}")
                    if depth == 0:
                        break
                    j += 1
                n = j - k + 1
                if n > 70 and (f, name[-1] if name else "") not in FLAT_SWITCHES:
                    out.append("%s:%d: %s is %d lines" % (f, k + 1, name[-1] if name else "?", n))
    return out


def core_io():
    out = []
    core = [f for f in files("shared", (".c",)) if os.path.dirname(f) == "shared"]
    for f in core:  # (shared/layouts/gen_builtin.c is a program of the build)
        for n, line in enumerate(strip(open(os.path.join(SRC, f)).read()).split("\n"), 1):
            m = IO.search(line)
            if m:
                out.append("%s:%d: the core calls %s()" % (f, n, m.group(1)))
    return out


def main():
    bad = 0
    for d in FOLDERS:
        for c in cycles(d):
            print("FAIL %s: modules use each other: %s" % (d, " -> ".join(c)))
            bad += 1
    for p in core_io() + long_functions():
        print("FAIL " + p)
        bad += 1
    if bad == 0:
        print("ok   layering: no include or call circle in %s, no I/O in the core, no function "
              "over 70 lines but flat switches" % ", ".join(d + "/" for d in FOLDERS))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

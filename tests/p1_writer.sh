#!/bin/sh
# tests/p1_writer.sh - `smdecode -f p1` of every fixture, read back by an
# independent DSMR 5.0.2 reader and by the project's own P1 parser, each
# value equal to `smdecode -f json`'s (tests/p1_writer.py).  Run by `make
# check`; the P1 writer runs under SM_VALGRIND when it is set.
exec python3 "${top_srcdir:-.}/tests/p1_writer.py" "${top_builddir:-.}/decode-tool/smdecode" \
    "${top_srcdir:-.}"

#!/bin/sh
# tests/layering.sh - the architecture checks of tests/layering.py.
exec python3 "${top_srcdir:-$(dirname "$0")/..}/tests/layering.py" "${top_srcdir:-$(dirname "$0")/..}"

#!/bin/sh
# tests/check_libs_missing.sh - what `make check` runs when configure did
# not find CUnit or json-c: it says so and fails (nothing is skipped
# silently).
echo "FAIL: make check needs CUnit and json-c (Debian: libcunit1-dev libjson-c-dev); install them and run configure again"
exit 1

#!/bin/sh
# Side-by-side timing of `automl-img validate`, `automl-img stats` and the hand-written Python check
# (baseline.py) on the same generated file, alternating A B C A B C. Run from the repository root
# after `npx tsc -p tsconfig.json` (or set BIN to another build's bin script).
#   sh bench/validate/run.sh [lines] [rounds]
set -e
N=${1:-300000}
ROUNDS=${2:-5}
BIN=${BIN:-bin/automl-img.js}
F=bench/data/validate-$N.jsonl
[ -f "$F" ] || node bench/validate/generate.mjs "$F" "$N"
for r in $(seq "$ROUNDS"); do
  /usr/bin/time -f "validate %e s %M KB" node "$BIN" validate "$F" -q 2>&1 >/dev/null | tail -1
  /usr/bin/time -f "stats %e s %M KB" node "$BIN" stats "$F" 2>&1 >/dev/null | tail -1
  /usr/bin/time -f "python %e s %M KB" /usr/bin/python3 bench/validate/baseline.py "$F" 2>&1 >/dev/null | tail -1
done

#!/usr/bin/env bash
# The quick form of scripts/validation.py (the model held against the record):
# it runs Lebanon and Kosovo with two realizations each and must write every
# record's row with the model's figure, its ratio and its source key.
#   tests/validation_test.sh REMNANT_BINARY OUT_DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$2/validation_quick.md"
rm -f "$out"
python3 "$root/scripts/validation.py" --quick --remnant "$1" --out "$out"
fail() { echo "validation_test: $*"; cat "$out"; exit 1; }
grep -q '^## Southern Lebanon' "$out" || fail "no Lebanon section"
grep -q '^## Kosovo' "$out" || fail "no Kosovo section"
grep -q '^## Southern Lebanon, calibrated to its confirmed area' "$out" || fail "no section for the calibrated model"
grep -q "the calibration's target\*\*: agreement is by construction" "$out" || fail "the calibration's target is not marked"
# Every Lebanon and Kosovo record of configs/records.toml has its row (Lebanon's
# twice: the calibrated case is held against them too): a value, its key, a
# model mean with an interval or a dash, a ratio.
rows=$(grep -c '^| [a-z].* | \[[A-Z0-9-]*\].* | [0-9,.]* \[[0-9,.]*, [0-9,.]*\] | [0-9,.]* | \(yes\|no\) |' "$out" || true)
expected=$(python3 -c "import tomllib; r = tomllib.load(open('$root/configs/records.toml', 'rb'))['record']; print(sum(2 if x['case'] == 'lebanon' else 1 for x in r if x['case'] in ('lebanon', 'kosovo')))")
[[ "$rows" == "$expected" ]] || fail "$rows table rows with a model interval, expected $expected"
grep -q 'within 50 m of an unexploded item' "$out" || fail "the hazard area's definition is missing"
echo "validation_test: $rows rows"

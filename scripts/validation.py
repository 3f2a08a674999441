#!/usr/bin/env python3
"""The model held against the record: runs the bundled cases and writes
docs/VALIDATION.md, so that its numbers are regenerated, never typed.

    scripts/validation.py [--remnant BUILD/remnant] [--out docs/VALIDATION.md]
                          [--realizations N] [--laos-realizations N] [--quick]

The records (value, definition, bibliography key, whether the comparison is
independent of the dud-rate priors) are in configs/records.toml. For each, the
model's figure on the same definition: its mean and 90 % interval over the
realizations (from `remnant run --json`), the ratio model / record and whether
the record lies inside the interval. Per-type shares of the duds come from the
inventory `remnant validate` prints (submunitions fired by type and the Beta
prior of each type's dud rate), by Monte Carlo over the priors.

--quick: few realizations, Lebanon and Kosovo only, to a file named by --out
(the test suite runs it so that the command cannot rot).
"""
import argparse
import datetime
import json
import os
import random
import re
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_json(remnant, config, realizations, sets=()):
    command = [remnant, "run", os.path.join(ROOT, "configs", config), "-r", str(realizations), "--json", "-q"]
    for s in sets:
        command += ["--set", s]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def type_priors(remnant, config):
    """{type: (fired, alpha, beta)} from `remnant validate`."""
    text = subprocess.run([remnant, "validate", os.path.join(ROOT, "configs", config)], check=True,
                          capture_output=True, text=True).stdout
    types = {}
    for m in re.finditer(r"^\s+(\S+)\s+(\d+) fired\s+dud rate Beta\(([\d.]+), ([\d.]+)\)", text, re.M):
        types[m.group(1)] = (int(m.group(2)), float(m.group(3)), float(m.group(4)))
    if not types:
        sys.exit(f"validation: `remnant validate {config}` printed no submunition types with Beta priors")
    return types


def quantile(sorted_values, q):
    i = q * (len(sorted_values) - 1)
    lo = int(i)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (i - lo)


def share_summary(types, names, draws, seed):
    """Mean and 90 % interval of the share of the duds that are of the given types."""
    rng = random.Random(seed)
    shares = []
    for _ in range(draws):
        duds = {t: fired * rng.betavariate(a, b) for t, (fired, a, b) in types.items()}
        shares.append(100.0 * sum(duds[n] for n in names) / sum(duds.values()))
    shares.sort()
    return {"mean": sum(shares) / len(shares), "q05": quantile(shares, 0.05), "q95": quantile(shares, 0.95)}


def model_figure(record, summary, types):
    metric = record["metric"]
    if metric.startswith("dud_share:"):
        return share_summary(types, metric.split(":", 1)[1].split("+"), 20000, 18)
    if metric == "duds_per_hazard_ha":
        d, a = summary["total_duds"]["mean"], summary["hazard_area_km2"]["mean"]
        return {"mean": d / (a * 100.0), "q05": None, "q95": None}
    return summary[metric]


def fmt(x):
    if x is None:
        return "–"
    if x == 0:
        return "0"
    exponent = int(f"{abs(x):e}".split("e")[1])
    if exponent >= 3:  # three significant figures, thousands separators
        return f"{round(x, 2 - exponent):,.0f}"
    return f"{x:,.{max(0, 2 - exponent)}f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--remnant", default=os.path.join(ROOT, "build", "remnant"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "VALIDATION.md"))
    ap.add_argument("--realizations", type=int, default=100)
    ap.add_argument("--laos-realizations", type=int, default=8)
    ap.add_argument("--sensitivity-realizations", type=int, default=20)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    with open(os.path.join(ROOT, "configs", "records.toml"), "rb") as f:
        records = tomllib.load(f)
    cases = records["case"]
    if args.quick:
        cases = [c for c in cases if c["config"] != "laos-1964-1973.toml"]

    lines = []
    version = subprocess.run([args.remnant, "--version"], check=True, capture_output=True, text=True).stdout
    lines.append("# The model held against the record\n")
    lines.append("Made by `scripts/validation.py` (README: \"The model held against the record\"); do not edit by "
                 "hand. Records and their sources: `configs/records.toml`, keys in [SOURCES.md](SOURCES.md).\n")
    lines.append(f"Run of {datetime.date.today().isoformat()} with {version.splitlines()[0]}; "
                 "the model's figures are the mean and the 90 % interval (5th to 95th percentile) over the "
                 "realizations named per case. **Independent** comparisons rest on figures the model's inputs "
                 "were not built from; **circular** ones compare with figures the dud-rate priors were derived "
                 "from (UN MACC South Lebanon's 30-40 %, HALO's and KFOR's rates, the Lao authority's "
                 "\"up to 30 %\"), so agreement there proves little.\n")
    for case in cases:
        r = args.laos_realizations if case["config"].startswith("laos") else args.realizations
        if args.quick:
            r = 2
        summary = run_json(args.remnant, case["config"], r)
        types = type_priors(args.remnant, case["config"])
        lines.append(f"\n## {case['name']}\n")
        lines.append(f"`remnant run configs/{case['config']} -r {r}` (seed {summary['seed']}); hazard area: "
                     f"{summary['hazard']['definition']}; {summary['hazard']['strike_sites']:,} strike sites per "
                     "realization.\n")
        lines.append("| record | value | source | model: mean [90 % interval] | model / record | record inside? "
                     "| comparison |")
        lines.append("|---|---|---|---|---|---|---|")
        for rec in records["record"]:
            if rec["case"] != case.get("records", case["id"]):
                continue
            m = model_figure(rec, summary, types)
            ratio = m["mean"] / rec["value"] if rec["value"] else None
            inside = "–" if m["q05"] is None else ("yes" if m["q05"] <= rec["value"] <= m["q95"] else "no")
            interval = "" if m["q05"] is None else f" [{fmt(m['q05'])}, {fmt(m['q95'])}]"
            comparison = rec["comparison"]
            if rec["what"] in case.get("calibrated_to", []):
                comparison = "**the calibration's target**: agreement is by construction"
            lines.append(f"| {rec['what']} | {fmt(rec['value'])} {rec['unit']} | {rec['value_source']} | "
                         f"{fmt(m['mean'])}{interval} | {fmt(ratio)} | {inside} | {comparison} |")
        for note in case.get("notes", []):
            lines.append(f"\n{note}")
        if case.get("sensitivity"):
            sr = 2 if args.quick else args.sensitivity_realizations
            lines.append(f"\nWhat moves the hazard area (`--set` as below, {sr} realizations each, same seed):\n")
            lines.append("| change | hazard area, km²: mean [90 % interval] | per strike site, ha |")
            lines.append("|---|---|---|")
            for change in [{"what": "as the scenario states", "set": []}] + case["sensitivity"]:
                h = run_json(args.remnant, case["config"], sr, change["set"])
                a, p = h["hazard_area_km2"], h["hazard_area_per_strike_ha"]
                sets = "<br>".join(f"`{x}`" for x in change["set"])
                lines.append(f"| {change['what']}{'<br>' + sets if sets else ''} | {fmt(a['mean'])} "
                             f"[{fmt(a['q05'])}, {fmt(a['q95'])}] | {fmt(p['mean']) if p else '–'} |")
    if records.get("findings"):
        lines.append("\n## What the disagreements say\n")
        for f in records["findings"]:
            lines.append(f"- {f}")
    text = "\n".join(lines) + "\n"
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"validation: wrote {args.out}")


if __name__ == "__main__":
    main()

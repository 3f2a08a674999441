#!/usr/bin/env python3
"""Writes the bibliography's table into docs/SOURCES.md from configs/sources.toml.

    scripts/sources_md.py           rewrite the table between the markers
    scripts/sources_md.py --check   exit 1 (saying so) when docs/SOURCES.md is out of date

The table lies between the two marker lines below in docs/SOURCES.md; the prose
around it is written by hand.
"""
import pathlib
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
BEGIN = "<!-- begin: the table below is made by scripts/sources_md.py from configs/sources.toml; edit that file -->"
END = "<!-- end of the table made by scripts/sources_md.py -->"
FIELDS = ("author", "title", "publisher", "date", "locator", "grade", "used_for")


def cell(text):
    return text.replace("|", "\\|")


def reference(e):
    # The same text as the loader's full reference (host/inputs/bibliography.cpp).
    return f"{e['author']}, *{e['title']}*, {e['publisher']}, {e['date']} ({e['locator']})"


def table(bib):
    rows = ["| key | reference | used for | grade |", "|---|---|---|---|"]
    for key, e in bib.items():
        if key == "bibliography":
            continue
        missing = [f for f in FIELDS if not isinstance(e.get(f), str) or not e[f]]
        if missing:
            sys.exit(f"configs/sources.toml: [{key}]: missing {', '.join(missing)}")
        rows.append(f"| `[{key}]` | {cell(reference(e))} | {cell(e['used_for'])} | {e['grade']} |")
    return "\n".join(rows)


def main():
    bib = tomllib.loads((ROOT / "configs/sources.toml").read_text(encoding="utf-8"))
    path = ROOT / "docs/SOURCES.md"
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        sys.exit(f"{path}: the marker lines are missing:\n{BEGIN}\n{END}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{table(bib)}\n{END}{tail}"
    if "--check" in sys.argv[1:]:
        if new != text:
            sys.exit("docs/SOURCES.md is out of date with configs/sources.toml: run scripts/sources_md.py")
        return
    path.write_text(new, encoding="utf-8")


main()

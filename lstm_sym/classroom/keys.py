"""Keys and the class summary: every asked value at the places graded, and who got what.

Per variant, ``keys/v001.json`` and ``keys/v001.csv`` hold each asked scalar correctly
rounded to the places it is graded at (``value``), truncated there (``truncated``) and to
four more places (``more``) — every digit proven. ``keys.csv`` holds all variants;
``summary.md`` and ``summary.csv`` say which variant went to whom and how the answers
spread over the class (least, median and greatest value, and how many distinct values).
"""

from __future__ import annotations

import json
from decimal import Decimal

from .csvfiles import csv_text
from .folder import ClassFolder, ClassRecord
from .text import markdown

KEY_COLUMNS = ("asked", "name", "places", "value", "truncated", "more", "weight")


def write_keys(folder: ClassFolder, record: ClassRecord) -> None:
    """Every variant's key (JSON and CSV), ``keys.csv`` and the class summary."""
    rows = []
    for a in record.assigned:
        data = {
            "variant": a.variant,
            "student": {"id": a.student, "name": a.name},
            "title": record.title,
            "problem": f"variants/{a.variant}.toml",
            "answers": [dict(k) for k in a.key],
        }
        folder.write(
            f"keys/{a.variant}.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        )
        table = [[k[c] for c in KEY_COLUMNS] for k in a.key]
        folder.write(f"keys/{a.variant}.csv", csv_text(KEY_COLUMNS, table))
        rows += [[a.variant, a.student, *row] for row in table]
    folder.write("keys.csv", csv_text(("variant", "student", *KEY_COLUMNS), rows))
    folder.write(
        "summary.csv",
        csv_text(
            ("variant", "student", "name", "draws"),
            ((a.variant, a.student, a.name, a.draws) for a in record.assigned),
        ),
    )
    folder.write("summary.md", summary_markdown(record))


def spread(record: ClassRecord) -> list[tuple[str, int, str, str, str, int]]:
    """Per asked scalar: name, places, least, median, greatest value, distinct values."""
    values: dict[str, list[Decimal]] = {}
    places: dict[str, int] = {}
    for a in record.assigned:
        for k in a.key:
            values.setdefault(k["name"], []).append(Decimal(k["value"]))
            places[k["name"]] = k["places"]
    out = []
    for name, found in values.items():
        ordered = sorted(found)
        median = ordered[(len(ordered) - 1) // 2]
        out.append(
            (name, places[name], str(ordered[0]), str(median), str(ordered[-1]), len(set(found)))
        )
    return out


def summary_markdown(record: ClassRecord) -> str:
    """The class summary: the rules' refusals, who got which variant, the spread of answers."""
    count = len(record.assigned)
    redrawn = sum(1 for a in record.assigned if a.draws > 1)
    lines = [
        f"# {markdown(record.title or 'A class')}: {count} variants",
        "",
        f"Template {markdown(record.template)}, seed {markdown(record.config.seed)}. "
        f"{redrawn} of {count} students needed more than one draw; "
        f"{sum(record.refusals.values())} draws were refused:",
        "",
    ]
    lines += [
        f"- {rule}: {n}" for rule, n in sorted(record.refusals.items(), key=lambda i: (-i[1], i[0]))
    ]
    if not record.refusals:
        lines.append("- none")
    lines += [
        "",
        "## Who got which variant",
        "",
        "| variant | student | name | draws |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {a.variant} | {markdown(a.student)} | {markdown(a.name)} | {a.draws} |"
        for a in record.assigned
    ]
    lines += [
        "",
        "## Spread of the answers",
        "",
        "| answer | places | least | median | greatest | distinct values |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {markdown(name)} | {places} | {low} | {mid} | {high} | {n} |"
        for name, places, low, mid, high, n in spread(record)
    ]
    return "\n".join(lines) + "\n"

#!/usr/bin/env python3
"""Judges a merged Verilator coverage file of the MAC array RTL (make signoff).

Prints a Markdown section: line (statement blocks and branch arms), toggle and cover-point
coverage, the hits of every cover point and the points not hit. Verilator 5.006 keeps one
counter per point of a module, shared by all its instances (the 16 PEs of the 4 x 4 array
count together), so a point is hit when any instance hits it.
Exit status 1 unless line and toggle are >= 95 % and every cover point is hit.
"""
import os
import re
import sys
from collections import defaultdict

THRESHOLD = 0.95


def parse(path):
    points = []
    with open(path, encoding="latin-1") as f:
        for line in f:
            m = re.match(r"C '(.*)' (\d+)$", line.rstrip("\n"))
            if not m:
                continue
            fields = dict(kv.split("\x02", 1) for kv in m.group(1).split("\x01") if "\x02" in kv)
            kind, module = fields["page"].split("/", 1)
            points.append({"kind": kind.removeprefix("v_"), "module": module, "file": fields.get("f", ""),
                           "line": fields.get("l", ""), "name": fields.get("o", ""), "hier": fields.get("h", ""),
                           "count": int(m.group(2))})
    return points


def main():
    points = parse(sys.argv[1])
    by_kind = defaultdict(list)
    for p in points:
        by_kind[p["kind"]].append(p)
    # Verilator's --coverage-line makes "line" (statement blocks) and "branch" (if/case arms)
    # points; together they are the line coverage.
    groups = {"line": by_kind["line"] + by_kind["branch"], "toggle": by_kind["toggle"], "cover": by_kind["user"]}
    ok = True
    print("## Coverage (Verilator 5.006, 4 x 4 array, test_mac_cosim)\n")
    print("| kind | points | hit | % |")
    print("|---|---|---|---|")
    missed = {}
    for kind, ps in groups.items():
        merged = defaultdict(int)  # one entry per point, whatever the hierarchy field says
        for p in ps:
            merged[(p["module"], os.path.relpath(p["file"]), p["line"], p["name"])] += p["count"]
        hit = sum(1 for v in merged.values() if v > 0)
        pct = hit / len(merged) if merged else 0.0
        print(f"| {kind} | {len(merged):,} | {hit:,} | {pct:.1%} |")
        missed[kind] = sorted(k for k, v in merged.items() if v == 0)
        ok &= len(merged) > 0 and (hit == len(merged) if kind == "cover" else pct >= THRESHOLD)
    covers = defaultdict(int)
    for p in groups["cover"]:
        covers[(p["module"], p["name"])] += p["count"]
    print("\nCover points (hits summed over instances):\n")
    print("| module | cover | hits |")
    print("|---|---|---|")
    for (module, name), n in sorted(covers.items()):
        print(f"| {module} | `{name}` | {n:,} |")
    for kind in ("line", "toggle"):
        print(f"\nNot hit ({kind}):" + ("" if missed[kind] else " none"))
        for module, f, line, name in missed[kind]:
            print(f"- {module} {f}:{line} {name}")
    print(f"\nResult: {'PASS' if ok else 'FAIL'} (line and toggle >= {THRESHOLD:.0%}, every cover point hit)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

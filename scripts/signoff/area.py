#!/usr/bin/env python3
"""Cell counts and NAND2-equivalent area of the synthesised MAC array (make signoff).

Reads yosys `stat -json` files written by synth.sh and prints a Markdown section.

Cell-weight convention (area in NAND2 equivalents; Debian packages no liberty file, so yosys's
generic gates are weighted by typical ratios of 2-input standard cells, not by one library):
  NOT 0.67; NAND, NOR 1.0; AND, OR, ANDNOT, ORNOT 1.33; XOR, XNOR 2.0; MUX2 2.33;
  D flip-flop 4.5, plus 2.33 for a clock enable (a MUX2 in front) and 1.33 for a synchronous
  set/reset (an AND2/OR2 in front) or 1.0 for an asynchronous one.
SRAM (not synthesised): 0.5 NAND2-eq per bit including periphery (a 6T bit cell is about a
third of a NAND2's area; macros reach roughly 70 % array efficiency). Both are assumptions;
treat the results as +-30 % (logic) and +-50 % (SRAM) estimates.
"""
import json
import re
import sys

GATE_WEIGHTS = {
    "$_NOT_": 0.67, "$_NAND_": 1.0, "$_NOR_": 1.0, "$_AND_": 1.33, "$_OR_": 1.33,
    "$_ANDNOT_": 1.33, "$_ORNOT_": 1.33, "$_XOR_": 2.0, "$_XNOR_": 2.0, "$_MUX_": 2.33,
}
DFF = 4.5
ENABLE = 2.33
SYNC_RESET = 1.33
ASYNC_RESET = 1.0
SRAM_NAND2_PER_BIT = 0.5

# The defaults of device.ndp (README, configuration reference): 8 units, each with a 16 x 16
# array, a 2 MiB weight SRAM, a 4 MiB activation buffer and a 16 KiB output buffer.
NDP_UNITS = 8
NDP_SRAM_BYTES = {"weight_sram_bytes": 2 << 20, "act_buffer_bytes": 4 << 20, "out_buffer_bytes": 16 << 10}


def cell_weight(cell):
    """NAND2-equivalents of one generic cell; unknown cells are an error, not a guess."""
    if cell in GATE_WEIGHTS:
        return GATE_WEIGHTS[cell]
    m = re.fullmatch(r"\$_(S?)DFF(C?E?)(SR)?_([PN]+[01]?[PN]?)_", cell)
    if m:
        sync, enable, _, _ = m.groups()
        w = DFF
        if "E" in enable:
            w += ENABLE
        if sync:
            w += SYNC_RESET
        elif re.search(r"[01]", cell):
            w += ASYNC_RESET
        return w
    raise SystemExit(f"area.py: no weight for cell type {cell}; extend the convention")


def load_stat(path):
    # yosys 0.23's `stat -json` prints stray text lines (submodule counts) inside the JSON of a
    # hierarchical design; they carry no quotes, so dropping them leaves the JSON intact.
    with open(path) as f:
        lines = [l for l in f if '"' in l or l.strip() in ("{", "}", "},", "}}")]
    return json.loads("".join(lines))["modules"]


def expand(modules, name, memo):
    """Leaf-cell counts of a module with its submodule instances expanded."""
    if name in memo:
        return memo[name]
    total = {}
    for cell, n in modules[name]["num_cells_by_type"].items():
        sub = cell if cell in modules else "\\" + cell
        if sub in modules:
            for c, k in expand(modules, sub, memo).items():
                total[c] = total.get(c, 0) + n * k
        else:
            total[cell] = total.get(cell, 0) + n
    memo[name] = total
    return total


def area(counts):
    return sum(cell_weight(c) * n for c, n in counts.items())


def flops(counts):
    return sum(n for c, n in counts.items() if "DFF" in c)


def main():
    pe_stat, array_stat, ltp_file, dq_stat, dq_ltp_file = sys.argv[1:6]
    pe = load_stat(pe_stat)
    arr = load_stat(array_stat)
    memo = {}
    with open(ltp_file) as f:
        ltp = f.read()
    depth = re.search(r"Longest topological path in \S+ \(length=(\d+)\)", ltp).group(1)
    path_from = re.search(r"^\s+0: \\(\S+ \[\d+\])", ltp, re.M).group(1).replace(" ", "")
    path_to = re.search(r"^\s+ff: \\(\S+ \[\d+\])", ltp, re.M).group(1).replace(" ", "")

    print("## Synthesis (yosys 0.23 generic gates)\n")
    print("| module | instances in 16 x 16 | cells (own) | cells (with submodules) | flip-flops | NAND2-eq |")
    print("|---|---|---|---|---|---|")
    top = next(m for m in arr if m.lstrip("\\").startswith("mac_array") and "ctrl" not in m
               and arr[m]["num_cells_by_type"].get("mac_pe", arr[m]["num_cells_by_type"].get("\\mac_pe")))
    top_counts = expand(arr, top, memo)
    inst = {}

    def walk(m, mult):  # instances of every module under the top
        inst[m] = inst.get(m, 0) + mult
        for c, n in arr[m]["num_cells_by_type"].items():
            sub = c if c in arr else "\\" + c
            if sub in arr:
                walk(sub, mult * n)

    walk(top, 1)
    for m in sorted(arr, key=lambda k: -area(expand(arr, k, memo))):
        own = arr[m]["num_cells"]
        counts = expand(arr, m, memo)
        name = m.lstrip("\\").split("\\")[1] if m.startswith("$paramod") else m.lstrip("\\")
        print(f"| {name} | {inst.get(m, '')} | {own:,} | {sum(counts.values()):,} | {flops(counts):,} | {area(counts):,.0f} |")
    pe_counts = expand(pe, next(iter(pe)), {})
    print(f"\nmac_pe synthesised flat: {sum(pe_counts.values()):,} cells, {flops(pe_counts)} flip-flops, "
          f"{area(pe_counts):,.0f} NAND2-eq; longest combinational path (`ltp -noff`): **{depth} gate levels**, "
          f"from `{path_from}` to the flip-flop `{path_to}` (one cycle).")
    dq = load_stat(dq_stat)
    dq_counts = expand(dq, next(iter(dq)), {})
    with open(dq_ltp_file) as f:
        dq_depth = re.search(r"Longest topological path in \S+ \(length=(\d+)\)", f.read()).group(1)
    print(f"\nweight_dequant lane synthesised flat: {sum(dq_counts.values()):,} cells, {area(dq_counts):,.0f} NAND2-eq, "
          f"longest combinational path **{dq_depth} gate levels** (in front of the stage-1 register; one lane per column).")
    array_area = area(top_counts)
    print(f"\nmac_array 16 x 16 (hierarchical): {sum(top_counts.values()):,} cells, {flops(top_counts):,} flip-flops, "
          f"**{array_area:,.0f} NAND2-eq** ({array_area / 1e6:.2f} M).")

    print("\n## Estimated NDP area (default configuration)\n")
    sram_bits = sum(NDP_SRAM_BYTES.values()) * 8
    sram_area = sram_bits * SRAM_NAND2_PER_BIT
    print("| part | per unit | x units | NAND2-eq |")
    print("|---|---|---|---|")
    print(f"| MAC array 16 x 16 | {array_area / 1e6:.2f} M | {NDP_UNITS} | {NDP_UNITS * array_area / 1e6:.1f} M |")
    for k, v in NDP_SRAM_BYTES.items():
        a = v * 8 * SRAM_NAND2_PER_BIT
        print(f"| `{k}` {v // 1024:,} KiB | {a / 1e6:.2f} M | {NDP_UNITS} | {NDP_UNITS * a / 1e6:.1f} M |")
    total = NDP_UNITS * (array_area + sram_area)
    print(f"| **total** | {(array_area + sram_area) / 1e6:.1f} M | {NDP_UNITS} | **{total / 1e6:.0f} M** |")
    print(f"\nSRAM is {NDP_UNITS * sram_area / total:.0%} of it. Not included: DMA engines, ring/register logic, "
          "the CXL controller and DRAM PHYs.")
    print("\nConvention: " + " ".join(__doc__.split("Cell-weight convention")[1].split("\n")).strip())


if __name__ == "__main__":
    main()

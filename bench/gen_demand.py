#!/usr/bin/env python3
"""Give a synthetic catalog (gen_catalog.py) compute and demand, for the schedule benchmarks.

usage: gen_demand.py CATALOG_DIR N_WORKLOADS [--seed S]

Adds dense `tflops` to the catalog's gpu profiles (the synthetic catalog has none) and writes
`demand.toml` beside `portfolio.toml` with N workloads: about two thirds continuous levels with
a few points each, the rest runs of H100e-hours or FLOP, on all or some of the hardware.
Deterministic for a seed; the figures are made up.
"""
import random
import re
import sys
from pathlib import Path

TFLOPS = {
    "gb200": "{ bf16 = 2500, fp8 = 5000 }",
    "gb300": "{ bf16 = 2500, fp8 = 5000, fp4 = 15000 }",
    "h100": "{ bf16 = 989, fp8 = 1979 }",
    "mi450": "{ bf16 = 10000, fp8 = 20000 }",
    "trn2": "{ bf16 = 667, fp8 = 1299 }",
}


def main():
    args = sys.argv[1:]
    seed = 1
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i : i + 2]
    out, n = Path(args[0]), int(args[1])
    rnd = random.Random(seed)
    portfolio = out / "portfolio.toml"
    text = portfolio.read_text()
    for hw, tf in TFLOPS.items():
        block = re.compile(r'(\[\[hardware\]\]\nid = "%s"\n(?:[^\[\n][^\n]*\n)*)' % re.escape(hw))
        if f'id = "{hw}"' in text and "tflops" not in block.search(text).group(1):
            text = block.sub(lambda m: m.group(1) + f"tflops = {tf}\n", text, count=1)
    portfolio.write_text(text)
    ids = list(TFLOPS)
    parts = []
    for i in range(n):
        lines = ["[[workload]]", f'id = "w{i:03d}"', f"priority = {rnd.randrange(0, 5)}"]
        if rnd.random() < 0.4:
            pick = rnd.sample(ids, rnd.randrange(1, 4))
            lines.append("hardware = [" + ", ".join(f'"{h}"' for h in pick) + "]")
        if rnd.random() < 0.66:
            year = rnd.randrange(2025, 2029)
            points = []
            level = rnd.randrange(1_000, 50_000)
            for k in range(rnd.randrange(1, 5)):
                points.append(f"{{ from = {year + k}-0{rnd.randrange(1, 10)}-01, h100e = {level} }}")
                level = level * rnd.randrange(12, 30) // 10
            lines.append("level = [" + ", ".join(points) + "]")
            lines.append(f'shape = "{rnd.choice(["linear", "step"])}"')
        else:
            year = rnd.randrange(2026, 2032)
            earliest = f"{year}-0{rnd.randrange(1, 7)}-01"
            deadline = f"{year + 1}-0{rnd.randrange(1, 10)}-01"
            if rnd.random() < 0.5:
                work = f"h100e_hours = {rnd.randrange(10_000_000, 5_000_000_000)}"
            else:
                work = f'flop = "{rnd.randrange(1, 90)}e25", mfu = 0.{rnd.randrange(25, 50)}'
            cap = f", max_h100e = {rnd.randrange(10_000, 1_000_000)}" if rnd.random() < 0.7 else ""
            lines.append(f"run = {{ {work}, earliest = {earliest}, deadline = {deadline}{cap} }}")
        parts.append("\n".join(lines))
    (out / "demand.toml").write_text("# synthetic demand, made up\n\n" + "\n\n".join(parts) + "\n")


if __name__ == "__main__":
    main()

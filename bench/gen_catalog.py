#!/usr/bin/env python3
"""Write a synthetic capplan catalog of N contracts, for benchmarks and scale tests.

usage: gen_catalog.py OUT_DIR N [--seed S]

Deterministic for a seed. Contracts mix the three spend models, tranches mix ramps, units and
power_mw, GPUs and CPUs, so every engine path is exercised. The values are made up; the shapes
follow capplan's catalog format.
"""
import datetime as dt
import random
import sys
from pathlib import Path

HARDWARE = [
    ("gb200", "gpu", 1800, "6.00"),
    ("gb300", "gpu", 1950, "7.50"),
    ("h100", "gpu", 1300, "3.00"),
    ("mi450", "gpu", 2000, "5.00"),
    ("trn2", "gpu", 900, "2.50"),
    ("vcpu", "cpu", 6, "0.04"),
]
PROVIDERS = ["AWS", "Azure", "Oracle", "Google", "CoreWeave", "Nebius", "Lambda", "Crusoe"]


def main():
    args = sys.argv[1:]
    seed = 1
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i : i + 2]
    out, n = Path(args[0]), int(args[1])
    rnd = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    hw = "\n".join(
        f'[[hardware]]\nid = "{h}"\nname = "{h}"\nkind = "{k}"\nwatts_per_unit = {w}\nrate_usd_per_hour = "{r}"\n'
        for h, k, w, r in HARDWARE
    )
    (out / "portfolio.toml").write_text(
        '[portfolio]\nname = "synthetic"\ncurrency = "USD"\n'
        "horizon = { start = 2025-01-01, end = 2035-01-01 }\npue = 1.2\nfiscal_year_start_month = 1\n\n"
        '[[target]]\nid = "headline"\nname = "synthetic target"\nspend_usd = "1.4T"\npower_gw = 30\n'
        f"by = 2033-12-31\n\n{hw}"
    )
    base = dt.date(2025, 1, 1)
    for i in range(n):
        start = base + dt.timedelta(days=rnd.randrange(0, 3 * 365))
        years = rnd.choice([3, 4, 5, 7])
        end = dt.date(start.year + years, start.month, min(start.day, 28))
        value = rnd.randrange(50, 50_000) * 1_000_000 + rnd.randrange(0, 100) * 10_000 + rnd.randrange(0, 100)
        model = rnd.choice(["straight-line", "capacity-linked", "schedule"])
        lines = [
            f'id = "c{i:06d}"',
            f'provider = "{rnd.choice(PROVIDERS)}"',
            f'title = "synthetic contract {i}"',
            f"announced = {start}",
            f"start = {start}",
            f"end = {end}",
            f'value_usd = "{value // 100}.{value % 100:02d}"',
            f'spend = "{model}"',
            'sources = ["https://example.com/synthetic"]',
        ]
        for j in range(rnd.randint(1, 4)):
            h, k, w, r = rnd.choice(HARDWARE)
            a = start + dt.timedelta(days=rnd.randrange(0, 365))
            b = a + dt.timedelta(days=rnd.randrange(0, 540))
            if b >= end:
                b = end - dt.timedelta(days=1)
            if a > b:
                a = b
            qty = f"units = {rnd.randrange(1_000, 200_000) * (1000 if k == 'cpu' else 1)}" if rnd.random() < 0.7 else f"power_mw = {rnd.randrange(10, 1500)}"
            lines += ["", "[[tranche]]", f'id = "t{j}"', f'hardware = "{h}"', qty,
                      f"online_from = {a}", f"online_by = {b}",
                      f'ramp = "{rnd.choice(["linear", "s-curve", "step"])}"']
        if model == "schedule":
            cuts = sorted({start + dt.timedelta(days=rnd.randrange(1, (end - start).days)) for _ in range(rnd.randint(1, 5))})
            bounds = [start] + cuts + [end]
            parts = [rnd.randrange(1, 100) for _ in range(len(bounds) - 1)]
            total = sum(parts)
            amounts = [value * p // total for p in parts]
            amounts[-1] += value - sum(amounts)
            for (fa, fb), amt in zip(zip(bounds, bounds[1:]), amounts):
                lines += ["", "[[spend_schedule]]", f"from = {fa}", f"to = {fb}", f'amount_usd = "{amt // 100}.{amt % 100:02d}"']
        (out / f"c{i:06d}.toml").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Peer for benchmarks: the quarterly capacity and spend projection that capplan computes (see
"What the numbers mean" in the README), written the way an analyst would in Python: tomllib to
load, numpy/pandas to compute, in float64.

usage: peer_pandas.py CATALOG [--group-by total|provider] > rows.json

It is a yardstick for speed, not a reference for exactness: floats, no largest-remainder cents.
Needs: pip install numpy pandas
"""
import datetime as dt
import json
import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd


def money(v):
    if isinstance(v, int):
        return float(v)
    s = str(v).strip().replace("_", "").replace(",", "").lstrip("$")
    mult = 1.0
    if s and s[-1] in "KMBT":
        mult = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}[s[-1]]
        s = s[:-1]
    return float(s) * mult


def add_months(d, n):
    ts = pd.Timestamp(d) + pd.DateOffset(months=n)
    return ts.date()


def end_of(c):
    if "end" in c:
        return c["end"]
    m = re.fullmatch(r"(\d+)([dwmqy])", c["term"])
    n, u = int(m.group(1)), m.group(2)
    if u in "dw":
        return c["start"] + dt.timedelta(days=n * (7 if u == "w" else 1))
    return add_months(c["start"], n * {"m": 1, "q": 3, "y": 12}[u])


def main():
    folder = Path(sys.argv[1])
    group_by = sys.argv[sys.argv.index("--group-by") + 1] if "--group-by" in sys.argv else "total"
    pf = tomllib.loads((folder / "portfolio.toml").read_text())
    port = pf["portfolio"]
    hw = {h["id"]: h for h in pf["hardware"]}
    h0, h1 = np.datetime64(port["horizon"]["start"]), np.datetime64(port["horizon"]["end"])
    contracts = [tomllib.loads(f.read_text()) for f in sorted(folder.glob("*.toml")) if f.name != "portfolio.toml"]
    lo = min([np.datetime64(c["start"]) for c in contracts] + [h0])
    hi = max([np.datetime64(end_of(c)) for c in contracts] + [h1])
    days = np.arange(lo, hi, dtype="datetime64[D]")
    quarter = pd.PeriodIndex(days, freq="Q")
    qcodes, qlabels = pd.factorize(quarter, sort=True)
    nq = len(qlabels)
    last_day = np.zeros(nq, dtype=np.int64)
    np.maximum.at(last_day, qcodes, np.arange(len(days)))
    pue0 = float(port.get("pue", 1))
    groups = {}

    def acc(g):
        return groups.setdefault(g, {k: np.zeros(nq) for k in ("gpus", "cpus", "mw", "gh", "ch", "spend")})

    t = (days - lo).astype(np.int64)
    for c in contracts:
        g = "total" if group_by == "total" else c["provider"]
        a_ = acc(g)
        pue = float(c.get("pue", pue0))
        cs, ce = (np.datetime64(c["start"]) - lo).astype(int), (np.datetime64(end_of(c)) - lo).astype(int)
        weight = np.zeros(len(days))
        for tr in c.get("tranche", []):
            h = hw[tr["hardware"]]
            watts = float(h["watts_per_unit"])
            U = float(tr["units"]) if "units" in tr else np.floor(float(tr["power_mw"]) * 1e6 / (watts * pue))
            a = (np.datetime64(tr["online_from"]) - lo).astype(int)
            b = (np.datetime64(tr["online_by"]) - lo).astype(int)
            e = (np.datetime64(tr["until"]) - lo).astype(int) if "until" in tr else ce
            x = np.clip((t - a) / max(b - a, 1), 0, 1) if b > a else (t >= a).astype(float)
            ramp = tr.get("ramp", "linear")
            f = x if ramp == "linear" else x * x * (3 - 2 * x) if ramp == "s-curve" else (t >= b).astype(float)
            on = U * f * ((t >= a) & (t < e))
            kind = "gpus" if h["kind"] == "gpu" else "cpus"
            a_[kind] += np.floor(on[last_day])
            a_["mw"] += on[last_day] * watts * pue / 1e6
            a_["gh" if kind == "gpus" else "ch"] += 24 * np.bincount(qcodes, weights=on, minlength=nq)
            weight += on * money(h.get("rate_usd_per_hour", 0)) * 24
        V = money(c["value_usd"])
        model = c.get("spend", "straight-line")
        inside = (t >= cs) & (t < ce)
        if model == "straight-line":
            daily = inside * (V / (ce - cs))
        elif model == "capacity-linked":
            w = weight * inside
            daily = V * w / w.sum()
        else:
            daily = np.zeros(len(days))
            for s in c["spend_schedule"]:
                fa, fb = (np.datetime64(s["from"]) - lo).astype(int), (np.datetime64(s["to"]) - lo).astype(int)
                daily += ((t >= fa) & (t < fb)) * (money(s["amount_usd"]) / (fb - fa))
        a_["spend"] += np.bincount(qcodes, weights=daily, minlength=nq)
    rows = []
    win = [(q.start_time.date() >= port["horizon"]["start"] and q.start_time.date() < port["horizon"]["end"]) for q in qlabels]
    for g, v in sorted(groups.items()):
        cum = np.cumsum(v["spend"])
        for i, q in enumerate(qlabels):
            if not win[i]:
                continue
            rows.append({"period": f"{q.year}Q{q.quarter}", "group": g, "gpus": int(v["gpus"][i]), "cpus": int(v["cpus"][i]),
                         "power_mw": f"{v['mw'][i]:.3f}", "gpu_hours": int(round(v["gh"][i])), "cpu_hours": int(round(v["ch"][i])),
                         "spend_usd": f"{v['spend'][i]:.2f}", "cumulative_spend_usd": f"{cum[i]:.2f}"})
    json.dump({"report": "peer", "by": "quarter", "group_by": group_by, "rows": rows}, sys.stdout)


if __name__ == "__main__":
    main()

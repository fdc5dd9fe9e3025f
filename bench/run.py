#!/usr/bin/env python3
"""Benchmarks of capplan as whole processes, measured side by side with the pandas peer.

usage: bench/run.py [--sizes 100,1000,10000] [--runs N] [--out DIR] [--skip-peer] [--sections reports,combined,scale,risk,schedule]
       bench/run.py --sections risk [--baseline OTHER_CAPPLAN]
       bench/run.py --sections risk-target [--baseline OTHER_CAPPLAN]
       bench/run.py --sections actuals [--actual-rows 10000000]
       bench/run.py --sections long [--long-contracts 100000]

Builds the release binary, writes synthetic catalogs with bench/gen_catalog.py (seed 1), then
runs each command once to warm up and N times more, capplan and the peer in the same run on the
same catalogs, and reports the median wall time and the peak resident memory of each. Prints a
markdown table. The peer needs numpy and pandas (`pip install numpy pandas`).

The combined section is the speed target as users meet it: at 10,000 contracts (seed 99),
quarterly `capacity` then `spend` by provider, two processes one after the other, against one run
of the pandas peer (which computes both), the two sides alternating; it prints the ratio with the
catalog cache warm (in OUT/cache) and with it off.

The scale section times validation and the quarterly projection of a 100,000-contract catalog
(a few runs each: each takes seconds).

The risk section first times the risk target: `capplan risk` at its default 10,000 samples on
the shipped catalog with examples/scenarios/delivery-risk.toml, 25 runs, alternating with the
build given by --baseline if any, and prints the ratio (the risk-target section does this
alone). It then times `capplan risk` on the
shipped catalog with the delivery scenario of tests/fixtures/risk/ (10k, 100k and 1M samples, on
1 and 2 threads through RAYON_NUM_THREADS), and on the synthetic catalogs of 100 and 1,000
contracts with a `select = "*"` scenario.

The schedule section times `capplan schedule` (and `plan`, which schedules too) on the shipped
catalog with examples/demand/demand.toml, and on 10,000 synthetic contracts (seed 99) given
compute and 50 workloads by bench/gen_demand.py, on 1 and 2 threads.

The long section (not run by default: each run writes gigabytes and takes minutes) times
`capacity --by month --group-by tranche` on a catalog of --long-contracts contracts (seed 99), once
in each of CSV, JSON and table, written with `-o` to OUT and removed, and reports the peak
resident memory with the rows and the bytes written: memory bounded by the block, not the rows.

The actuals section (not run by default: it writes about 1 GB and takes minutes) writes 1,000
contracts and 10 million hourly FOCUS cost rows with bench/gen_focus.py (numpy and pyarrow), as
gzipped CSV and as Parquet, once, into OUT/actuals-1000. It times `capplan actuals` on each
format, the readers alone (bench/focus_read.rs, built as the `focus_read` example: read and
attribute by hash map, no spreading), and the same attribution in DuckDB and polars
(bench/peer_actuals.py; `pip install duckdb polars`), checks that all of them find the same
totals, and prints rows per second and the ratios. A few runs each: each takes seconds.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "capplan"


def run_sequence(cmds):
    """Wall seconds and peak RSS (MB) of commands run one after the other, as a user runs them."""
    total, peak = 0.0, 0.0
    for cmd in cmds:
        wall, mb = run_once(cmd)
        total, peak = total + wall, max(peak, mb)
    return total, peak


def run_once(cmd):
    """Wall seconds and peak RSS (MB) of one run; stdout discarded. `cmd` is an argument list,
    or a pair of one and a dict of environment variables to set."""
    env = None
    if isinstance(cmd, tuple):
        cmd, extra = cmd
        env = {**os.environ, **extra}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    # Any failure stops the benchmark: a run that exits early on an invalid catalog (exit 1)
    # would otherwise be timed as if it had done the work.
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{err}")
    return wall, usage.ru_maxrss / 1024


def measure(commands, runs):
    """Runs each command once to warm up, then `runs` times in a row, as hyperfine does.

    Blocks rather than round robin: on a virtual machine, the first process to run after a
    large one has freed its memory pays for the pages again (here about 0.1 s after the pandas
    peer), which a round robin charges to whichever command happens to follow the peer.
    Returns {name: (median s, max MB)}."""
    results = {}
    for name, cmd in commands.items():
        run_once(cmd)
        walls, peak = [], 0.0
        for _ in range(runs):
            wall, mb = run_once(cmd)
            walls.append(wall)
            peak = max(peak, mb)
        results[name] = (statistics.median(walls), peak)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out", default=str(ROOT / "target" / "bench"))
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--sections", default="reports,combined,scale,risk,schedule",
                    help="any of reports, combined, scale, risk, risk-target, schedule, long, actuals")
    ap.add_argument("--actual-rows", type=int, default=10_000_000, help="cost rows of the actuals section")
    ap.add_argument("--long-contracts", type=int, default=100_000, help="contracts of the long section")
    ap.add_argument("--baseline", help="another build of capplan that the risk section alternates with")
    args = ap.parse_args()
    sections = set(args.sections.split(","))
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    out = Path(args.out)
    sizes = [int(s) for s in args.sizes.split(",")]
    for n in sizes if sections & {"reports", "risk"} else []:
        folder = out / f"catalog-{n}"
        if not (folder / "portfolio.toml").exists():
            subprocess.run([sys.executable, ROOT / "bench" / "gen_catalog.py", folder, str(n), "--seed", "1"], check=True)

    print(f"machine: {os.cpu_count()} cores; 1 warm-up and {args.runs} runs each; median wall time; peak RSS\n")
    print("| catalog | command | median | peak RSS |")
    print("|---|---|---:|---:|")
    if "reports" in sections:
        reports(args, out, sizes)
    if "combined" in sections:
        combined(args, out)
    if "scale" in sections:
        scale(args, out)
    if sections & {"risk", "risk-target"}:
        risk_target(args, out)
    if "risk" in sections:
        risk(args, out, sizes)
    if "schedule" in sections:
        schedule(args, out)
    if "long" in sections:
        long_reports(args, out)
    if "actuals" in sections:
        burn(args, out)
        actuals(args, out)


def shipped_commands(out):
    """Every command that makes a report, on the shipped catalog."""
    scratch = out / "shipped-outputs"
    scratch.mkdir(parents=True, exist_ok=True)
    slip = ROOT / "examples" / "scenarios" / "aws-slip.toml"
    delivery = ROOT / "examples" / "scenarios" / "delivery-risk.toml"
    commands = {
        f"capplan {c}": [BIN, *c.split()]
        for c in ["plan", "capacity --group-by provider", "spend --group-by provider", "contracts", "validate",
                  "sensitivity --metric gw@2028Q4"]
    }
    commands["capplan --scenario aws-slip.toml compare"] = [BIN, "--scenario", slip, "compare"]
    commands["capplan --scenario delivery-risk.toml risk"] = [BIN, "--scenario", delivery, "risk"]
    commands["capplan diff contracts examples/starter"] = [BIN, "diff", ROOT / "contracts", ROOT / "examples" / "starter"]
    commands["capplan chart capacity -o capacity.svg"] = [BIN, "chart", "capacity", "-o", scratch / "capacity.svg"]
    commands["capplan chart capacity -o capacity.png"] = [BIN, "chart", "capacity", "-o", scratch / "capacity.png"]
    commands["capplan plan -o plan.xlsx"] = [BIN, "plan", "-o", scratch / "plan.xlsx"]
    commands["capplan report -o plan.html"] = [BIN, "report", "-o", scratch / "plan.html"]
    commands["capplan export xlsx plan.xlsx"] = [BIN, "export", "xlsx", scratch / "export.xlsx"]
    commands["capplan export focus -o focus"] = [BIN, "export", "focus", "-o", scratch / "focus"]
    return commands


def reports(args, out, sizes):
    shipped = shipped_commands(out)
    for name, (median, mb) in measure(shipped, args.runs).items():
        print(f"| shipped | `{name}` | {median * 1000:.1f} ms | {mb:.0f} MB |")
    for n in sizes:
        folder = out / f"catalog-{n}"
        commands = {}
        for by in ["quarter", "month"]:
            for report in ["capacity", "spend"]:
                commands[f"capplan --format json {report} --by {by} --group-by provider"] = [
                    BIN, "--catalog", folder, "--format", "json", report, "--by", by, "--group-by", "provider"]
        commands["capplan validate"] = [BIN, "--catalog", folder, "validate", "--format", "json"]
        if not args.skip_peer and n == max(sizes):
            commands["peer_pandas.py --group-by provider"] = [
                sys.executable, ROOT / "bench" / "peer_pandas.py", folder, "--group-by", "provider"]
        results = measure(commands, args.runs)
        for name, (median, mb) in results.items():
            print(f"| {n:,} contracts | `{name}` | {median * 1000:.1f} ms | {mb:.0f} MB |")
        peer = results.get("peer_pandas.py --group-by provider")
        if peer:
            for report in ["capacity", "spend"]:
                ours = results[f"capplan --format json {report} --by quarter --group-by provider"][0]
                print(f"| {n:,} contracts | speed-up of `{report}` (quarter, provider) over the peer | {peer[0] / ours:.1f}x | |")


def combined(args, out):
    """The speed target as users meet it: at 10,000 contracts (gen_catalog.py seed 99), quarterly
    `capacity` and then `spend` by provider, two whole processes one after the other, against one
    run of the pandas peer, which computes both. capplan runs with its catalog cache in OUT/cache
    (warm after the warm-up run: every timed pair reads the catalog from it) and with the cache
    off (`CAPPLAN_CACHE_DIR=off`: every pair parses and checks the 10,000 files). The sides
    alternate, run by run, each capplan pair after a peer run, after one warm-up each; the ratios
    are the peer's median over capplan's."""
    folder = out / "catalog-10000-seed99"
    if not (folder / "portfolio.toml").exists():
        subprocess.run([sys.executable, ROOT / "bench" / "gen_catalog.py", folder, "10000", "--seed", "99"],
                       check=True)

    def pair(cache):
        return [([BIN, "--catalog", folder, report, "--by", "quarter", "--group-by", "provider"],
                 {"CAPPLAN_CACHE_DIR": cache}) for report in ["capacity", "spend"]]

    cached, uncached = pair(str(out / "cache")), pair("off")
    peer = [sys.executable, ROOT / "bench" / "peer_pandas.py", folder, "--group-by", "provider"]
    run_sequence(cached)
    run_sequence(uncached)
    run_once(peer)
    ours, ours_off, theirs, peak, peak_off = [], [], [], 0.0, 0.0
    for _ in range(args.runs):
        wall, mb = run_sequence(cached)
        ours.append(wall)
        peak = max(peak, mb)
        theirs.append(run_once(peer)[0])
        wall, mb = run_sequence(uncached)
        ours_off.append(wall)
        peak_off = max(peak_off, mb)
        theirs.append(run_once(peer)[0])
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    off_median = statistics.median(ours_off)
    print(f"| 10,000 contracts (seed 99) | `capplan capacity` + `capplan spend` (quarter, provider), catalog cache warm | "
          f"{ours_median * 1000:.1f} ms | {peak:.0f} MB |")
    print(f"| 10,000 contracts (seed 99) | the same, `CAPPLAN_CACHE_DIR=off` | "
          f"{off_median * 1000:.1f} ms | {peak_off:.0f} MB |")
    print(f"| 10,000 contracts (seed 99) | `peer_pandas.py --group-by provider` | {theirs_median * 1000:.1f} ms | |")
    print(f"| 10,000 contracts (seed 99) | the peer's time over capplan's two runs, alternating, cache warm | "
          f"{theirs_median / ours_median:.1f}x | |")
    print(f"| 10,000 contracts (seed 99) | the peer's time over capplan's two runs, alternating, cache off | "
          f"{theirs_median / off_median:.1f}x | |")


def long_reports(args, out):
    """`capacity --by month --group-by tranche`, the longest report, in each text format: one run
    each after one warm-up of CSV, the output written to a file and removed."""
    n = args.long_contracts
    folder = out / f"catalog-{n}-seed99"
    if not (folder / "portfolio.toml").exists():
        subprocess.run([sys.executable, ROOT / "bench" / "gen_catalog.py", folder, str(n), "--seed", "99"],
                       check=True)
    target = out / "long-report"
    base = [BIN, "--catalog", folder, "capacity", "--by", "month", "--group-by", "tranche"]
    run_once(base + ["--format", "csv", "-o", target])
    for fmt in ["csv", "json", "table"]:
        wall, mb = run_once(base + ["--format", fmt, "-o", target])
        size = target.stat().st_size
        with open(target, "rb") as f:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b""))
        target.unlink()
        print(f"| {n:,} contracts (seed 99) | `capacity --by month --group-by tranche --format {fmt}`: "
              f"{lines:,} lines, {size / 1e9:.2f} GB | {wall:.1f} s | {mb:.0f} MB |")


def scale(args, out):
    """100,000 contracts: validation and the quarterly projection, each a whole run."""
    folder = out / "catalog-100000"
    if not (folder / "portfolio.toml").exists():
        subprocess.run([sys.executable, ROOT / "bench" / "gen_catalog.py", folder, "100000", "--seed", "1"], check=True)
    commands = {
        "capplan validate": [BIN, "--catalog", folder, "validate", "--format", "json"],
        "capplan --format json capacity --by quarter --group-by provider": [
            BIN, "--catalog", folder, "--format", "json", "capacity", "--by", "quarter", "--group-by", "provider"],
        "capplan --format json spend --by quarter --group-by provider": [
            BIN, "--catalog", folder, "--format", "json", "spend", "--by", "quarter", "--group-by", "provider"],
        "capplan plan": [BIN, "--catalog", folder, "plan"],
    }
    results = measure(commands, max(3, args.runs // 3))
    for name, (median, mb) in results.items():
        print(f"| 100,000 contracts | `{name}` | {median * 1000:.1f} ms | {mb:.0f} MB |")
    both = results["capplan validate"][0] + results["capplan --format json capacity --by quarter --group-by provider"][0]
    print(f"| 100,000 contracts | validate, then quarterly capacity | {both * 1000:.1f} ms | |")


def risk(args, out, sizes):
    """`capplan risk`: samples and threads on the shipped catalog, then synthetic catalogs."""
    delivery = ROOT / "tests" / "fixtures" / "risk" / "delivery.toml"
    select_all = ROOT / "tests" / "fixtures" / "risk" / "select-all.toml"
    commands = {}
    for samples in [10_000, 100_000, 1_000_000]:
        for threads in [1, 2]:
            name = f"RAYON_NUM_THREADS={threads} capplan --scenario delivery.toml risk --samples {samples:,}"
            commands[name] = ([BIN, "--scenario", delivery, "risk", "--samples", str(samples)],
                              {"RAYON_NUM_THREADS": str(threads)})
    for name, (median, mb) in measure(commands, args.runs).items():
        print(f"| shipped | `{name}` | {median * 1000:.1f} ms | {mb:.0f} MB |")
    for n in [s for s in sizes if s <= 1000]:
        folder = out / f"catalog-{n}"
        commands = {}
        for threads in [1, 2]:
            name = f"RAYON_NUM_THREADS={threads} capplan --scenario select-all.toml risk --samples 10,000"
            commands[name] = ([BIN, "--catalog", folder, "--scenario", select_all, "risk", "--samples", "10000"],
                              {"RAYON_NUM_THREADS": str(threads)})
        for name, (median, mb) in measure(commands, args.runs).items():
            print(f"| {n:,} contracts | `{name}` | {median * 1000:.1f} ms | {mb:.0f} MB |")


def risk_target(args, out):
    """The risk target as its issue measures it: `capplan --scenario delivery-risk.toml risk` at
    its default 10,000 samples on the shipped catalog, and with `--samples 1` (start-up, loading,
    the model and the output), 25 runs each after a warm-up; with --baseline, alternating run by
    run with that build of capplan, each build with a catalog cache of its own (sharing one, each
    would find the other's entry stale and parse every file again)."""
    delivery = ROOT / "examples" / "scenarios" / "delivery-risk.toml"
    builds = {"this build": BIN}
    if args.baseline:
        builds["baseline"] = Path(args.baseline).resolve()
    commands = {}
    for label, binary in builds.items():
        env = {"CAPPLAN_CACHE_DIR": str(out / f"cache-risk-{label.replace(' ', '-')}")}
        for samples in ["10000", "1"]:
            commands[(label, samples)] = ([binary, "--scenario", delivery, "risk", "--samples", samples], env)
    for cmd in commands.values():
        run_once(cmd)
    walls = {key: [] for key in commands}
    for _ in range(25):
        for key, cmd in commands.items():
            walls[key].append(run_once(cmd)[0])
    medians = {key: statistics.median(w) for key, w in walls.items()}
    for (label, samples), median in medians.items():
        print(f"| shipped ({label}) | `capplan --scenario delivery-risk.toml risk --samples {int(samples):,}`, "
              f"25 alternating runs | {median * 1000:.2f} ms | |")
    if args.baseline:
        ratio = medians[("this build", "10000")] / medians[("baseline", "10000")]
        print(f"| shipped | this build's time over the baseline's at 10,000 samples | {ratio:.2f} | |")


def schedule(args, out):
    """`schedule` against demand: the shipped catalog and 10,000 contracts with 50 workloads."""
    demand = ROOT / "examples" / "demand" / "demand.toml"
    folder = out / "catalog-10000-demand"
    if not (folder / "demand.toml").exists():
        subprocess.run([sys.executable, ROOT / "bench" / "gen_catalog.py", folder, "10000", "--seed", "99"], check=True)
        subprocess.run([sys.executable, ROOT / "bench" / "gen_demand.py", folder, "50", "--seed", "1"], check=True)
    commands = {
        "shipped + example demand | capplan schedule": [BIN, "--demand", demand, "schedule"],
        "shipped + example demand | capplan schedule --runs": [BIN, "--demand", demand, "schedule", "--runs"],
        "shipped + example demand | capplan plan": [BIN, "--demand", demand, "plan"],
    }
    delivery = ROOT / "examples" / "scenarios" / "delivery-risk.toml"
    for samples in (10_000, 100_000):
        commands[f"shipped + example demand | capplan --scenario delivery-risk.toml risk --samples {samples:,}"] = [
            BIN, "--demand", demand, "--scenario", delivery, "risk", "--samples", str(samples)]
    commands["shipped, no demand | capplan --scenario delivery-risk.toml risk --samples 10,000"] = [
        BIN, "--scenario", delivery, "risk", "--samples", "10000"]
    for threads in ("1", "2"):
        commands[f"10,000 contracts, 50 workloads | capplan schedule --format json ({threads} thread{'s' if threads == '2' else ''})"] = (
            [BIN, "--catalog", folder, "schedule", "--format", "json"],
            {"RAYON_NUM_THREADS": threads},
        )
    for name, (median, peak) in measure(commands, args.runs).items():
        catalog, command = name.split(" | ")
        print(f"| {catalog} | `{command}` | {median * 1000:.1f} ms | {peak:.0f} MB |")


def burn(args, out):
    """`capplan burn` on the shipped catalog with examples/actuals: reading every file (the
    cache off), and from a warm cache."""
    example = ROOT / "examples" / "actuals"
    cache = out / "actuals-cache"
    commands = {
        "capplan burn --actuals examples/actuals (cache off)": (
            [BIN, "burn", "--actuals", example], {"CAPPLAN_CACHE_DIR": "off"}),
        "capplan burn --actuals examples/actuals (cache warm)": (
            [BIN, "burn", "--actuals", example], {"CAPPLAN_CACHE_DIR": str(cache)}),
    }
    for name, (median, mb) in measure(commands, args.runs).items():
        print(f"| shipped + example actuals | `{name}` | {median * 1000:.1f} ms | {mb:.0f} MB |")


def actuals(args, out):
    """10 million hourly FOCUS rows, CSV.gz and Parquet, attributed to 1,000 contracts."""
    rows = args.actual_rows
    folder = out / f"actuals-1000-{rows}"
    csv, parquet = folder / "actuals" / "costs.csv.gz", folder / "actuals-parquet" / "costs.parquet"
    if not parquet.exists():
        subprocess.run([sys.executable, ROOT / "bench" / "gen_focus.py", folder, "--contracts", "1000",
                        "--rows", str(rows)], check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "focus_read"], cwd=ROOT, check=True)
    reader = ROOT / "target" / "release" / "examples" / "focus_read"
    peer = ROOT / "bench" / "peer_actuals.py"
    commands, checks = {}, {}
    for fmt, file in [("csv.gz", csv), ("parquet", parquet)]:
        # The cache is off: this measures reading and attributing every row, every run.
        commands[f"{fmt} | capplan actuals --format json"] = (
            [BIN, "--catalog", folder, "actuals", "--actuals", file.parent, "--format", "json"],
            {"CAPPLAN_CACHE_DIR": "off"})
        commands[f"{fmt} | focus_read (the reader alone)"] = checks[f"focus_read {fmt}"] = [reader, folder, file]
        if not args.skip_peer:
            for engine in ["duckdb", "polars"]:
                commands[f"{fmt} | peer_actuals.py --engine {engine}"] = checks[f"{engine} {fmt}"] = [
                    sys.executable, peer, folder, file, "--engine", engine]
    # Every reader finds the same rows and exact totals before any is timed.
    found = {name: subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[0]
             for name, cmd in checks.items()}
    if len(set(found.values())) != 1:
        sys.exit("the readers disagree:\n" + "\n".join(f"{k}: {v}" for k, v in found.items()))
    print(f"| {rows:,} rows | every reader finds `{next(iter(found.values()))}` | | |")
    results = measure(commands, max(3, args.runs // 2))
    label = f"{rows:,} rows, 1,000 contracts"
    for name, (median, mb) in results.items():
        fmt, command = name.split(" | ")
        print(f"| {label}, {fmt} | `{command}` | {median * 1000:.0f} ms, {rows / median / 1e6:.2f}M rows/s | {mb:.0f} MB |")
    for fmt in ["csv.gz", "parquet"]:
        ours = results[f"{fmt} | capplan actuals --format json"][0]
        for engine in [] if args.skip_peer else ["duckdb", "polars"]:
            theirs = results[f"{fmt} | peer_actuals.py --engine {engine}"][0]
            print(f"| {label}, {fmt} | `capplan actuals` against {engine}: its time over capplan's | {theirs / ours:.2f}x | |")


if __name__ == "__main__":
    main()


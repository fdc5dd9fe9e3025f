#!/usr/bin/env python3
"""The actuals benchmark's peer: the attribution of bench/gen_focus.py's rows to its contracts,
as a performance-minded analyst would write it in DuckDB or polars.

usage: peer_actuals.py CATALOG_DIR FILE --engine duckdb|polars [--dump]

Reads each contract's `[actuals] match` table (BillingAccountId and ServiceProviderName) from
CATALOG_DIR, joins FILE's rows (a FOCUS .csv.gz or .parquet) to them on both columns, and sums
BilledCost per contract and calendar quarter of ChargePeriodStart, as exact decimals
(DECIMAL(38, 10)), with the rows no contract claims summed apart. Every row of the benchmark is
one hour inside one quarter, so no row needs spreading over periods by seconds; capplan spreads
every row, which this does not.

Prints the same summary line as bench/focus_read.rs (rows, attributed rows and dollars,
unattributed dollars, contract-quarter cells) and the query's own time; with --dump, each
contract and quarter's total as CSV. Needs duckdb or polars (`pip install duckdb polars`).
"""
import argparse
import sys
import time
import tomllib
from decimal import Decimal
from pathlib import Path


def claims(catalog):
    out = []
    for path in sorted(Path(catalog).glob("*.toml")):
        if path.name == "portfolio.toml":
            continue
        doc = tomllib.loads(path.read_text())
        match = doc.get("actuals", {}).get("match", {})
        if "BillingAccountId" in match and "ServiceProviderName" in match:
            out.append((doc["id"], match["BillingAccountId"], match["ServiceProviderName"]))
    return out


def duckdb_run(file, table):
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE claims (contract VARCHAR, BillingAccountId VARCHAR, ServiceProviderName VARCHAR)")
    con.executemany("INSERT INTO claims VALUES (?, ?, ?)", table)
    if file.endswith(".parquet"):
        source = f"read_parquet('{file}')"
    else:
        source = (f"read_csv('{file}', header = true, types = {{'BilledCost': 'DECIMAL(38, 10)', "
                  "'BillingAccountId': 'VARCHAR', 'ChargePeriodStart': 'TIMESTAMPTZ'})")
    rows = con.execute(f"""
        SELECT c.contract,
               year(r.ChargePeriodStart) * 4 + quarter(r.ChargePeriodStart) - 1 AS q,
               sum(CAST(r.BilledCost AS DECIMAL(38, 10))) AS usd,
               count(*) AS n
        FROM {source} r
        LEFT JOIN claims c USING (BillingAccountId, ServiceProviderName)
        GROUP BY ALL
    """).fetchall()
    return [(c, q, Decimal(usd), n) for c, q, usd, n in rows]


def polars_run(file, table):
    import polars as pl

    keys = ["BillingAccountId", "ServiceProviderName"]
    claims_frame = pl.DataFrame(table, schema=["contract", *keys], orient="row").lazy()
    if file.endswith(".parquet"):
        frame = pl.scan_parquet(file)
        start = pl.col("ChargePeriodStart")
        year, month = start.dt.year(), start.dt.month()
    else:
        # polars does not stream a gzipped CSV: read_csv decompresses it in memory.
        frame = pl.read_csv(
            file,
            columns=[*keys, "BilledCost", "ChargePeriodStart"],
            schema_overrides={"BilledCost": pl.Decimal(38, 10), "BillingAccountId": pl.String,
                              "ChargePeriodStart": pl.String},
        ).lazy()
        start = pl.col("ChargePeriodStart")
        year, month = start.str.slice(0, 4).cast(pl.Int32), start.str.slice(5, 2).cast(pl.Int32)
    out = (
        frame.select([*keys, pl.col("BilledCost").cast(pl.Decimal(38, 10)),
                      (year * 4 + (month - 1) // 3).alias("q")])
        .join(claims_frame, on=keys, how="left")
        .group_by(["contract", "q"])
        .agg(pl.col("BilledCost").sum().alias("usd"), pl.len().alias("n"))
        .collect()
    )
    return [(c, q, Decimal(str(usd)), n) for c, q, usd, n in out.iter_rows()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("catalog")
    ap.add_argument("file")
    ap.add_argument("--engine", choices=["duckdb", "polars"], required=True)
    ap.add_argument("--dump", action="store_true")
    args = ap.parse_args()
    table = claims(args.catalog)
    began = time.perf_counter()
    cells = (duckdb_run if args.engine == "duckdb" else polars_run)(args.file, table)
    took = time.perf_counter() - began
    rows = sum(n for *_, n in cells)
    claimed = [c for c in cells if c[0] is not None]
    attributed = sum((usd for _, _, usd, _ in claimed), Decimal(0))
    unattributed = sum((usd for c, _, usd, _ in cells if c is None), Decimal(0))
    print(f"rows {rows} attributed_rows {sum(n for *_, n in claimed)} attributed_usd {attributed} "
          f"unattributed_usd {unattributed} cells {len(claimed)}")
    print(f"query {took:.2f} s", file=sys.stderr)
    if args.dump:
        print("contract,quarter,billed_usd")
        for c, q, usd, _ in sorted(claimed, key=lambda x: (x[0], x[1])):
            print(f"{c},{q // 4}Q{q % 4 + 1},{usd.normalize():f}")


if __name__ == "__main__":
    main()

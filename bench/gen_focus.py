#!/usr/bin/env python3
"""Write a catalog of N synthetic contracts and hourly FOCUS cost rows over their accounts, for
the actuals benchmark.

usage: gen_focus.py OUT_DIR [--contracts 1000] [--rows 10000000] [--seed 1]

Needs numpy and pyarrow (`pip install numpy pyarrow`). Deterministic for a seed. Writes:

- OUT_DIR/portfolio.toml and OUT_DIR/cNNNNNN.toml: bench/gen_catalog.py's catalog (same seed),
  its GPU profiles given gen_demand.py's `tflops` (a catalog needs them to be valid), and each
  contract file ending in an `[actuals]` table that claims the rows of one account:
  `match = { BillingAccountId = "<12 digits>", ServiceProviderName = "AWS" }`.
- OUT_DIR/actuals/costs.csv.gz: the rows as gzipped CSV, FOCUS 1.2 columns, strings quoted.
- OUT_DIR/actuals-parquet/costs.parquet: the same rows as Parquet (Snappy, row groups of
  500,000 rows; times as timestamp[us, UTC], money as decimal128(20, 10), as pyarrow writes).
  A folder of its own so that each format is one run's `--actuals DIR`: a folder with both files
  would hold every row twice.

The rows: one per hour and resource from 2026-01-01T00:00Z, hour by hour, as the clouds export
them. Resources are the rows divided by 8,000 hours (1,250 for ten million rows); the first N
belong to one contract's account each and the rest are split between contract accounts (half),
accounts no contract names (a quarter) and Marketplace sellers on contract accounts, whose
ServiceProviderName is not AWS (a quarter): about a tenth of the rows are claimed by no
contract. Costs have ten decimals. The values are made up; the shapes follow FOCUS 1.2.
"""
import argparse
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

HOURS = 8_000
CHUNK_HOURS = 400
START = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
SCALE = 10**10  # money in units of 1e-10 dollars
REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "ap-northeast-1"]
SERVICES = [  # (ServiceName, ServiceCategory, ResourceType, SkuId prefix, $/hour low, high)
    ("Amazon Elastic Compute Cloud", "Compute", "Instance", "EC2", 0.05, 98.32),
    ("Amazon Elastic Compute Cloud", "Compute", "Instance", "EC2", 20.0, 120.0),
    ("Amazon Elastic Block Store", "Storage", "Volume", "EBS", 0.01, 2.0),
    ("Amazon Simple Storage Service", "Storage", "Bucket", "S3", 0.001, 5.0),
    ("Amazon Relational Database Service", "Databases", "DB Instance", "RDS", 0.1, 30.0),
]
SELLERS = ["Datadog", "Snowflake", "MongoDB"]


def catalog(out, n, seed, rng):
    """The contracts of gen_catalog.py with an `[actuals]` table each; returns their accounts."""
    if not (out / "portfolio.toml").exists():
        subprocess.run([sys.executable, Path(__file__).with_name("gen_catalog.py"), out, str(n), "--seed", str(seed)],
                       check=True)
    # A catalog is valid only when its reference hardware has compute figures: gen_demand.py's.
    sys.path.insert(0, str(Path(__file__).parent))
    from gen_demand import TFLOPS

    portfolio = out / "portfolio.toml"
    text = portfolio.read_text()
    for hw, tf in TFLOPS.items():
        block = re.compile(r'(\[\[hardware\]\]\nid = "%s"\n(?:[^\[\n][^\n]*\n)*)' % re.escape(hw))
        found = block.search(text)
        if found and "tflops" not in found.group(1):
            text = block.sub(lambda m: m.group(1) + f"tflops = {tf}\n", text, count=1)
    portfolio.write_text(text)
    accounts = unique_accounts(rng, n + 100)
    for i in range(n):
        path = out / f"c{i:06d}.toml"
        text = path.read_text()
        if "[actuals]" not in text:
            path.write_text(text + f'\n[actuals]\nmatch = {{ BillingAccountId = "{accounts[i]}", '
                                   'ServiceProviderName = "AWS" }\n')
    return accounts[:n], accounts[n:]


def unique_accounts(rng, k):
    ids = set()
    while len(ids) < k:
        ids.update(int(x) for x in rng.integers(100_000_000_000, 999_999_999_999, size=k - len(ids)))
    return sorted(f"{x:012d}" for x in ids)


def resources(rng, slots, contract_accounts, stray_accounts):
    """Per resource: account, provider, service, id, region, hourly price in units."""
    n = len(contract_accounts)
    account = []
    provider = []
    for s in range(slots):
        r = rng.random()
        if s < n:
            account.append(contract_accounts[s])
            provider.append("AWS")
        elif r < 0.5:
            account.append(contract_accounts[rng.integers(n)])
            provider.append("AWS")
        elif r < 0.75:
            account.append(stray_accounts[rng.integers(len(stray_accounts))])
            provider.append("AWS")
        else:
            account.append(contract_accounts[rng.integers(n)])
            provider.append(SELLERS[rng.integers(len(SELLERS))])
    service = rng.integers(len(SERVICES), size=slots)
    low = np.array([SERVICES[k][4] for k in service])
    high = np.array([SERVICES[k][5] for k in service])
    price = ((low + (high - low) * rng.random(slots)) * SCALE).astype(np.int64)
    kinds = [SERVICES[k] for k in service]
    ids = [f"arn:aws:{kinds[s][3].lower()}:{REGIONS[s % len(REGIONS)]}:{account[s]}:"
           f"{kinds[s][2].lower().replace(' ', '-')}/r-{s:017x}"
           for s in range(slots)]
    return {
        "account": pa.array(account),
        "account_name": pa.array([f"synthetic account {a[-4:]}" for a in account]),
        "provider": pa.array(provider),
        "issuer": pa.array(["Amazon Web Services, Inc."] * slots),
        "service": pa.array([k[0] for k in kinds]),
        "category": pa.array([k[1] for k in kinds]),
        "sku": pa.array([f"{k[3]}-{rng.integers(10**6):06d}" for k in kinds]),
        "resource": pa.array(ids),
        "region": pa.array([REGIONS[s % len(REGIONS)] for s in range(slots)]),
        "price": price,
    }


def decimal(units, precision=20, scale=10):
    """decimal128 from int64 units of 10^-scale, exactly: the 128-bit little-endian words."""
    words = np.empty((len(units), 2), dtype=np.int64)
    words[:, 0] = units
    words[:, 1] = np.where(units < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(units), [None, pa.py_buffer(words.tobytes())])


def month_bounds(micros):
    """BillingPeriodStart and End (the month around each time), in microseconds."""
    days = micros // 86_400_000_000
    d = days.astype("datetime64[D]")
    first = d.astype("datetime64[M]")
    nxt = first + np.timedelta64(1, "M")
    to_us = lambda m: m.astype("datetime64[D]").astype(np.int64) * 86_400_000_000
    return to_us(first), to_us(nxt)


def chunk(rng, res, slots, h0, h1, rows_left):
    hours = np.repeat(np.arange(h0, h1, dtype=np.int64), slots)
    slot = np.tile(np.arange(slots, dtype=np.int64), h1 - h0)
    if rows_left < len(hours):
        hours, slot = hours[:rows_left], slot[:rows_left]
    n = len(hours)
    start_us = int(START.timestamp()) * 1_000_000 + hours * 3_600_000_000
    end_us = start_us + 3_600_000_000
    bp_start, bp_end = month_bounds(start_us)
    # Usage from 40% to 100% of the hour, in thousandths; billed is price * usage.
    usage = rng.integers(400, 1001, size=n)
    usage[rng.random(n) < 0.7] = 1000
    billed = res["price"][slot] * usage // 1000
    # A credit now and then, and a discount of 0 to 30% in the effective cost.
    credit = rng.random(n) < 0.001
    billed[credit] = -billed[credit] // 10
    effective = billed * rng.integers(700, 1001, size=n) // 1000
    listed = billed * 13 // 10
    idx = pa.array(slot)
    ts = pa.timestamp("us", tz="UTC")
    cols = {
        "BilledCost": decimal(billed),
        "BillingAccountId": res["account"].take(idx),
        "BillingAccountName": res["account_name"].take(idx),
        "BillingCurrency": pa.array(np.full(n, "USD")),
        "BillingPeriodEnd": pa.array(bp_end, ts),
        "BillingPeriodStart": pa.array(bp_start, ts),
        "ChargeCategory": pa.array(np.where(credit, "Credit", "Usage")),
        "ChargeClass": pa.nulls(n, pa.string()),
        "ChargePeriodEnd": pa.array(end_us, ts),
        "ChargePeriodStart": pa.array(start_us, ts),
        "EffectiveCost": decimal(effective),
        "InvoiceIssuerName": res["issuer"].take(idx),
        "ListCost": decimal(listed),
        "PricingQuantity": decimal(usage, 12, 3),
        "PricingUnit": pa.array(np.full(n, "Hours")),
        "RegionId": res["region"].take(idx),
        "ResourceId": res["resource"].take(idx),
        "ServiceCategory": res["category"].take(idx),
        "ServiceName": res["service"].take(idx),
        "ServiceProviderName": res["provider"].take(idx),
        "SkuId": res["sku"].take(idx),
    }
    return pa.table(cols)


def as_text(table):
    """The table as a CSV export writes it: times as YYYY-MM-DDTHH:MM:SSZ, money as decimals."""
    out = {}
    for name in table.column_names:
        col = table[name]
        if pa.types.is_timestamp(col.type):
            col = pc.strftime(col.cast(pa.timestamp("s", tz="UTC")), format="%Y-%m-%dT%H:%M:%SZ")
        elif pa.types.is_decimal(col.type):
            col = pc.cast(col, pa.string())
        out[name] = col
    return pa.table(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--contracts", type=int, default=1000)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    out = Path(args.out)
    rng = np.random.default_rng(args.seed)
    contract_accounts, stray_accounts = catalog(out, args.contracts, args.seed, rng)
    slots = max(1, -(-args.rows // HOURS))
    res = resources(rng, slots, contract_accounts, stray_accounts)
    (out / "actuals").mkdir(parents=True, exist_ok=True)
    (out / "actuals-parquet").mkdir(parents=True, exist_ok=True)
    csv_path = out / "actuals" / "costs.csv.gz"
    pq_path = out / "actuals-parquet" / "costs.parquet"
    written = 0
    parquet = csv = None
    with pa.CompressedOutputStream(str(csv_path) + ".part", "gzip") as gz:
        for h0 in range(0, HOURS, CHUNK_HOURS):
            if written >= args.rows:
                break
            table = chunk(rng, res, slots, h0, min(h0 + CHUNK_HOURS, HOURS), args.rows - written)
            written += table.num_rows
            if parquet is None:
                parquet = pq.ParquetWriter(str(pq_path) + ".part", table.schema, compression="snappy")
            parquet.write_table(table, row_group_size=table.num_rows)
            text = as_text(table)
            if csv is None:
                csv = pacsv.CSVWriter(gz, text.schema)
            csv.write_table(text)
        csv.close()
    parquet.close()
    Path(str(csv_path) + ".part").rename(csv_path)
    Path(str(pq_path) + ".part").rename(pq_path)
    print(f"{written:,} rows, {slots:,} resources, {args.contracts:,} contracts: {csv_path} "
          f"({csv_path.stat().st_size / 1e6:.0f} MB), {pq_path} ({pq_path.stat().st_size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the SYNTHETIC FOCUS exports of examples/actuals/: invented billing data, shaped like
what AWS Data Exports and Azure cost exports produce, for three shipped contracts. No figure here
was billed to anyone; the account ids are made up and match the `[actuals]` tables of
contracts/aws-2025.toml, contracts/aws-2026.toml and contracts/azure-2025.toml.

- aws-focus-hourly.csv.gz: FOCUS 1.2 columns, one row per hour and service, for
  aws-2025 (account 111122223333) from 2025-11-03 and aws-2026 (444455556666) from 2026-07-01,
  to 2026-12-01. The accounts consume about 80% and 95% of the plan's monthly spend.
- azure-focus-monthly.parquet (with pyarrow; else azure-focus-monthly.csv): FOCUS 1.0 columns
  (`ProviderName`), one row per month and meter for azure-2025, at about 92% of plan.
- other-services.csv: rows that no contract claims (a data warehouse and monitoring).
- deliveries.csv: observed units online of aws-2025's tranches.

Run from the repository root: python3 examples/actuals/generate.py
"""

import csv
import datetime as dt
import gzip
import random
from decimal import Decimal, ROUND_HALF_EVEN
from pathlib import Path

HERE = Path(__file__).resolve().parent
END = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)

# The plan's monthly spend (`capplan spend --by month --group-by contract`) per contract.
PLAN = {
    "aws-2025": {"2025-11": "9208266.40", "2025-12": "32472537.33", "2026-01": "55882971.22",
                 "2026-02": "70596709.06", "2026-03": "116343605.66", "2026-04": "166177948.44",
                 "2026-05": "227090821.10", "2026-06": "273352673.06", "2026-07": "326257020.02",
                 "2026-08": "360100172.29", "2026-09": "380707226.38", "2026-10": "426694762.23",
                 "2026-11": "445153603.74"},
    "aws-2026": {"2026-07": "18501038.48", "2026-08": "56736518.02", "2026-09": "91311577.03",
                 "2026-10": "131974074.51", "2026-11": "164122115.58"},
    "azure-2025": {"2025-10": "643366.71", "2025-11": "59511420.57", "2025-12": "162879005.14",
                   "2026-01": "265924906.36", "2026-02": "328760388.26", "2026-03": "462044524.80",
                   "2026-04": "545253285.82", "2026-05": "664812265.90", "2026-06": "741480132.04",
                   "2026-07": "867580006.99", "2026-08": "970625908.21", "2026-09": "1037428818.15",
                   "2026-10": "1173393649.31", "2026-11": "1233655664.38"},
}
AWS = {"aws-2025": ("111122223333", Decimal("0.80"), dt.datetime(2025, 11, 3, tzinfo=dt.timezone.utc)),
       "aws-2026": ("444455556666", Decimal("0.95"), dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc))}
# (service, region, share of the account's spend)
AWS_LINES = [("Amazon Elastic Compute Cloud", "us-east-1", Decimal("0.97")),
             ("AWS Data Transfer", "us-east-1", Decimal("0.03"))]
TEN = Decimal("0.0000000001")


def stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def month_hours(t):
    first = t.replace(day=1, hour=0)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return Decimal((nxt - first).days * 24)


def aws(rng):
    header = ["BillingAccountId", "BillingAccountName", "BillingCurrency", "BilledCost", "EffectiveCost",
              "ListCost", "ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd",
              "ChargeCategory", "ChargeDescription", "ServiceProviderName", "HostProviderName",
              "InvoiceIssuerName", "ServiceName", "ServiceCategory", "RegionId", "PricingQuantity",
              "PricingUnit", "SubAccountId", "x_Synthetic"]
    with gzip.open(HERE / "aws-focus-hourly.csv.gz", "wt", newline="", compresslevel=9) as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for contract, (account, share, start) in AWS.items():
            t = start
            while t < END:
                month = t.strftime("%Y-%m")
                per_hour = Decimal(PLAN[contract][month]) / month_hours(t) * share
                bp_start = t.replace(day=1, hour=0)
                bp_end = (bp_start + dt.timedelta(days=32)).replace(day=1)
                for service, region, part in AWS_LINES:
                    noise = Decimal(rng.randint(900, 1100)) / 1000
                    cost = (per_hour * part * noise).quantize(TEN, ROUND_HALF_EVEN)
                    hours = (cost / Decimal("4.2")).quantize(Decimal("0.001"), ROUND_HALF_EVEN)
                    w.writerow([account, "openai-" + contract, "USD", cost, cost, cost * Decimal("1.6"),
                                stamp(t), stamp(t + dt.timedelta(hours=1)), stamp(bp_start), stamp(bp_end),
                                "Usage", service + " usage", "AWS", "AWS", "Amazon Web Services, Inc.",
                                service, "Compute" if "Compute" in service else "Storage", region, hours,
                                "Hours", account, "synthetic example data"])
                t += dt.timedelta(hours=1)


def azure(rng):
    rows = []
    meters = [("Virtual Machines", "ND GB300 v6", Decimal("0.86")), ("Storage", "Premium SSD v2", Decimal("0.09")),
              ("Bandwidth", "Inter-region", Decimal("0.05"))]
    for month, planned in sorted(PLAN["azure-2025"].items()):
        y, m = map(int, month.split("-"))
        start = dt.datetime(y, m, 1, tzinfo=dt.timezone.utc)
        if month == "2025-10":
            start = dt.datetime(2025, 10, 28, tzinfo=dt.timezone.utc)
        end = (dt.datetime(y, m, 1, tzinfo=dt.timezone.utc) + dt.timedelta(days=32)).replace(day=1)
        for service, meter, part in meters:
            noise = Decimal(rng.randint(950, 1050)) / 1000
            cost = (Decimal(planned) * Decimal("0.92") * part * noise).quantize(TEN, ROUND_HALF_EVEN)
            rows.append({"BillingAccountId": "example-mca-0001", "BillingCurrency": "USD",
                         "BilledCost": cost, "EffectiveCost": cost,
                         "ChargePeriodStart": start, "ChargePeriodEnd": end,
                         "ProviderName": "Microsoft", "ServiceName": service, "x_SkuMeterName": meter,
                         "ChargeCategory": "Usage", "x_Synthetic": "synthetic example data"})
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        with open(HERE / "azure-focus-monthly.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            for r in rows:
                w.writerow({**r, "ChargePeriodStart": stamp(r["ChargePeriodStart"]),
                            "ChargePeriodEnd": stamp(r["ChargePeriodEnd"])})
        return
    table = pa.table({
        "BillingAccountId": [r["BillingAccountId"] for r in rows],
        "BillingCurrency": [r["BillingCurrency"] for r in rows],
        "BilledCost": pa.array([r["BilledCost"] for r in rows], pa.decimal128(22, 10)),
        "EffectiveCost": pa.array([r["EffectiveCost"] for r in rows], pa.decimal128(22, 10)),
        "ChargePeriodStart": pa.array([r["ChargePeriodStart"] for r in rows], pa.timestamp("us", tz="UTC")),
        "ChargePeriodEnd": pa.array([r["ChargePeriodEnd"] for r in rows], pa.timestamp("us", tz="UTC")),
        "ProviderName": [r["ProviderName"] for r in rows],
        "ServiceName": [r["ServiceName"] for r in rows],
        "x_SkuMeterName": [r["x_SkuMeterName"] for r in rows],
        "ChargeCategory": [r["ChargeCategory"] for r in rows],
        "x_Synthetic": [r["x_Synthetic"] for r in rows],
    })
    pq.write_table(table, HERE / "azure-focus-monthly.parquet", compression="snappy")


def other(rng):
    with open(HERE / "other-services.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["BillingAccountId", "BillingCurrency", "BilledCost", "EffectiveCost", "ChargePeriodStart",
                    "ChargePeriodEnd", "ServiceProviderName", "ServiceName", "x_Synthetic"])
        day = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
        while day < END:
            for provider, service, base in [("Snowflake", "Data Warehouse", 41000), ("Datadog", "Monitoring", 12500)]:
                cost = (Decimal(base) * Decimal(rng.randint(900, 1100)) / 1000).quantize(Decimal("0.01"))
                w.writerow(["ext-" + provider.lower(), "USD", cost, cost, stamp(day),
                            stamp(day + dt.timedelta(days=1)), provider, service, "synthetic example data"])
            day += dt.timedelta(days=1)


def deliveries():
    with open(HERE / "deliveries.csv", "w", newline="") as f:
        f.write("date,contract,tranche,units\n")
        f.write("2026-01-01,aws-2025,gb200,18000\n")
        f.write("2026-03-01,aws-2025,gb200,36000\n")
        f.write("2026-06-01,aws-2025,gb200,64000\n")
        f.write("2026-09-01,aws-2025,gb200,80000\n")
        f.write("2026-06-01,aws-2025,gb300,30000\n")
        f.write("2026-09-01,aws-2025,gb300,52000\n")
        f.write("2026-11-15,aws-2025,gb300,78000\n")


if __name__ == "__main__":
    rng = random.Random(2026)
    aws(rng)
    azure(rng)
    other(rng)
    deliveries()

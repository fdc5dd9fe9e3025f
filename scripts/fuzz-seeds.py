#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target under fuzz/corpus/, from the shipped catalog, the
examples and the diagnostic fixtures. Seeds are named `seed-*`; the fuzzers add their own files
beside them. Run from the repository root: python3 scripts/fuzz-seeds.py"""

import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
SEPARATOR = b"\n%%%\n"  # capplan::fuzzing::FILE_SEPARATOR


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"seed-{name}").write_bytes(data)


def toml_files(folder):
    return sorted(p for p in folder.rglob("*.toml"))


def main():
    contracts = ROOT / "contracts"
    fixtures = ROOT / "tests" / "fixtures" / "codes"
    # One file: role byte 0 = a contract beside the shipped portfolio, 1 = the portfolio.
    for path in toml_files(contracts) + toml_files(ROOT / "examples" / "starter"):
        role = b"\x01" if path.name == "portfolio.toml" else b"\x00"
        write("catalog_file", f"{path.parent.name}-{path.stem}", role + path.read_bytes())
    for path in toml_files(fixtures):
        if "scenario" not in path.name:
            role = b"\x01" if path.name == "portfolio.toml" else b"\x00"
            write("catalog_file", f"{path.parent.parent.name}-{path.parent.name}-{path.stem}", role + path.read_bytes())
    # Whole catalogs: the portfolio first.
    for folder in [contracts, ROOT / "examples" / "starter"]:
        files = sorted(folder.glob("*.toml"), key=lambda p: (p.name != "portfolio.toml", p.name))
        write("catalog", folder.name, SEPARATOR.join(p.read_bytes() for p in files))
    for case in sorted(p for p in fixtures.iterdir() if p.is_dir()):
        folder = case / "catalog" if (case / "catalog").is_dir() else case
        files = sorted(folder.glob("*.toml"), key=lambda p: (p.name != "portfolio.toml", p.name))
        if files:
            write("catalog", case.name, SEPARATOR.join(p.read_bytes() for p in files))
    for path in toml_files(ROOT / "examples" / "scenarios"):
        write("scenario", path.stem, path.read_bytes())
    for path in sorted(fixtures.glob("*/scenario.toml")):
        write("scenario", path.parent.name, path.read_bytes())
    words = {
        "money": ["$38,000,000,000", "250e9", "1.5", "$0.01", "-3", "12_000", "$1.4T", "7.2B", "1e40"],
        "duration": ["7y", "-1q", "90d", "2w", "18m", "+3y", "10000000d", "0y"],
        "period": ["2026Q1", "FY2027Q3", "2027", "FY2030", "2026-01", "2026-02-28", "fy2026q4", "9999Q4", "0001-01"],
        "distribution": [
            "fixed(1q)", "uniform(0d, 6m)", "triangular(0d, 1q, 1y)", "uniform(-1q, 2q)",
            "*", "aws-2025", "aws-2025/*", "provider:NVIDIA", "hardware:gb200-nvl72", "aws-*/t1",
        ],
        "fail_if": [
            "gw@2027Q4<5", "mw@2026Q2>=100", "gpus@2030<1000000", "spend@2028>1e11",
            "target-met>2029Q4", "p10-gw@2028Q4<10", "cumulative-spend@2027!=0", "delta-gw@2026Q4<-0.5", "probability@2030Q4<0.5", "cpus@2027>=1",
        ],
    }
    for target, items in words.items():
        for i, text in enumerate(items):
            write(target, f"{i:02}", text.encode())


if __name__ == "__main__":
    main()

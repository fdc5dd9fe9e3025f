#!/usr/bin/env python3
"""Runs the steps of action.yml as GitHub would on a pull request, in a scratch clone.

    python3 scripts/run-action.py            # needs PyYAML (pip install pyyaml), git, cargo

What it sets up: a bare `origin` holding this repository's HEAD as `main`, and a clone of it
checked out on a pull-request branch that changes one contract (a tranche a quarter late), as
actions/checkout leaves it; the `GITHUB_*` and `RUNNER_*` variables and files of a runner; the
action's own folder as `GITHUB_ACTION_PATH`. Then each step of the composite action runs in
order with bash, its `${{ }}` expressions and `if:` conditions evaluated for that pull request,
`actions/cache` played by a folder (a miss on the first run, a hit on the second) and `gh` by a
script that records each call and answers as the API would. The action runs twice, as for two
pushes: the first posts the comment, the second updates it.

Exit 0 when every step succeeded and the calls to the API are the expected ones; it prints
each step, what it printed, and the comment.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

FAKE_GH = r"""#!/usr/bin/env bash
# Plays `gh api`: records the call; lists comments from $FAKE_GH_STATE.
set -euo pipefail
echo "gh $*" >> "$FAKE_GH_LOG"
method=GET; path=""; body=""
args=("$@"); i=1
while [ $i -lt ${#args[@]} ]; do
  case "${args[$i]}" in
    --method) method="${args[$((i+1))]}"; i=$((i+2)) ;;
    --paginate) i=$((i+1)) ;;
    --jq) jq="${args[$((i+1))]}"; i=$((i+2)) ;;
    -F) body="${args[$((i+1))]}"; i=$((i+2)) ;;
    *) path="${args[$i]}"; i=$((i+1)) ;;
  esac
done
if [ -z "${GH_TOKEN:-}" ]; then echo "gh: no GH_TOKEN" >&2; exit 4; fi
case "$method" in
  GET)
    if [ -s "$FAKE_GH_STATE" ] && head -n 1 "$FAKE_GH_STATE" | grep -q '^<!-- capplan-diff -->'; then
      echo 1001
    fi ;;
  POST|PATCH)
    file="${body#body=@}"
    cp "$file" "$FAKE_GH_STATE"
    echo "{}" ;;
esac
"""


def expression(expr, ctx):
    """Evaluates the few expression forms action.yml uses."""
    expr = expr.strip()
    ors = [p.strip() for p in re.split(r"\s\|\|\s", expr)]
    if len(ors) > 1:
        return next((v for v in (expression(p, ctx) for p in ors) if v), "")
    ands = [p.strip() for p in re.split(r"\s&&\s", expr)]
    if len(ands) > 1:
        return all(expression(p, ctx) for p in ands)
    for op in ("==", "!="):
        if f" {op} " in expr:
            left, right = (expression(p, ctx) for p in expr.split(f" {op} ", 1))
            return (left == right) if op == "==" else (left != right)
    if expr.startswith("'") and expr.endswith("'"):
        return expr[1:-1]
    value = ctx
    for part in expr.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return value


def substitute(text, ctx):
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(expression(m.group(1), ctx)), text)


def run_action(action, ctx, env, cache_dir, log):
    for step in action["runs"]["steps"]:
        name = step.get("name", step.get("uses", step.get("id")))
        cond = step.get("if")
        if cond is not None and not expression(cond.replace("\n", " "), ctx):
            print(f"-- {name}: skipped")
            continue
        print(f"-- {name}")
        outputs = {}
        if "uses" in step:
            assert step["uses"].startswith("actions/cache@"), step["uses"]
            with_ = {k: substitute(str(v), ctx) for k, v in step["with"].items()}
            saved = cache_dir / with_["key"]
            hit = saved.is_dir()
            if hit:
                shutil.copytree(saved, with_["path"], dirs_exist_ok=True)
            outputs["cache-hit"] = "true" if hit else "false"
            print(f"   cache {'hit' if hit else 'miss'}: {with_['key']}")
            ctx.setdefault("post", []).append(with_)
        else:
            step_env = dict(env)
            for k, v in (step.get("env") or {}).items():
                step_env[k] = substitute(str(v), ctx)
            out_file = Path(env["RUNNER_TEMP"]) / f"output-{len(log)}"
            out_file.write_text("")
            step_env["GITHUB_OUTPUT"] = str(out_file)
            script = substitute(step["run"], ctx)
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                cwd=env["GITHUB_WORKSPACE"], env=step_env, capture_output=True, text=True,
            )
            print("   " + (proc.stdout + proc.stderr).strip().replace("\n", "\n   "))
            if proc.returncode != 0:
                print(f"   step failed with exit code {proc.returncode}")
                return False
            for line in out_file.read_text().splitlines():
                k, _, v = line.partition("=")
                outputs[k] = v
            # $GITHUB_PATH additions apply to the later steps.
            path_file = Path(env["GITHUB_PATH"])
            extra = [p for p in path_file.read_text().splitlines() if p]
            env["PATH"] = ":".join(extra[::-1] + [env["BASE_PATH"]])
        log.append(name)
        if "id" in step:
            ctx["steps"][step["id"]] = {"outputs": outputs}
    # The cache action's post step saves the path under the key on a miss.
    for with_ in ctx.get("post", []):
        saved = cache_dir / with_["key"]
        if not saved.exists() and Path(with_["path"]).exists():
            shutil.copytree(with_["path"], saved)
    return True


def main():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    scratch = Path(tempfile.mkdtemp(prefix="capplan-action-"))
    git = lambda *a, cwd=scratch: subprocess.run(  # noqa: E731
        ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.org", *a],
        cwd=cwd, check=True, capture_output=True, text=True,
    ).stdout
    origin = scratch / "origin.git"
    git("clone", "--quiet", "--bare", "--no-local", str(ROOT), str(origin))
    git("--git-dir", str(origin), "branch", "-f", "main", "HEAD")
    work = scratch / "work"
    git("clone", "--quiet", "--branch", "main", str(origin), str(work))
    git("checkout", "--quiet", "-b", "slip", cwd=work)
    contract = work / "contracts" / "aws-2025.toml"
    text = contract.read_text()
    changed = re.sub(r"(online_by = )(\d{4})-(\d\d)-(\d\d)",
                     lambda m: f"{m.group(1)}{int(m.group(2)) + 1}-{m.group(3)}-{m.group(4)}",
                     text, count=1)
    assert changed != text, "the contract has an `online_by` to move"
    contract.write_text(changed)
    git("commit", "--quiet", "-am", "A tranche a year late", cwd=work)

    fake_bin = scratch / "fake-bin"
    fake_bin.mkdir()
    (fake_bin / "gh").write_text(FAKE_GH)
    (fake_bin / "gh").chmod(0o755)
    cache_dir = scratch / "cache"
    cache_dir.mkdir()
    gh_log = scratch / "gh.log"
    gh_state = scratch / "comment.md"
    gh_log.write_text("")
    gh_state.write_text("")

    ctx = {
        "github": {
            "event_name": "pull_request", "base_ref": "main", "repository": "acme/plans",
            "token": "fake-token",
            "event": {"pull_request": {"number": 7, "head": {"repo": {"full_name": "acme/plans"}}}},
        },
        "runner": {"temp": "", "os": "Linux", "arch": "X64"},
        "inputs": {},
        "steps": {},
    }
    for name, spec in action["inputs"].items():
        ctx["inputs"][name] = substitute(str(spec.get("default", "")), ctx)

    ok = True
    for push in (1, 2):
        runner_temp = scratch / f"runner-temp-{push}"
        runner_temp.mkdir()
        ctx["runner"]["temp"] = str(runner_temp)
        ctx["steps"] = {}
        ctx.pop("post", None)
        base_path = f"{fake_bin}:{os.environ['PATH']}"
        env = {
            **os.environ, "PATH": base_path, "BASE_PATH": base_path, "CI": "true",
            "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(work),
            "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_BASE_REF": "main", "GITHUB_REPOSITORY": "acme/plans",
            "GITHUB_PATH": str(runner_temp / "path"), "GITHUB_ENV": str(runner_temp / "env"),
            "GITHUB_STEP_SUMMARY": str(runner_temp / "summary.md"),
            "RUNNER_TEMP": str(runner_temp), "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64",
            "FAKE_GH_LOG": str(gh_log), "FAKE_GH_STATE": str(gh_state),
        }
        for f in ("path", "env", "summary.md"):
            (runner_temp / f).write_text("")
        print(f"== push {push}")
        ok = run_action(action, ctx, env, cache_dir, []) and ok
    calls = [line.split(" api ")[1].split()[0] for line in gh_log.read_text().splitlines()]
    print("== gh calls:", json.dumps(gh_log.read_text().splitlines(), indent=1))
    print("== the comment:\n" + gh_state.read_text())
    posted = [c for c in gh_log.read_text().splitlines() if "--method POST" in c]
    updated = [c for c in gh_log.read_text().splitlines() if "--method PATCH" in c]
    expected = ok and len(posted) == 1 and len(updated) == 1 and len(calls) == 4
    expected = expected and gh_state.read_text().startswith("<!-- capplan-diff -->")
    print("ok" if expected else "FAILED")
    shutil.rmtree(scratch)
    sys.exit(0 if expected else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""What the safety rails cost: the first four functions' warm remediations with the ledger and the kill
switch (LEDGER_TABLE, MODE_PARAMETER: as template.yaml deploys them) against the same without, in one
run, on one emulator. Writes bench/LEDGER.md (raw numbers: target/bench/ledger.json).

Run by `make bench` after bench/run.py (it needs the release binaries). Settings (environment):
    BENCH_LEDGER_RUNS=30     warm remediations per function and configuration, per round
    BENCH_LEDGER_ROUNDS=3    rounds; the configurations alternate within a round (load moves both alike)
    BENCH_LEDGER_ONLY=       only these functions (comma list), e.g. when the others are not built
"""

import datetime
import json
import os
import pathlib
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import controls as C  # noqa: E402
from runtime_api import RuntimeApi, cpu_ns  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
OUT = TARGET / "bench"
RUNS = int(os.environ.get("BENCH_LEDGER_RUNS", "30"))
ROUNDS = int(os.environ.get("BENCH_LEDGER_ROUNDS", "3"))
ONLY = [f for f in os.environ.get("BENCH_LEDGER_ONLY", "").split(",") if f]
# Controls whose warm series cannot be measured here, and why (written into LEDGER.md).
NOT_MEASURED = {
    "ebs-default-encryption": "its resource is one setting per account and region, so a warm series fixes the same "
    "resource again and again, which the ledger's flap detection rightly ends as `contested` (a run of this benchmark "
    "on 2026-12-01 got `contested` for every fix with the ledger on)",
}
TABLE = "bench-ledger"
MODE = "/bench/mode"


def make_rails(aws):
    aws.client("dynamodb").create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "action_id")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "action", "KeySchema": [{"AttributeName": "action_id", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
    )
    aws.client("ssm").put_parameter(Name=MODE, Value="enforce", Type="String", Overwrite=True)


def warm(moto, control, rails):
    """One process: a cold remediation, then RUNS warm ones on fresh noncompliant resources."""
    api = RuntimeApi(control.function)
    env = {"AWS_ENDPOINT_URL": moto.endpoint, "AWS_REGION": C.REGION, "AWS_DEFAULT_REGION": C.REGION,
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "NOTIFY_TOPIC_ARN": moto.topic_arn,
           "HOME": str(OUT / "home")}
    if rails:
        env.update(LEDGER_TABLE=TABLE, MODE_PARAMETER=MODE, MAX_CHANGES_PER_HOUR="1000000")
    latency, cpu, problems = [], [], []
    log = open(OUT / "logs" / f"{control.function}-ledger-{'on' if rails else 'off'}.log", "w")
    try:
        api.start([str(TARGET / "release" / control.function)], env, stdout=log)
        api.invoke(control.ours_event(control.seed_one(moto.aws)))
        traffic = moto.stats()
        for _ in range(RUNS):
            resource = control.seed_one(moto.aws)
            before = cpu_ns(api.proc.pid)
            kind, payload, handed, answered = api.invoke(control.ours_event(resource))
            cpu.append((cpu_ns(api.proc.pid) - before) / 1e9)
            latency.append(answered - handed)
            results = payload.get("results", []) if kind == "response" else []
            if kind != "response" or [r["outcome"] for r in results] != ["remediated"]:
                problems.append(str(payload)[:200])
            elif rails and not results[0].get("action_id"):
                problems.append("no action_id with the ledger on")
        requests = moto.since(traffic)["requests"] / RUNS
    finally:
        api.close()
        log.close()
    return {"latency_s": latency, "cpu_s": cpu, "requests": requests, "problems": problems}


def main():
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    (OUT / "home").mkdir(parents=True, exist_ok=True)
    moto = C.Moto(str(ROOT / ".venv" / "bin"), str(OUT / "logs"))
    rows, raw = [], {}
    try:
        moto.reset()
        make_rails(moto.aws)
        for control in [c for c in C.CONTROLS if (not ONLY or c.function in ONLY) and c.function not in NOT_MEASURED]:
            got = {False: [], True: []}
            for _ in range(ROUNDS):
                for rails in (False, True):
                    got[rails].append(warm(moto, control, rails))
            merged = {}
            for rails, runs in got.items():
                merged[rails] = {
                    "latency_ms": statistics.median(x * 1000 for r in runs for x in r["latency_s"]),
                    "cpu_ms": statistics.median(x * 1000 for r in runs for x in r["cpu_s"]),
                    "requests": statistics.mean(r["requests"] for r in runs),
                    "problems": [p for r in runs for p in r["problems"]],
                }
            raw[control.function] = merged
            rows.append((control.function, merged[False], merged[True]))
            print(control.function, json.dumps(merged), flush=True)
    finally:
        moto.stop()
    (OUT / "ledger.json").write_text(json.dumps(raw, indent=1))
    load = os.getloadavg()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    lines = [
        "# What the safety rails cost",
        "",
        f"Generated by `make bench` (bench/ledger.py) on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"commit {commit}; load average at the end {load:.1f} on {os.cpu_count()} CPUs (a shared machine: the "
        "milliseconds move with the load, the request counts do not).",
        "",
        f"Warm remediations of the release binaries on the Lambda Runtime API emulator against moto (HTTP keep-alive), "
        f"{RUNS} per process, {ROUNDS} rounds alternating *off* (no `LEDGER_TABLE`, no `MODE_PARAMETER`) and *on* (both set, "
        "as template.yaml deploys them); medians. Requests are counted by the emulator (the report's SNS publish included).",
        "",
        "| function | requests off | requests on | extra | latency off, ms | latency on, ms | extra, ms | CPU off, ms | CPU on, ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, off, on in rows:
        lines.append(
            f"| `{name}` | {off['requests']:.1f} | {on['requests']:.1f} | +{on['requests'] - off['requests']:.1f} "
            f"| {off['latency_ms']:.1f} | {on['latency_ms']:.1f} | {on['latency_ms'] - off['latency_ms']:+.1f} "
            f"| {off['cpu_ms']:.2f} | {on['cpu_ms']:.2f} |"
        )
    problems = {n: p for n, (off, on) in ((n, (o, w)) for n, o, w in rows) for p in [off["problems"] + on["problems"]] if p}
    lines += [
        "",
        "The extra requests per fix are the ledger's: one `Query` of the resource's history, one `TransactWriteItems` "
        "(cap, record, event claim) and one `UpdateItem` (the read-back recorded). The kill switch's `GetParameter` is "
        "read at most once a minute per process, so it does not show per remediation. A compliant resource costs no "
        "extra request (tests/ledger.rs counts it).",
        "",
        *[f"Not measured: `{name}`: {why}." for name, why in NOT_MEASURED.items()],
        "",
        "Problems: " + (json.dumps(problems) if problems else "none (every remediation read back `remediated`, with an "
                                                               "`action_id` when the ledger was on)."),
        "",
    ]
    (ROOT / "bench" / "LEDGER.md").write_text("\n".join(lines))
    print("wrote bench/LEDGER.md")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The benchmark: our four functions against Cloud Custodian and a plain boto3 baseline, in one run,
on one emulator (moto server), with the emulator's state read back after every run.

Run by `make bench` (which builds the release binaries and the bench venv first). Writes
bench/RESULTS.md; raw numbers, logs and callgrind profiles go to target/bench/.

Settings (environment):
    BENCH_BUCKETS=1000      public buckets in the S3 sweep
    BENCH_SNAPSHOTS=1000    public snapshots in the snapshot sweep
    BENCH_REGIONS=all       regions of the EBS default-encryption sweep: `all` = every commercial region
                            the emulator lists, or a comma list
    BENCH_REPEATS=3         runs of each sweep per implementation
    BENCH_COLD_RUNS=15      cold starts per function
    BENCH_WARM_RUNS=30      warm remediations per function (one process)
    BENCH_PEER_COLD_RUNS=5  cold starts per peer and control
    BENCH_CALLGRIND_RUNS=3  callgrind runs per function
    BENCH_CALLGRIND_WARM=10 warm remediations per callgrind run
    BENCH_COUNT_SIZE=100    sweep size of the (separate) API-call counting runs
    BENCH_PROFILE=auto      profile with symbols: auto = when target/bench-symbols exists, 1 = build it, 0 = no
    BENCH_MIXED_BUCKETS=1000        the realistic S3 sweep: buckets, of which
    BENCH_MIXED_NONCOMPLIANT=50     this many public (the rest with Block Public Access on); the same
                                    numbers for the realistic snapshot sweep (public / private)
    BENCH_Q_RUNS=15         cold starts per function inside the 128 MB CPU quota
    BENCH_Q_PEER_RUNS=3     cold starts per peer and control inside the quota (a boto3 one takes ~5 s there)
    BENCH_Q_QUOTA_US=7200   the quota: CPU microseconds per period (Lambda at 128 MB: 128/1769 of a vCPU)
    BENCH_Q_PERIOD_US=100000
    BENCH_SECTIONS=sizes,functions,q128,sweeps,mixed   which parts to run
    BENCH_ONLY=             only these functions / sweeps (e.g. s3-block-public-access,s3), for trying things out
    BENCH_RESULTS=bench/RESULTS.md
    BENCH_BEFORE_TARGET=    a cargo target dir holding release binaries of the commit before issue 20 (bc0cec6:
                            `git worktree add ../before bc0cec6` and `CARGO_TARGET_DIR=<dir> cargo build --release
                            -p s3-block-public-access -p kms-cancel-key-deletion -p ebs-snapshot-revoke-public`):
                            their instructions are counted in the same run, on the same machine and emulator, so
                            "warm instructions do not grow" compares like with like
    BENCH_MOTO_KEEPALIVE=1  1 = the emulator keeps HTTP connections alive, as AWS does (bench/moto_keepalive.py);
                            0 = moto_server as it comes, which answers every request with Connection: close
"""

import datetime
import json
import os
import pathlib
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import controls as C  # noqa: E402
from proxy import CountingProxy  # noqa: E402
from runtime_api import RuntimeApi, cpu_ns, peak_rss_kb  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
PROJECT_VENV = ROOT / ".venv" / "bin"
BENCH_PY = sys.executable  # the bench venv's python (c7n, boto3)
BENCH_BIN = pathlib.Path(sys.executable).parent
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
OUT = TARGET / "bench"


def env_int(name, default):
    return int(os.environ.get(name, default))


BUCKETS = env_int("BENCH_BUCKETS", 1000)
SNAPSHOTS = env_int("BENCH_SNAPSHOTS", 1000)
REGIONS_SETTING = os.environ.get("BENCH_REGIONS", "all")
REPEATS = env_int("BENCH_REPEATS", 3)
COLD_RUNS = env_int("BENCH_COLD_RUNS", 15)
WARM_RUNS = env_int("BENCH_WARM_RUNS", 30)
PEER_COLD_RUNS = env_int("BENCH_PEER_COLD_RUNS", 5)
CALLGRIND_RUNS = env_int("BENCH_CALLGRIND_RUNS", 3)
CALLGRIND_WARM = env_int("BENCH_CALLGRIND_WARM", 10)
COUNT_SIZE = env_int("BENCH_COUNT_SIZE", 100)
# callgrind with function names needs a build that keeps its symbols (the release profile strips them):
# auto = use target/bench-symbols when it is there, 1 = build it (as long as the release build), 0 = skip.
PROFILE = os.environ.get("BENCH_PROFILE", "auto")
SECTIONS = set(os.environ.get("BENCH_SECTIONS", "sizes,functions,q128,sweeps,mixed").split(","))
MIXED_SIZE = env_int("BENCH_MIXED_BUCKETS", 1000)
MIXED_NONCOMPLIANT = env_int("BENCH_MIXED_NONCOMPLIANT", 50)
Q_RUNS = env_int("BENCH_Q_RUNS", 15)
Q_PEER_RUNS = env_int("BENCH_Q_PEER_RUNS", 3)
Q_QUOTA_US = env_int("BENCH_Q_QUOTA_US", 7200)
Q_PERIOD_US = env_int("BENCH_Q_PERIOD_US", 100000)
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))  # function names or s3,snapshot,ebs
RESULTS = pathlib.Path(os.environ.get("BENCH_RESULTS", BENCH / "RESULTS.md"))
KEEPALIVE = os.environ.get("BENCH_MOTO_KEEPALIVE", "1") != "0"

# Before issue 20 (bench/RESULTS.md of 2026-11-23, commit 322ce6b): warm instructions per remediation and cold
# instructions, which issue 20 keeps from growing and brings under 10 M.
BEFORE = {"warm_ir": {"s3-block-public-access": 2.58e6, "kms-cancel-key-deletion": 2.76e6,
                      "ebs-snapshot-revoke-public": 2.37e6, "ebs-default-encryption": 1.88e6},
          "cold_ir": {"s3-block-public-access": 26.9e6, "kms-cancel-key-deletion": 26.0e6,
                      "ebs-snapshot-revoke-public": 25.6e6, "ebs-default-encryption": 26.1e6},
          "q128_ours_ms": "38–104 ms median (spread 20–439 ms)", "q128_boto3_s": "4.1–6.1 s",
          "s3_sweep": "12.9 s, 5.0 requests per bucket (1000 public buckets); the boto3 loop 11.8 s, 2.0",
          "warm_latency": "19 ms against the boto3 runbook's 13 ms (S3)", "cpu": "AMD EPYC"}
BEFORE_TARGET = os.environ.get("BENCH_BEFORE_TARGET", "")
TARGETS = {"cold_ms": 50, "rss_mb": 32, "zip_mb": 4, "warm_cpu_ms": 1, "sweep_speedup": 3,
           # issue 20: cold answer inside one 128 MB quota period, vs the boto3 baseline there; cold instructions;
           # requests per resource in a realistic S3 sweep
           "q128_cold_ms": 40, "q128_vs_boto3": 100, "cold_ir_m": 10, "mixed_s3_requests": 1.1}


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, flush=True)


# ---- statistics -------------------------------------------------------------------------------------

def summary(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    n = len(values)

    def pct(p):
        return values[min(n - 1, max(0, round(p * (n - 1))))]
    return {"n": n, "median": statistics.median(values), "min": values[0], "max": values[-1],
            "p10": pct(0.1), "p90": pct(0.9)}


def fmt(s, unit="", scale=1.0, digits=None, spread="minmax"):
    """median (low–high) of a summary, scaled."""
    if not s:
        return "–"

    def num(v):
        v = v * scale
        d = digits if digits is not None else (0 if abs(v) >= 100 else 1 if abs(v) >= 10 else 2)
        return f"{v:,.{d}f}"
    lo, hi = (s["p10"], s["p90"]) if spread == "p10p90" else (s["min"], s["max"])
    if s["n"] == 1:
        return f"{num(s['median'])}{unit}"
    return f"{num(s['median'])}{unit} ({num(lo)}–{num(hi)})"


def ratio(ours, peer):
    if not ours or not peer or not peer["median"]:
        return "–"
    r = ours["median"] / peer["median"]
    return f"{r:.3f}" if r < 0.1 else f"{r:.2f}"


# ---- processes ------------------------------------------------------------------------------------

def run_timed(argv, env, cwd=None, stdout_path=None, timeout=3600, preexec_fn=None):
    """Runs a process to completion: (wall seconds from spawn to exit, peak memory, returncode, stdout text).

    Peak memory is polled from /proc while the process runs: {"hwm_kb": VmHWM of the process,
    "tree_kb": the largest sum of PSS over it and its descendants (c7n-org forks worker processes, which
    share pages: PSS counts each shared page once in all), "processes": the most processes at once}.
    wait4's ru_maxrss cannot be used: exec records the high-water mark of the forked copy of this
    (large) driver process, so every child would report at least the driver's own size."""
    out = open(stdout_path, "w+") if stdout_path else tempfile.TemporaryFile("w+")
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, preexec_fn=preexec_fn)
    deadline = time.time() + timeout
    hwm, tree, count, polls = 0, 0, 0, 0
    while True:
        pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.time() > deadline:
            proc.kill()
        if polls % 5 == 0:
            hwm = max(hwm, peak_rss_kb_safe(proc.pid) or 0)
        if polls % 25 == 0:
            pss, n = tree_pss_kb(proc.pid)
            tree, count = max(tree, pss), max(count, n)
        polls += 1
        time.sleep(0.002)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    text = out.read()
    out.close()
    return wall, {"hwm_kb": hwm or None, "tree_kb": tree or None, "processes": count}, proc.returncode, text


def peak_rss_kb_safe(pid):
    try:
        return peak_rss_kb(pid)
    except (FileNotFoundError, ProcessLookupError):
        return None


def tree_pss_kb(pid):
    """(PSS of a process and all its descendants in KiB, number of processes); (0, 0) when it is gone."""
    total, count, todo = 0, 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        count += 1
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total, count


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


class Worker:
    """A long-lived Python peer process answering JSON lines (baseline.py serve, c7n_worker.py serve)."""

    def __init__(self, argv, env, cwd=None, stderr_path=None):
        self.stderr = open(stderr_path or os.devnull, "w")
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True, bufsize=1)
        ready = self.proc.stdout.readline()
        if not ready:
            raise RuntimeError(f"worker {argv} did not start (see {stderr_path})")

    def ask(self, request):
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("worker exited")
        return json.loads(line)

    def rss_kb(self):
        return peak_rss_kb(self.proc.pid)

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(30)
        self.stderr.close()


# ---- our functions ----------------------------------------------------------------------------------

def binary(function):
    return str(TARGET / "release" / function)


def ours_env(endpoint, topic_arn, extra=None):
    home = OUT / "home"
    home.mkdir(parents=True, exist_ok=True)
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": C.REGION, "AWS_DEFAULT_REGION": C.REGION,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "HOME": str(home),
            "NOTIFY_TOPIC_ARN": topic_arn, **(extra or {})}


def check_report(kind, payload, want="remediated", count=None):
    if kind != "response":
        return f"function error: {str(payload)[:300]}"
    outcomes = [r["outcome"] for r in payload.get("results", [])]
    if count is not None and len(outcomes) < count:
        return f"{len(outcomes)} results, expected {count}"
    bad = [o for o in outcomes if o != want]
    if not outcomes or bad:
        return f"outcomes {sorted(set(outcomes))}, expected {want}"
    return None


def ours_cold(moto, control, runs):
    """Process start → first answer, init alone, peak RSS; a fresh process per remediation."""
    api = RuntimeApi(control.function)
    first, init, rss, cpu, problems = [], [], [], [], []
    logf = open(OUT / "logs" / f"{control.function}-cold.log", "w")
    traffic = moto.stats()
    try:
        for _ in range(runs):
            resource = control.seed_one(moto.aws)
            api.start([binary(control.function)], ours_env(moto.endpoint, moto.topic_arn), stdout=logf)
            kind, payload, handed, answered = api.invoke(control.ours_event(resource))
            rss.append(peak_rss_kb(api.proc.pid))
            cpu.append(cpu_ns(api.proc.pid) / 1e9)
            first.append(answered - api.spawned)
            init.append(api.first_poll - api.spawned)
            api.stop()
            problem = check_report(kind, payload) or (None if control.compliant(moto.aws, resource)
                                                      else f"{resource} not compliant after the run")
            if problem:
                problems.append(problem)
    finally:
        api.close()
        logf.close()
    return {"first_answer_s": summary(first), "init_s": summary(init), "rss_kb": summary(rss), "cpu_s": summary(cpu),
            "problems": problems, "emulator": moto.since(traffic)}


def ours_warm(moto, control, runs, endpoint=None):
    """One process: a cold remediation, then `runs` warm ones, each on a fresh noncompliant resource."""
    api = RuntimeApi(control.function)
    latency, cpu, problems, windows = [], [], [], []
    logf = open(OUT / "logs" / f"{control.function}-warm.log", "w")
    try:
        api.start([binary(control.function)], ours_env(endpoint or moto.endpoint, moto.topic_arn), stdout=logf)
        pid = api.proc.pid
        resource = control.seed_one(moto.aws)
        api.invoke(control.ours_event(resource))
        ticks0 = _proc_ticks(pid)
        traffic = moto.stats() if endpoint is None else None
        for _ in range(runs):
            resource = control.seed_one(moto.aws)
            before = cpu_ns(pid)
            kind, payload, handed, answered = api.invoke(control.ours_event(resource))
            cpu.append((cpu_ns(pid) - before) / 1e9)
            latency.append(answered - handed)
            windows.append((handed, answered))
            problem = check_report(kind, payload) or (None if control.compliant(moto.aws, resource)
                                                      else f"{resource} not compliant after the run")
            if problem:
                problems.append(problem)
        ticks = [(b - a) / os.sysconf("SC_CLK_TCK") / max(runs, 1) for a, b in zip(ticks0, _proc_ticks(pid))]
        traffic = moto.since(traffic)
        threads = len(os.listdir(f"/proc/{pid}/task"))
        rss = peak_rss_kb(pid)
    finally:
        api.close()
        logf.close()
    return {"latency_s": summary(latency), "cpu_s": summary(cpu), "user_s_mean": ticks[0], "system_s_mean": ticks[1],
            "rss_after_warm_kb": rss, "problems": problems, "emulator": traffic, "threads": threads,
            "path": critical_paths(moto, windows) if endpoint is None else None}


def critical_path(log, start, end):
    """The round trips on a remediation's critical path, from the emulator's log: requests whose times
    overlap were in flight together (one round trip); a request that starts after every earlier one has
    been answered starts the next. Also the time from the event to the end of the last request that is not
    the report's publish (the read-back: what a runbook's latency covers)."""
    requests = sorted((r for r in log if start <= r[2] <= end), key=lambda r: r[2])
    groups, edge = [], None
    for _, op, arrived, answered in requests:
        if edge is None or arrived > edge:
            groups.append([op])
            edge = answered
        else:
            groups[-1].append(op)
            edge = max(edge, answered)
    read_back = max((r[3] for r in requests if r[1] != "Publish"), default=None)
    return {"rounds": len(groups), "requests": len(requests), "groups": groups,
            "to_read_back_s": None if read_back is None else read_back - start}


def critical_paths(moto, windows):
    """critical_path of each (start, end) window, summarized; None when the emulator keeps no log."""
    if not windows or not moto.keepalive:
        return None
    log = moto.requests(windows[0][0] - 0.001)
    paths = [critical_path(log, a, b) for a, b in windows]
    return {"rounds": summary([p["rounds"] for p in paths]), "requests": summary([p["requests"] for p in paths]),
            "to_read_back_s": summary([p["to_read_back_s"] for p in paths]), "groups": paths[-1]["groups"]}


def _proc_ticks(pid):
    """(utime, stime) of the whole process (exited threads included), in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def ours_proxied(moto, control, cold_runs, warm_runs):
    """Through the counting proxy: the AWS requests of one remediation, and the function's own time
    (latency minus the time its requests waited for the emulator), cold and warm."""
    proxy = CountingProxy(moto.endpoint)
    api = RuntimeApi(control.function)
    own_cold, own_warm, counts, cold_counts, problem = [], [], None, None, None
    try:
        with open(OUT / "logs" / f"{control.function}-proxied.log", "w") as logf:
            for run in range(cold_runs):
                resource = control.seed_one(moto.aws)
                api.start([binary(control.function)], ours_env(proxy.endpoint, moto.topic_arn), stdout=logf)
                kind, payload, handed, answered = api.invoke(control.ours_event(resource))
                own_cold.append(answered - api.spawned - proxy.upstream_seconds(api.spawned, answered))
                cold_counts = proxy.counts(api.spawned, answered)
                problem = problem or check_report(kind, payload)
                if run < cold_runs - 1:
                    api.stop()
            for _ in range(warm_runs):
                resource = control.seed_one(moto.aws)
                kind, payload, handed, answered = api.invoke(control.ours_event(resource))
                own_warm.append(answered - handed - proxy.upstream_seconds(handed, answered))
                counts = proxy.counts(handed, answered)
                problem = problem or check_report(kind, payload)
    finally:
        api.close()
        proxy.close()
    return {"warm": dict(counts), "cold": dict(cold_counts), "total": sum(counts.values()),
            "minimum": len(control.minimum), "own_cold_s": summary(own_cold), "own_warm_s": summary(own_warm),
            "problem": problem}


def callgrind_total(path):
    with open(path) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    return None


def ours_callgrind(moto, control, runs, warm, exe=None, tag="release"):
    """Instructions (valgrind callgrind) of start + first remediation, and per warm remediation.

    Counters are dumped and zeroed with callgrind_control after the cold invocation and after the
    warm ones, so the warm figure holds nothing but the warm invocations."""
    cold_ir, warm_ir, parts = [], [], []
    cg_dir = OUT / "callgrind"
    cg_dir.mkdir(parents=True, exist_ok=True)
    api = RuntimeApi(control.function)
    try:
        for run in range(runs):
            out = cg_dir / f"{control.function}.{tag}.{run}"
            for old in cg_dir.glob(out.name + ".*"):
                old.unlink()
            with open(OUT / "logs" / f"{control.function}-callgrind.log", "w") as logf:
                api.start(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--dump-instr=no",
                           exe or binary(control.function)], ours_env(moto.endpoint, moto.topic_arn), stdout=logf)
                pid = api.proc.pid
                # The payloads the counts before issue 20 were taken with (bench/RESULTS.md compares them).
                api.invoke(control.callgrind_event(control.seed_one(moto.aws)), timeout=300)
                _callgrind_dump(pid, "cold")
                for _ in range(warm):
                    kind, payload, _, _ = api.invoke(control.callgrind_event(control.seed_one(moto.aws)),
                                                     timeout=300)
                    if check_report(kind, payload):
                        raise RuntimeError(f"callgrind run of {control.function}: {check_report(kind, payload)}")
                _callgrind_dump(pid, "warm")
                api.stop()
            parts = sorted(cg_dir.glob(out.name + ".*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))
            if len(parts) < 2:
                raise RuntimeError(f"callgrind dumps missing for {control.function}: {parts}")
            cold_ir.append(callgrind_total(parts[0]))
            warm_ir.append(callgrind_total(parts[1]) / warm)
    finally:
        api.close()
    return {"cold_ir": summary(cold_ir), "warm_ir": summary(warm_ir), "cold_profile": str(parts[0]),
            "warm_profile": str(parts[1])}


def ours_profile(moto, control, exe):
    """Where the instructions go, from one callgrind run of a build that keeps its symbols."""
    result = ours_callgrind(moto, control, 1, CALLGRIND_WARM, exe=exe, tag="symbols")
    return {"cold_ir": result["cold_ir"]["median"], "warm_ir": result["warm_ir"]["median"],
            "cold_inclusive": callgrind_top(result["cold_profile"], 1, inclusive=True, limit=120),
            "cold_self": callgrind_top(result["cold_profile"], 1, inclusive=False),
            "warm_inclusive": callgrind_top(result["warm_profile"], CALLGRIND_WARM, inclusive=True, limit=120),
            "warm_self": callgrind_top(result["warm_profile"], CALLGRIND_WARM, inclusive=False)}


def _callgrind_dump(pid, label):
    """Dumps and zeroes the counters of a running callgrind (vgdb wakes the process if it sleeps)."""
    before = set(os.listdir(OUT / "callgrind"))
    subprocess.run(["callgrind_control", f"--dump={label}", str(pid)], check=True, capture_output=True, timeout=120)
    deadline = time.time() + 60
    while set(os.listdir(OUT / "callgrind")) == before and time.time() < deadline:
        time.sleep(0.1)


def callgrind_top(path, per, inclusive=True, limit=40):
    """The functions with the most instructions (inclusive or self), per remediation."""
    if not inclusive:
        return callgrind_self(path, per, limit)
    try:
        text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=99", str(path)],
                              capture_output=True, text=True, timeout=300).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    rows = []
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\([\s\d.%]+\)\s+)?(?:\*\s+)?(.+)$", line)
        if not m or ":" not in m.group(2):
            continue
        ir = int(m.group(1).replace(",", ""))
        name = m.group(2).split(":", 1)[1].strip()
        name = re.sub(r"\s*\[[^\]]*\]$", "", name)
        rows.append((ir / per, name))
    return rows[:limit]


def callgrind_self(path, per, limit=40):
    """Self instructions per function, read from the callgrind file itself (callgrind_annotate 3.19
    attributes everything to __libc_start_main in a dump taken while the program runs)."""
    names, costs, current, skip_next = {}, {}, None, False
    with open(path) as f:
        for line in f:
            if skip_next:  # the inclusive cost of a call, not the caller's own
                skip_next = False
                continue
            if line.startswith("fn="):
                m = re.match(r"fn=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if m:
                    if m.group(2):
                        names[m.group(1)] = m.group(2)
                    current = m.group(1)
                continue
            if line.startswith("cfn="):
                m = re.match(r"cfn=\((\d+)\) (.*)", line.rstrip("\n"))
                if m:
                    names[m.group(1)] = m.group(2)
                continue
            if line.startswith("calls="):
                skip_next = True
                continue
            if line[:1].isdigit() or line[:1] in "+-*":
                parts = line.split()
                if len(parts) >= 2 and current is not None:
                    costs[current] = costs.get(current, 0) + int(parts[1])
    rows = sorted(((c / per, names.get(k, k)) for k, c in costs.items()), reverse=True)
    return rows[:limit]


def ours_watch_cold(moto, control, runs):
    """The same cold start through cargo lambda's own Runtime API emulator (`cargo lambda watch
    --only-lambda-apis`): spawn the binary, send the invoke, time until the HTTP answer."""
    port = C.free_port()
    watch_log = open(OUT / "logs" / f"{control.function}-watch.log", "w")
    watch = subprocess.Popen([str(PROJECT_VENV / "cargo-lambda"), "lambda", "watch", "--only-lambda-apis",
                              "-A", "127.0.0.1", "-P", str(port)], cwd=ROOT, stdout=watch_log,
                             stderr=subprocess.STDOUT)
    times, problems = [], []
    try:
        url = f"http://127.0.0.1:{port}/2015-03-31/functions/_/invocations"
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except Exception:
                if time.time() > deadline or watch.poll() is not None:
                    raise RuntimeError("cargo lambda watch --only-lambda-apis did not start")
                time.sleep(0.2)
        env = {"PATH": os.environ["PATH"], "AWS_LAMBDA_RUNTIME_API": f"http://127.0.0.1:{port}/.rt",
               "AWS_LAMBDA_FUNCTION_NAME": "_", "AWS_LAMBDA_FUNCTION_VERSION": "1",
               "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_LOG_GROUP_NAME": "bench",
               "AWS_LAMBDA_LOG_STREAM_NAME": "bench", **ours_env(moto.endpoint, moto.topic_arn)}
        for _ in range(runs):
            resource = control.seed_one(moto.aws)
            body = json.dumps(control.ours_event(resource)).encode()
            started = time.perf_counter()
            proc = subprocess.Popen([binary(control.function)], env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            answer = urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST"), timeout=120).read()
            times.append(time.perf_counter() - started)
            proc.terminate()
            proc.wait(10)
            problem = check_report("response", json.loads(answer))
            if problem:
                problems.append(problem)
    finally:
        watch.terminate()
        try:
            watch.wait(10)
        except subprocess.TimeoutExpired:
            watch.kill()
        watch_log.close()
    return {"first_answer_s": summary(times), "problems": problems}


SYMBOLS_TARGET = TARGET / "bench-symbols"


def symbols_binary(function):
    return str(SYMBOLS_TARGET / "release" / function)


def build_symbols():
    """The release build with its symbols kept (for callgrind_annotate), in its own target directory."""
    functions = [c.function for c in C.CONTROLS]
    stale = any(os.path.exists(symbols_binary(f)) and os.path.getmtime(symbols_binary(f)) < os.path.getmtime(binary(f))
                for f in functions)
    if PROFILE == "1" or (PROFILE == "auto" and stale):
        argv = ["cargo", "build", "--release"] + [a for f in functions for a in ("-p", f)]
        env = dict(os.environ, CARGO_TARGET_DIR=str(SYMBOLS_TARGET), CARGO_PROFILE_RELEASE_STRIP="false",
                   CARGO_PROFILE_RELEASE_DEBUG="line-tables-only")
        log("building with symbols for the profile (BENCH_PROFILE=1): " + " ".join(argv))
        subprocess.run(argv, cwd=ROOT, env=env, check=True)
    return all(os.path.exists(symbols_binary(f)) for f in functions)


# ---- the 128 MB profile: cold starts inside Lambda's CPU share at 128 MB --------------------------------

class CpuQuota:
    """A cgroup whose processes get Q_QUOTA_US of CPU time per Q_PERIOD_US, as Lambda gives a 128 MB function
    128/1769 of a vCPU: cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` (needs root).
    A process that has used its quota within a period waits for the next one, so times cluster at
    multiples of the period."""

    def __init__(self, name="bench-lambda-128"):
        root = pathlib.Path("/sys/fs/cgroup")
        if (root / "cgroup.controllers").exists():
            self.path = root / name
            self.path.mkdir(exist_ok=True)
            (self.path / "cpu.max").write_text(f"{Q_QUOTA_US} {Q_PERIOD_US}")
            self.kind = "cgroup v2, `cpu.max`"
        elif (root / "cpu" / "cpu.cfs_quota_us").exists():
            self.path = root / "cpu" / name
            self.path.mkdir(exist_ok=True)
            (self.path / "cpu.cfs_period_us").write_text(str(Q_PERIOD_US))
            (self.path / "cpu.cfs_quota_us").write_text(str(Q_QUOTA_US))
            self.kind = "cgroup v1, `cpu.cfs_quota_us` / `cpu.cfs_period_us`"
        else:
            raise RuntimeError("no cgroup cpu controller under /sys/fs/cgroup")
        self.procs = str(self.path / "cgroup.procs")

    def join(self):
        """preexec_fn: moves the forked child into the cgroup before it execs (async-signal-safe calls only)."""
        fd = os.open(self.procs, os.O_WRONLY)
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)

    def stat(self):
        fields = dict(line.split() for line in (self.path / "cpu.stat").read_text().splitlines() if line.strip())
        return int(fields.get("nr_throttled", 0))

    def settle(self):
        """Waits two periods, so that the next process starts with a whole period's quota (a new Lambda
        environment does); returns the throttle count to compare with after the run."""
        time.sleep(2 * Q_PERIOD_US / 1e6)
        return self.stat()

    def throttled_since(self, before):
        """Periods in which the cgroup ran out of quota since `before`."""
        return self.stat() - before

    def describe(self):
        return {"kind": self.kind, "path": str(self.path), "quota_us": Q_QUOTA_US, "period_us": Q_PERIOD_US}


def ours_cold_quota(moto, control, runs, quota):
    """ours_cold inside the quota: exec → first poll (init), exec → first answer, and the periods throttled."""
    api = RuntimeApi(control.function)
    first, init, cpu, throttled, problems = [], [], [], [], []
    want = getattr(control, "want", "remediated")
    logf = open(OUT / "logs" / f"{control.function}-q128.log", "w")
    try:
        for _ in range(runs):
            resource = control.seed_one(moto.aws)
            before = quota.settle()
            api.start([binary(control.function)], ours_env(moto.endpoint, moto.topic_arn), stdout=logf,
                      preexec_fn=quota.join)
            kind, payload, handed, answered = api.invoke(control.ours_event(resource), timeout=120)
            cpu.append(cpu_ns(api.proc.pid) / 1e9)
            first.append(answered - api.spawned)
            init.append(api.first_poll - api.spawned)
            api.stop()
            throttled.append(quota.throttled_since(before))
            problem = check_report(kind, payload, want) or (None if control.compliant(moto.aws, resource)
                                                            else f"{resource} not compliant after the run")
            if problem:
                problems.append(problem)
    finally:
        api.close()
        logf.close()
    return {"first_answer_s": summary(first), "init_s": summary(init), "cpu_s": summary(cpu),
            "throttled": summary(throttled), "problems": problems, "all_s": sorted(first)}


def ours_callgrind_cold(moto, control):
    """Instructions (callgrind) from exec to the answer of one invocation."""
    cg_dir = OUT / "callgrind"
    cg_dir.mkdir(parents=True, exist_ok=True)
    out = cg_dir / f"{control.function}.cold-only"
    for old in cg_dir.glob(out.name + ".*"):
        old.unlink()
    api = RuntimeApi(control.function)
    try:
        with open(OUT / "logs" / f"{control.function}-callgrind-cold.log", "w") as logf:
            api.start(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--dump-instr=no",
                       binary(control.function)], ours_env(moto.endpoint, moto.topic_arn), stdout=logf)
            kind, payload, _, _ = api.invoke(control.ours_event(control.seed_one(moto.aws)), timeout=300)
            _callgrind_dump(api.proc.pid, "cold")
            api.stop()
    finally:
        api.close()
    parts = sorted(cg_dir.glob(out.name + ".*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))
    outcome = [r["outcome"] for r in payload.get("results", [])] if isinstance(payload, dict) else [str(payload)[:200]]
    return {"cold_ir": callgrind_total(parts[0]) if parts else None, "outcomes": outcome}


def q128(moto):
    """Every function's cold start inside the 128 MB CPU quota, the peers' too; and every function's cold
    instructions (one callgrind run each)."""
    try:
        quota = CpuQuota()
    except (OSError, RuntimeError) as e:
        log(f"no CPU quota: {e}")
        return {"error": f"{type(e).__name__}: {e}"}
    result = {"quota": quota.describe(), "functions": {}}
    for control in C.ALL_CONTROLS:
        if ONLY and control.function not in ONLY:
            continue
        moto.reset()
        f = {}
        log(f"{control.function}: cold starts inside the 128 MB CPU quota")
        f["ours"] = ours_cold_quota(moto, control, Q_RUNS, quota)
        log(f"  {json.dumps({k: v for k, v in f['ours'].items() if k != 'all_s'})[:400]}")
        if shutil.which("valgrind") and shutil.which("callgrind_control"):
            f["callgrind"] = ours_callgrind_cold(moto, control)
            log(f"  cold instructions: {f['callgrind']}")
        if control.key:
            log(f"{control.function}: boto3 baseline inside the quota")
            f["boto3"] = baseline_cold(moto, control, Q_PEER_RUNS, quota)
            if control.c7n_resource:
                log(f"{control.function}: c7n inside the quota")
                f["c7n"] = c7n_cold(moto, control, Q_PEER_RUNS, quota)
        result["functions"][control.function] = f
    return result


# ---- peers, per remediation -----------------------------------------------------------------------

def baseline_cold(moto, control, runs, quota=None):
    work = C.temp_dir(OUT / "work", f"baseline-{control.key}")
    env = C.peer_env(moto.endpoint, work)
    walls, rss, cpu, problems, init, throttled = [], [], [], [], [], []
    traffic = moto.stats()
    for _ in range(runs):
        resource = control.seed_one(moto.aws)
        before = quota.settle() if quota else None
        spawned = time.perf_counter()
        wall, memory, code, text = run_timed([BENCH_PY, str(BENCH / "baseline.py"), "once", control.key, resource],
                                             env, preexec_fn=quota.join if quota else None)
        if quota:
            throttled.append(quota.throttled_since(before))
        walls.append(wall)
        answer = last_json(text) or {}
        if answer.get("imported_at"):
            init.append(answer["imported_at"] - spawned)
        rss.append(answer.get("hwm_kb") or memory["hwm_kb"])
        cpu.append(answer.get("cpu_seconds"))
        if code != 0 or not control.compliant(moto.aws, resource):
            problems.append(f"exit {code}, compliant {control.compliant(moto.aws, resource)}: {text[-300:]}")
    return {"first_answer_s": summary(walls), "rss_kb": summary(rss), "cpu_s": summary(cpu), "problems": problems,
            "emulator": moto.since(traffic), "init_s": summary(init), "throttled": summary(throttled),
            "all_s": sorted(walls)}


def peer_warm(moto, control, runs, worker, request_of, windows=None):
    latency, cpu, problems, errors = [], [], [], []
    spans = []
    resource = control.seed_one(moto.aws)
    worker.ask(request_of(resource))  # the first call in the process is not warm
    traffic = moto.stats()
    for _ in range(runs):
        resource = control.seed_one(moto.aws)
        started = time.perf_counter()
        answer = worker.ask(request_of(resource))
        spans.append((started, time.perf_counter()))
        if windows is not None:
            windows.append((started, time.perf_counter(), answer["seconds"]))
        latency.append(answer["seconds"])
        cpu.append(answer["cpu_seconds"])
        errors += answer.get("errors") or []
        if not control.compliant(moto.aws, resource):
            problems.append(f"{resource} not compliant after the run")
    return {"latency_s": summary(latency), "cpu_s": summary(cpu), "rss_after_warm_kb": worker.rss_kb(),
            "problems": problems, "errors": errors[:3], "emulator": moto.since(traffic),
            "path": critical_paths(moto, spans) if windows is None else None}


def baseline_warm(moto, control, runs, endpoint=None, windows=None):
    work = C.temp_dir(OUT / "work", f"baseline-{control.key}")
    worker = Worker([BENCH_PY, str(BENCH / "baseline.py"), "serve"], C.peer_env(endpoint or moto.endpoint, work),
                    stderr_path=os.path.join(work, "stderr.log"))
    try:
        return peer_warm(moto, control, runs, worker, lambda r: {"control": control.key, "id": r}, windows)
    finally:
        worker.stop()


def c7n_dir(moto, control):
    work = C.temp_dir(OUT / "work", f"c7n-{control.key}")
    with open(os.path.join(work, "config.json"), "w") as f:
        json.dump(C.c7n_lambda_config(control, os.path.join(work, "output")), f)
    return work, C.peer_env(moto.endpoint, work)


def c7n_cold(moto, control, runs, quota=None):
    work, env = c7n_dir(moto, control)
    walls, rss, cpu, problems, errors, init, throttled = [], [], [], [], [], [], []
    traffic = moto.stats()
    for i in range(runs):
        resource = control.seed_one(moto.aws)
        event_file = os.path.join(work, f"event-{i}.json")
        with open(event_file, "w") as f:
            json.dump(C.c7n_event(control, resource), f)
        before = quota.settle() if quota else None
        spawned = time.perf_counter()
        wall, memory, code, text = run_timed([BENCH_PY, str(BENCH / "c7n_worker.py"), "once", event_file], env,
                                             cwd=work, stdout_path=os.path.join(work, f"once-{i}.log"),
                                             preexec_fn=quota.join if quota else None)
        if quota:
            throttled.append(quota.throttled_since(before))
        walls.append(wall)
        answer = last_json(text) or {}
        if answer.get("imported_at"):
            init.append(answer["imported_at"] - spawned)
        rss.append(answer.get("hwm_kb") or memory["hwm_kb"])
        cpu.append(answer.get("cpu_seconds"))
        errors += answer.get("errors") or []
        if code != 0 or not control.compliant(moto.aws, resource):
            problems.append(f"{resource} not compliant after the run (exit {code})")
    return {"first_answer_s": summary(walls), "rss_kb": summary(rss), "cpu_s": summary(cpu), "problems": problems,
            "errors": errors[:3], "emulator": moto.since(traffic), "init_s": summary(init),
            "throttled": summary(throttled), "all_s": sorted(walls)}


def c7n_warm(moto, control, runs, endpoint=None, windows=None):
    work, env = c7n_dir(moto, control)
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    worker = Worker([BENCH_PY, str(BENCH / "c7n_worker.py"), "serve"], env, cwd=work,
                    stderr_path=os.path.join(work, "stderr.log"))
    try:
        return peer_warm(moto, control, runs, worker, lambda r: C.c7n_event(control, r), windows)
    finally:
        worker.stop()


def peer_proxied(moto, control, kind, runs):
    """A peer's warm remediations through the counting proxy: requests of one, and its own time."""
    proxy = CountingProxy(moto.endpoint)
    windows = []
    try:
        fn = baseline_warm if kind == "boto3" else c7n_warm
        fn(moto, control, runs, endpoint=proxy.endpoint, windows=windows)
        own = [seconds - proxy.upstream_seconds(start, end) for start, end, seconds in windows]
        start, end, _ = windows[-1]
        counts = proxy.counts(start, end)
    finally:
        proxy.close()
    return {"warm": dict(counts), "total": sum(counts.values()), "own_warm_s": summary(own)}


# ---- sweeps -------------------------------------------------------------------------------------------

def commercial_regions(moto):
    regions = [r["RegionName"] for r in moto.aws.client("ec2").describe_regions()["Regions"]]
    return sorted(r for r in regions if not r.startswith(("cn-", "us-gov-", "us-iso")))


def count_compliant(moto, control, resources):
    return sum(C.parallel(lambda r: control.compliant(moto.aws, r), resources))


def sweep_ours(moto, control, resources, regions, endpoint=None):
    api = RuntimeApi(control.function)
    extra = {"TARGET_REGIONS": ",".join(regions)} if control.key == "ebs" else {}
    try:
        with open(OUT / "logs" / f"{control.function}-sweep.log", "w") as logf:
            api.start([binary(control.function)], ours_env(endpoint or moto.endpoint, moto.topic_arn, extra),
                      stdout=logf)
            kind, payload, handed, answered = api.invoke(control.ours_sweep_event(), timeout=3600)
            total = answered - api.spawned
            rss = peak_rss_kb(api.proc.pid)
    finally:
        api.close()
    results = payload.get("results", []) if isinstance(payload, dict) else []
    outcomes = {}
    for r in results:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    error = None if kind == "response" else str(payload)[:400]
    return {"wall_s": total, "in_handler_s": answered - handed, "rss_kb": rss, "outcomes": outcomes, "error": error}


def sweep_c7n(moto, control, resources, regions, endpoint=None):
    work = C.temp_dir(OUT / "work", f"c7n-sweep-{control.key}")
    env = C.peer_env(endpoint or moto.endpoint, work)
    policy = os.path.join(work, "policy.json")
    with open(policy, "w") as f:
        json.dump(C.c7n_pull_policy(control), f)
    out_dir = os.path.join(work, "out")
    if control.key == "ebs":
        # aws.account is a global resource: `custodian run` acts in one region however many are given
        # (measured below as c7n-single). c7n-org is Custodian's multi-region runner.
        accounts = os.path.join(work, "accounts.json")
        with open(accounts, "w") as f:
            json.dump({"accounts": [{"account_id": C.ACCOUNT, "name": "bench", "profile": "default",
                                     "regions": regions}]}, f)
        argv = [str(BENCH_BIN / "c7n-org"), "run", "-c", accounts, "-s", out_dir, "-u", policy, "--cache-period", "0"]
    else:
        argv = [str(BENCH_BIN / "custodian"), "run", "--cache-period", "0", "-s", out_dir, policy]
    wall, memory, code, text = run_timed(argv, env, cwd=work, stdout_path=os.path.join(work, "run.log"))
    inner = None
    meta = pathlib.Path(out_dir) / f"bench-{control.key}" / "metadata.json"
    if meta.exists():
        inner = json.loads(meta.read_text())["execution"]["duration"]
    return {"wall_s": wall, "in_handler_s": inner, **sweep_memory(memory),
            "error": None if code == 0 else text[-400:]}


def sweep_c7n_single(moto, control, resources, regions, endpoint=None):
    """`custodian run -r r1 -r r2 ...`: what a user would try first for many regions."""
    work = C.temp_dir(OUT / "work", "c7n-sweep-single")
    env = C.peer_env(endpoint or moto.endpoint, work)
    policy = os.path.join(work, "policy.json")
    with open(policy, "w") as f:
        json.dump(C.c7n_pull_policy(control), f)
    argv = [str(BENCH_BIN / "custodian"), "run", "--cache-period", "0", "-s", os.path.join(work, "out"), policy]
    for r in regions:
        argv += ["-r", r]
    wall, memory, code, text = run_timed(argv, env, cwd=work, stdout_path=os.path.join(work, "run.log"))
    return {"wall_s": wall, "in_handler_s": None, **sweep_memory(memory),
            "error": None if code == 0 else text[-400:]}


def sweep_boto3(moto, control, resources, regions, endpoint=None):
    work = C.temp_dir(OUT / "work", f"baseline-sweep-{control.key}")
    env = C.peer_env(endpoint or moto.endpoint, work)
    args = regions if control.key == "ebs" else []
    wall, memory, code, text = run_timed([BENCH_PY, str(BENCH / "baseline.py"), "sweep", control.key, *args], env)
    answer = last_json(text) or {}
    return {"wall_s": wall, "in_handler_s": answer.get("seconds"), **sweep_memory(memory),
            "error": None if code == 0 else text[-400:]}


def sweep_memory(memory):
    """One process: its peak RSS. Several (c7n-org): their largest PSS sum, and how many there were."""
    if memory["processes"] > 1:
        return {"rss_kb": memory["tree_kb"], "processes": memory["processes"]}
    return {"rss_kb": memory["hwm_kb"], "processes": 1}


SWEEPERS = {"ours": sweep_ours, "c7n": sweep_c7n, "boto3": sweep_boto3}


def seed_sweep(moto, control, size, regions):
    moto.reset()
    if control.key == "ebs":
        return control.seed_many(moto.aws, regions)
    return control.seed_many(moto.aws, size)


def sweeps(moto, regions):
    plan = [(C.S3(), BUCKETS), (C.Snapshot(), SNAPSHOTS), (C.Ebs(), len(regions))]
    results = {}
    for control, size in plan:
        if ONLY and control.key not in ONLY:
            continue
        per = {name: [] for name in SWEEPERS}
        if control.key == "ebs":
            per["c7n-single"] = []
        for repeat in range(REPEATS):
            names = list(per)
            names = names[repeat % len(names):] + names[:repeat % len(names)]  # rotate the order per repeat
            for name in names:
                fn = sweep_c7n_single if name == "c7n-single" else SWEEPERS[name]
                if name == "c7n-single" and repeat > 0:
                    continue  # one run is enough to show what it changes
                resources = seed_sweep(moto, control, size, regions)
                log(f"sweep {control.key} x{size}: {name} (run {repeat + 1}/{REPEATS})")
                traffic = moto.stats()
                run = fn(moto, control, resources, regions)
                run["emulator"] = moto.since(traffic)
                run["fixed"] = count_compliant(moto, control, resources)
                run["size"] = len(resources)
                per[name].append(run)
                log(f"  {run['wall_s']:.2f} s, {run['fixed']}/{run['size']} compliant after"
                    + (f", error: {run['error'][:200]}" if run.get("error") else ""))
        # API calls per implementation, at a smaller size, through the counting proxy
        calls = {}
        count_size = min(COUNT_SIZE, size)
        count_regions = regions[:count_size] if control.key == "ebs" else regions
        for name in SWEEPERS:
            resources = seed_sweep(moto, control, count_size, count_regions)
            proxy = CountingProxy(moto.endpoint)
            try:
                SWEEPERS[name](moto, control, resources, count_regions, endpoint=proxy.endpoint)
                counts = proxy.counts()
            finally:
                proxy.close()
            calls[name] = {"size": len(resources), "total": sum(counts.values()), "by_operation": dict(counts)}
            log(f"  calls {control.key} {name}: {sum(counts.values())} for {len(resources)}")
        results[control.key] = {"size": size, "runs": per, "calls": calls,
                                "wall": {n: summary([r["wall_s"] for r in runs]) for n, runs in per.items()},
                                "inner": {n: summary([r["in_handler_s"] for r in runs]) for n, runs in per.items()}}
    return results


def mixed_sweeps(moto):
    """A real account's mix: MIXED_SIZE buckets (snapshots) of which MIXED_NONCOMPLIANT public. Requests are
    counted from the emulator's own log of the same runs (no proxy); `fixed` is read back."""
    results = {}
    for control in (C.S3(), C.Snapshot()):
        if ONLY and control.key not in ONLY and f"mixed-{control.key}" not in ONLY:
            continue
        per = {name: [] for name in SWEEPERS}
        for repeat in range(REPEATS):
            names = list(per)
            names = names[repeat % len(names):] + names[:repeat % len(names)]
            for name in names:
                moto.reset()
                resources = control.seed_mixed(moto.aws, MIXED_SIZE, MIXED_NONCOMPLIANT)
                log(f"mixed sweep {control.key} {MIXED_NONCOMPLIANT}/{MIXED_SIZE}: {name} (run {repeat + 1}/{REPEATS})")
                started = time.perf_counter()
                run = SWEEPERS[name](moto, control, resources, [C.REGION])
                ended = time.perf_counter()
                requests = moto.requests(started, ended)
                ops = {}
                for service, op, _, _ in requests:
                    ops[f"{service}:{op}"] = ops.get(f"{service}:{op}", 0) + 1
                run["calls"] = {"size": len(resources), "total": len(requests), "by_operation": ops}
                run["fixed"] = count_compliant(moto, control, resources)
                run["size"] = len(resources)
                run["noncompliant"] = MIXED_NONCOMPLIANT
                per[name].append(run)
                log(f"  {run['wall_s']:.2f} s, {len(requests)} requests, {run['fixed']}/{run['size']} compliant after"
                    + (f", error: {run['error'][:200]}" if run.get("error") else ""))
        results[control.key] = {"size": MIXED_SIZE, "noncompliant": MIXED_NONCOMPLIANT, "runs": per,
                                "wall": {n: summary([r["wall_s"] for r in runs]) for n, runs in per.items()},
                                "inner": {n: summary([r["in_handler_s"] for r in runs]) for n, runs in per.items()},
                                "calls": {n: runs[-1]["calls"] for n, runs in per.items() if runs}}
    return results


# ---- sizes ------------------------------------------------------------------------------------------

def zip_size(path):
    """Size of the file zipped as a Lambda deployment package (deflate, as sam and cargo lambda do)."""
    with tempfile.TemporaryDirectory() as tmp:
        z = os.path.join(tmp, "bootstrap.zip")
        with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(path, "bootstrap")
        return os.path.getsize(z)


def sizes():
    """Every function's x86_64 release binary (the one benchmarked) and its arm64 binary and zip as `make build`
    leaves them for `sam deploy` (target/lambda/<function>/bootstrap; `make bench` runs `make build` first, which
    relinks nothing when nothing changed)."""
    functions = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "Cargo.toml").exists())
    result = {"x86_64": {f: os.path.getsize(binary(f)) for f in functions if os.path.exists(binary(f))},
              "arm64": {}, "arm64_source": None, "functions": functions}
    lambda_dir = TARGET / "lambda"
    for f in functions:
        boot = lambda_dir / f / "bootstrap"
        if boot.exists():
            result["arm64"][f] = {"binary": os.path.getsize(boot), "zip": zip_size(boot)}
    if result["arm64"]:
        result["arm64_source"] = ("`make build` (cargo lambda build --release --arm64, target/lambda/<function>/bootstrap), "
                                  "zipped with deflate as sam deploy does")
    missing = [f for f in functions if f not in result["arm64"]]
    if missing:
        result["arm64_error"] = f"no target/lambda/<function>/bootstrap for {', '.join(missing)}: run `make build`"
    return result


# ---- machine ----------------------------------------------------------------------------------------

def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"

    def version(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
        except Exception:
            return "?"
    commit = version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    import boto3
    import c7n.version
    return {"nproc": os.cpu_count(), "cpu": model, "memory": mem, "kernel": platform.release(),
            "load_start": os.getloadavg(), "rustc": version(["rustc", "--version"]),
            "moto": version([str(PROJECT_VENV / "python"), "-c", "import moto; print(moto.__version__)"]),
            "c7n": c7n.version.version, "boto3": boto3.__version__, "python": platform.python_version(),
            "valgrind": version(["valgrind", "--version"]),
            "commit": commit + (" (with uncommitted changes)" if dirty else ""),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def loadavg_sampler(samples):
    """Samples the 1-minute load average every 10 s (background thread)."""
    import threading

    def loop():
        while True:
            samples.append(os.getloadavg()[0])
            time.sleep(10)
    threading.Thread(target=loop, daemon=True).start()


def function_section(moto, control, f, symbols):
    """Cold, warm, calls, callgrind and the peers of one function, into f."""
    moto.reset()
    log(f"{control.function}: cold starts")
    f["cold"] = ours_cold(moto, control, COLD_RUNS)
    log(f"{control.function}: cold starts through cargo lambda watch")
    try:
        f["watch_cold"] = ours_watch_cold(moto, control, max(3, COLD_RUNS // 3))
    except Exception as e:  # a cross-check: report, don't stop
        f["watch_cold"] = {"error": str(e)}
    log(f"{control.function}: warm")
    f["warm"] = ours_warm(moto, control, WARM_RUNS)
    f["calls"] = ours_proxied(moto, control, max(3, COLD_RUNS // 3), max(5, WARM_RUNS // 3))
    if shutil.which("valgrind") and shutil.which("callgrind_control"):
        log(f"{control.function}: callgrind")
        f["callgrind"] = ours_callgrind(moto, control, CALLGRIND_RUNS, CALLGRIND_WARM)
        if symbols and os.path.exists(symbols_binary(control.function)):
            log(f"{control.function}: callgrind profile with symbols")
            f["profile"] = ours_profile(moto, control, symbols_binary(control.function))
    else:
        log("valgrind is not installed (apt-get install valgrind): no instruction counts")
        f["callgrind"] = None
    log(f"{control.function}: boto3 baseline")
    f["boto3_cold"] = baseline_cold(moto, control, PEER_COLD_RUNS * 2)
    f["boto3_warm"] = baseline_warm(moto, control, WARM_RUNS)
    f["boto3_calls"] = peer_proxied(moto, control, "boto3", max(5, WARM_RUNS // 3))
    if control.c7n_resource:
        log(f"{control.function}: c7n")
        f["c7n_cold"] = c7n_cold(moto, control, PEER_COLD_RUNS)
        f["c7n_warm"] = c7n_warm(moto, control, max(5, WARM_RUNS // 3))
        f["c7n_calls"] = peer_proxied(moto, control, "c7n", 3)


def before_same_machine(moto):
    """Instructions of the binaries before issue 20 (BENCH_BEFORE_TARGET), counted as ours_callgrind counts
    today's: same machine, emulator and payloads."""
    result = {"target": BEFORE_TARGET, "functions": {}}
    for control in C.CONTROLS:
        exe = os.path.join(BEFORE_TARGET, "release", control.function)
        if (ONLY and control.function not in ONLY) or not os.path.exists(exe):
            continue
        moto.reset()
        log(f"{control.function}: callgrind of the binary before issue 20 ({exe})")
        r = ours_callgrind(moto, control, CALLGRIND_RUNS, CALLGRIND_WARM, exe=exe, tag="before")
        result["functions"][control.function] = {"cold_ir": r["cold_ir"], "warm_ir": r["warm_ir"]}
    return result


# ---- main -------------------------------------------------------------------------------------------

def main():
    started = time.time()
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    shutil.rmtree(OUT / "work", ignore_errors=True)
    (OUT / "work").mkdir(parents=True)
    for f in [c.function for c in (C.ALL_CONTROLS if "q128" in SECTIONS else C.CONTROLS)]:
        if ONLY and f not in ONLY:
            continue
        if not os.path.exists(binary(f)):
            sys.exit(f"{binary(f)} is missing: run `cargo build --release -p {f}` (make bench does)")
    data = {"machine": machine(), "settings": {
        "buckets": BUCKETS, "snapshots": SNAPSHOTS, "regions": REGIONS_SETTING, "repeats": REPEATS,
        "cold_runs": COLD_RUNS, "warm_runs": WARM_RUNS, "peer_cold_runs": PEER_COLD_RUNS,
        "callgrind_runs": CALLGRIND_RUNS, "callgrind_warm": CALLGRIND_WARM, "count_size": COUNT_SIZE,
        "moto_keepalive": KEEPALIVE, "mixed_size": MIXED_SIZE, "mixed_noncompliant": MIXED_NONCOMPLIANT,
        "q_runs": Q_RUNS, "q_peer_runs": Q_PEER_RUNS, "q_quota_us": Q_QUOTA_US, "q_period_us": Q_PERIOD_US}}
    load = []
    loadavg_sampler(load)
    log("machine:", json.dumps(data["machine"]))
    if "sizes" in SECTIONS:
        data["sizes"] = sizes()
        log("sizes:", json.dumps(data["sizes"])[:600])
    moto = C.Moto(str(PROJECT_VENV), str(OUT / "logs"), keepalive=KEEPALIVE)
    try:
        moto.reset()
        if KEEPALIVE:
            data["keepalive_check"] = moto.check_keepalive()
            log("emulator keep-alive:", json.dumps(data["keepalive_check"]))
        regions = commercial_regions(moto) if REGIONS_SETTING == "all" else REGIONS_SETTING.split(",")
        data["regions"] = regions
        if "functions" in SECTIONS:
            symbols = build_symbols() if PROFILE != "0" else False
            data["functions"] = {}
            for control in C.CONTROLS:
                if ONLY and control.function not in ONLY:
                    continue
                f = {"event": control.ours_event("<id>")}
                try:
                    function_section(moto, control, f, symbols)
                except Exception:  # noqa: BLE001  (report what was measured, go on with the next function)
                    import traceback
                    log(f"{control.function} failed: {traceback.format_exc()}")
                    continue
                data["functions"][control.function] = f
        if BEFORE_TARGET and "functions" in SECTIONS and shutil.which("callgrind_control"):
            data["before_same_machine"] = before_same_machine(moto)
        # A section that fails is reported, and the others still run; the results so far are kept after each.
        for name, run_section in (("q128", lambda: q128(moto)), ("sweeps", lambda: sweeps(moto, regions)),
                                  ("mixed", lambda: mixed_sweeps(moto))):
            if name not in SECTIONS:
                continue
            try:
                data[name] = run_section()
            except Exception as e:  # noqa: BLE001  (one section's bug must not lose the others' numbers)
                import traceback
                log(f"section {name} failed: {traceback.format_exc()}")
                if name != "sweeps":
                    data[name] = {"error": f"{type(e).__name__}: {e}"}
            (OUT / "results.json").write_text(json.dumps(data, indent=1, default=str))
    finally:
        moto.stop()
    data["load"] = summary(load)
    data["load_end"] = os.getloadavg()
    data["elapsed_s"] = time.time() - started
    (OUT / "results.json").write_text(json.dumps(data, indent=1, default=str))
    import report
    data["before"] = BEFORE
    RESULTS.write_text(report.render(data, TARGETS))
    (OUT / "readme-section.md").write_text(report.readme_section(data, TARGETS))
    log(f"wrote {RESULTS.relative_to(ROOT) if RESULTS.is_relative_to(ROOT) else RESULTS} and {OUT / 'results.json'}"
        f" in {data['elapsed_s'] / 60:.1f} min")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    main()

#!/usr/bin/env python3
"""End to end: every events/ file through the real function binary.

The binaries run on cargo-lambda's Lambda Runtime API emulator (`cargo lambda watch`) and are
invoked with `cargo lambda invoke --data-file`, the stand-in for `sam local invoke -e` on a machine
without Docker. AWS is moto in server mode. For each event, the function's module in this folder
seeds the resource it names (noncompliant), and after the invoke the state is read back with boto3.
Each function's module is functions/<function>/e2e.py (FUNCTION, CASES, seed, compliant; optional ENV,
and UNDO: the remediated cases whose undo is refused by design, with the reason).

The binaries run as template.yaml deploys them: with the ledger (LEDGER_TABLE, a DynamoDB table as the
template declares it) and the kill switch (MODE_PARAMETER = enforce), made again after each moto reset.
Every case that ends `remediated` is then undone with `{"undo": "<its action_id>"}`: the result must
be `undone` and the resource noncompliant again, read back with boto3.

    run.py            check every function's events, print "N passed, M failed"
    run.py --demo     the same, printing each report's before/after (make demo)
    run.py --only s3-block-public-access
"""

import argparse
import importlib
import importlib.util
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
from botocore.config import Config

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
ACCOUNT = "123456789012"
REGION = "us-east-1"
# Distinctive credentials, and the most verbose log level: neither may ever show up in a function's output.
SECRET_KEY = "e2eSecretKeyThatMustNeverBeLogged0000000"
SESSION_TOKEN = "e2eSessionTokenThatMustNeverBeLogged0000"
# Every function's e2e module, in its own crate: functions/<function>/e2e.py.
MODULES = sorted(ROOT.glob("functions/*/e2e.py"))


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_http(url, seconds, proc=None):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds}s")


class Aws:
    """boto3 clients on the emulator; S3 Control without the account-id host prefix."""

    def __init__(self, endpoint):
        self.endpoint = endpoint

    def client(self, service, region=REGION):
        config = Config(s3={"addressing_style": "path"})
        client = boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=config,
        )
        if service == "s3control":
            # The endpoint rules put the account id in front of the host, which does not resolve locally.
            def strip_account(request, **_):
                request.url = request.url.replace("//" + ACCOUNT + ".", "//", 1)
            client.meta.events.register("before-sign.s3-control.*", strip_account)
        return client


class Moto:
    """moto_server on `host` (loopback here; tests/sam_local puts it where containers reach it)."""

    def __init__(self, host="127.0.0.1"):
        self.port = free_port(host)
        self.endpoint = f"http://{host}:{self.port}"
        env = dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS="false")
        self.log = open(tempfile.gettempdir() + f"/moto-e2e-{self.port}.log", "w")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "moto_server"), "-H", host, "-p", str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        wait_http(self.endpoint + "/moto-api/", 60, self.proc)

    def reset(self):
        urllib.request.urlopen(urllib.request.Request(self.endpoint + "/moto-api/reset", method="POST"))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


class Watch:
    """`cargo lambda watch` serving one function with its environment."""

    def __init__(self, function, env):
        self.function = function
        self.port = free_port()
        args = [str(VENV_BIN / "cargo-lambda"), "lambda", "watch", "--invoke-port", str(self.port),
                "--invoke-address", "127.0.0.1", "--ignore-changes", "--quiet", "--bin", function]
        # An env file, not --env-var: --env-var splits values on commas (TARGET_REGIONS=a,b).
        self.env_file = tempfile.NamedTemporaryFile("w", suffix=".env", delete=False)
        self.env_file.write("".join(f"{key}={value}\n" for key, value in env.items()))
        self.env_file.close()
        args += ["--env-file", self.env_file.name]
        self.log_path = tempfile.gettempdir() + f"/watch-{function}-{self.port}.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, PATH=f"{VENV_BIN}:{os.environ['PATH']}"))
        # The runtime API answers 405 to a GET on the invoke path once it listens.
        wait_http(f"http://127.0.0.1:{self.port}/2015-03-31/functions/{function}/invocations", 120, self.proc)

    def invoke(self, data_file):
        args = [str(VENV_BIN / "cargo-lambda"), "lambda", "invoke", self.function, "--invoke-port", str(self.port),
                "--invoke-address", "127.0.0.1", "--data-file", str(data_file), "--output-format", "json"]
        out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900)
        text = out.stdout.strip()
        if out.returncode == 0:
            return json.loads(text), None
        # A function error: cargo lambda prints the error type and message.
        return None, (out.stdout + out.stderr).strip()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.unlink(self.env_file.name)


LEDGER_TABLE = "e2e-ledger"
MODE_PARAMETER = "/e2e/mode"


def make_rails(aws):
    """The stack's ledger table and kill switch, as template.yaml declares them."""
    aws.client("dynamodb").create_table(
        TableName=LEDGER_TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "action_id")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "action", "KeySchema": [{"AttributeName": "action_id", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
    )
    aws.client("ssm").put_parameter(Name=MODE_PARAMETER, Value="enforce", Type="String", Overwrite=True)


def undo_of(invoke, report):
    """Undo of every remediated result of `report`: [(action id, report, error)]."""
    done = []
    for r in report["results"]:
        if r["outcome"] != "remediated":
            continue
        with tempfile.NamedTemporaryFile("w", prefix="undo.", suffix=".json", delete=False) as tmp:
            json.dump({"undo": r["action_id"]}, tmp)
        try:
            undo_report, error = invoke(tmp.name)
        finally:
            os.unlink(tmp.name)
        done.append((r["action_id"], undo_report, error))
    return done


def outcome_of(report, error):
    if error is not None:
        for kind in ("RemediationFailed", "InvalidEvent"):
            if kind in error:
                return {"RemediationFailed": "failed", "InvalidEvent": "invalid"}[kind]
        return "error: " + error
    if not report["results"]:
        return "ignored" if report.get("ignored") else "no results"
    outcomes = {r["outcome"] for r in report["results"]}
    return outcomes.pop() if len(outcomes) == 1 else "mixed: " + ", ".join(sorted(outcomes))


def show(report, error):
    if error is not None:
        print(f"    error: {error.splitlines()[-1][:300]}")
        return
    if not report["results"]:
        print(f"    ignored: {report['ignored']}")
    for r in report["results"]:
        print(f"    {r['outcome']:<17} {r['resource']}  ({r['region']})")
        if r.get("before") is not None:
            print(f"      before: {json.dumps(r['before'])}")
        if r.get("after") is not None:
            print(f"      after:  {json.dumps(r['after'])}")
        if r["outcome"] not in ("remediated",):
            print(f"      detail: {r['detail']}")


def load(path):
    spec = importlib.util.spec_from_file_location(path.parent.name.replace("-", "_") + "_e2e", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_cases(module, moto, aws, invoke, demo, setup=None, check=None):
    """Every events/<function>/ file of `module`: reset the emulator, `setup(aws)`, seed, `invoke(path)`
    -> (report, error), then compare the outcome with CASES and read the state back. `check(file,
    report, error)` returns extra problems (tests/sam_local: the SNS message). Returns (passed, failed)."""
    events = ROOT / "events" / module.FUNCTION
    missing = sorted(p.name for p in events.glob("*.json") if p.name not in module.CASES)
    passed, failed = 0, []
    if missing:
        failed.append(f"{module.FUNCTION}: events without an expected outcome: {missing}")
    for file, expected in module.CASES.items():
        moto.reset()
        make_rails(aws)
        if setup is not None:
            setup(aws)
        ids = module.seed(aws, file) or {}
        text = (events / file).read_text()
        for placeholder, real in ids.items():
            text = text.replace(placeholder, real)
        # Named after the events file (<stem>.<random>.json), for the invoker's logs.
        with tempfile.NamedTemporaryFile("w", prefix=pathlib.Path(file).stem + ".", suffix=".json",
                                         delete=False) as tmp:
            tmp.write(text)
        try:
            report, error = invoke(tmp.name)
        finally:
            os.unlink(tmp.name)
        got = outcome_of(report, error)
        now_compliant = module.compliant(aws, file, ids)
        want_compliant = expected == "remediated"
        ok = got == expected and (expected == "failed" or now_compliant == want_compliant)
        problems = check(file, report, error) if check is not None else []
        mark = "ok  " if ok and not problems else "FAIL"
        print(f"  {mark} events/{module.FUNCTION}/{file}: {got} (expected {expected}), "
              f"compliant after: {now_compliant}", flush=True)
        for problem in problems:
            print(f"    {problem}", flush=True)
        if demo or not ok:
            show(report, error)
        if ok and not problems:
            passed += 1
        else:
            failed.append(f"{module.FUNCTION}/{file}: got {got}, compliant {now_compliant}; expected {expected}"
                          + "".join(f"; {p}" for p in problems))
        if not ok or got != "remediated":
            continue
        refused = getattr(module, "UNDO", {}).get(file)
        for action_id, undo_report, undo_error in undo_of(invoke, report):
            undo_got = outcome_of(undo_report, undo_error)
            back = module.compliant(aws, file, ids)
            want = "failed" if refused else "undone"
            undo_ok = undo_got == want and back == bool(refused)
            print(f"  {'ok  ' if undo_ok else 'FAIL'} undo {action_id}: {undo_got} (expected {want}"
                  f"{', refused: ' + refused if refused else ''}), compliant after: {back}", flush=True)
            if demo or not undo_ok:
                show(undo_report, undo_error)
            if undo_ok:
                passed += 1
            else:
                failed.append(f"{module.FUNCTION}/{file}: undo got {undo_got}, compliant {back}; expected {want}")
    return passed, failed


def run_module(path, moto, aws, demo):
    module = load(path)
    env = {
        "AWS_ENDPOINT_URL": moto.endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        "RUST_LOG": "trace",
        "AWS_LAMBDA_FUNCTION_NAME": module.FUNCTION,
        "LEDGER_TABLE": LEDGER_TABLE,
        "MODE_PARAMETER": MODE_PARAMETER,
        **getattr(module, "ENV", {}),
    }
    print(f"== {module.FUNCTION}: building and starting the binary on cargo lambda watch", flush=True)
    watch = Watch(module.FUNCTION, env)
    try:
        passed, failed = run_cases(module, moto, aws, watch.invoke, demo)
    finally:
        watch.stop()
    log = pathlib.Path(watch.log_path).read_text(errors="replace")
    leaked = [name for name, value in (("secret key", SECRET_KEY), ("session token", SESSION_TOKEN)) if value in log]
    if leaked:
        failed.append(f"{module.FUNCTION}: the {' and '.join(leaked)} appeared in the function's log ({watch.log_path})")
    elif "remediation report" not in log:
        failed.append(f"{module.FUNCTION}: no report line in the function's log ({watch.log_path}): is it capturing?")
    else:
        print(f"  ok   no credentials in {len(log.splitlines())} log lines at RUST_LOG=trace", flush=True)
        passed += 1
    return passed, failed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", action="store_true", help="print every report's before/after")
    parser.add_argument("--only", action="append", help="function name(s) to run")
    args = parser.parse_args()
    names = MODULES
    if args.only:
        names = [m for m in names if m.parent.name in args.only]
    moto = Moto()
    aws = Aws(moto.endpoint)
    passed, failed = 0, []
    try:
        for name in names:
            p, f = run_module(name, moto, aws, args.demo)
            passed += p
            failed += f
    finally:
        moto.stop()
    for f in failed:
        print("FAILED:", f)
    print(f"e2e: {passed} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

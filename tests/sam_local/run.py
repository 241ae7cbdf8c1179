#!/usr/bin/env python3
"""`sam local invoke`, for real: every events/<function>/*.json file through the SAM CLI's Lambda
emulator (Docker), with template.yaml's function definitions, against moto.

The seeding, expected outcomes and read-back are tests/e2e's (functions/<function>/e2e.py, run by
tests/e2e/run.py's run_cases); only the invoker differs. Steps (each says what it does):

  1. Docker: uses the daemon that answers, else installs Debian's docker.io (apt-get, as root or with
     sudo) and starts `dockerd --userland-proxy=false`, which it stops at the end. Functions of another
     architecture than the machine's (arm64 here) run under qemu-user-static through binfmt_misc.
  2. Base images: `docker pull public.ecr.aws/lambda/provided:al2023-<arch>`. Where that fails (no
     route to ECR), a stand-in is built from Debian packages (tests/sam_local/standin/Dockerfile) under
     that exact name, and the run says so. SAM CLI is run with --skip-pull-image either way.
  3. .aws-sam/local/template.json: template.yaml as loaded, with two variables declared in Globals
     that `--env-vars` can then set (it only sets variables the template declares): AWS_ENDPOINT_URL
     and AWS_LAMBDA_FUNCTION_NAME; CodeUri made absolute (the target dir may be CARGO_TARGET_DIR).
     Memory, timeout, architecture, runtime and every other variable are the template's.
  4. moto listens on the Docker bridge's gateway address, which the containers reach.
  5. For every events/ file: reset moto, create the stack's topic (with a queue subscribed) and
     exceptions parameter, seed, `sam local invoke <LogicalId> -e <file> --env-vars env.json
     --skip-pull-image`, read what it prints (it exits 0 when the function fails), read the state back,
     and check that exactly one report reached the topic when the outcome is notable.
  6. `sam local start-lambda` once, and `aws lambda invoke` against it.

    run.py                                  everything (make sam-local)
    run.py --only s3-block-public-access    one function's events (and start-lambda unless --no-start-lambda)
"""

import argparse
import atexit
import importlib.util
import json
import os
import pathlib
import platform
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the work tree

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
LOCAL = ROOT / ".aws-sam" / "local"
SAM = ROOT / ".venv" / "tools" / "sam" / "bin" / "sam"
AWS_CLI = ROOT / ".venv" / "tools" / "awscli" / "bin" / "aws"
BASE_REPO = "public.ecr.aws/lambda/provided"
STANDIN_LABEL = "auto-remediation.stand-in"
# Debian's name of each Lambda architecture, and qemu's.
DEBIAN_ARCH = {"arm64": "arm64", "x86_64": "amd64"}
QEMU_ARCH = {"arm64": "aarch64", "x86_64": "x86_64"}
MACHINE_ARCH = {"aarch64": "arm64", "arm64": "arm64", "x86_64": "x86_64", "amd64": "x86_64"}[platform.machine()]
# Outcomes the core publishes a report for (README: one SNS message per invocation with a notable result).
NOTABLE = {"remediated", "would_remediate", "needs_action", "deferred", "contested", "undone", "failed"}
STACK = "auto-remediation"
EXCEPTIONS_PARAMETER = f"/{STACK}/exceptions"
TOPIC = f"{STACK}-reports"
# The Lambda runtime interface emulator that SAM CLI runs hands every function the ARN
# arn:aws:lambda:us-east-1:012345678912:function:<name>, whatever the account. A core that takes its
# own account from that ARN sees the events' account (moto's 123456789012) as a member account's.
RIE_ACCOUNT = "012345678912"


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


E2E = load_module("e2e_run", ROOT / "tests" / "e2e" / "run.py")
CFN = load_module("cfn", ROOT / "tests" / "template" / "cfn.py")


def say(text):
    print(f"== {text}", flush=True)


def loud(lines):
    bar = "!" * 100
    print(f"\n{bar}", flush=True)
    for line in lines:
        print(f"!! {line}", flush=True)
    print(f"{bar}\n", flush=True)


def run(args, check=True, timeout=600, **kwargs):
    out = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and out.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, args))} exited {out.returncode}:\n{out.stdout}{out.stderr}")
    return out


def as_root(args):
    """The command as root: itself when we are root, else through `sudo -n` when that works."""
    if os.geteuid() == 0:
        return list(args)
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n", *args]
    return None


# ---- 1. Docker and emulation ------------------------------------------------------------------------
def apt_install(packages, why):
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    root = as_root(command)
    if root is None:
        raise SystemExit(f"{why}; run as root: apt-get install -y --no-install-recommends {' '.join(packages)}")
    say(f"{why}: apt-get install {' '.join(packages)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(root, env=env, capture_output=True).returncode != 0:
        run(as_root(["apt-get", "update", "-q"]), env=env)
        run(root, env=env)


def docker_answers():
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False


class Dockerd:
    """The Docker daemon this run started, if it had to (stopped at exit)."""

    def __init__(self):
        self.proc = None
        if docker_answers():
            say("Docker: using the daemon that answers")
            return
        if not shutil.which("dockerd") or not shutil.which("docker"):
            apt_install(["docker.io"], "no Docker engine on this machine")
        command = as_root(["dockerd", "--userland-proxy=false"])
        if command is None:
            raise SystemExit("no Docker daemon answers, and starting one needs root: sudo dockerd --userland-proxy=false")
        LOCAL.mkdir(parents=True, exist_ok=True)
        self.log_path = LOCAL / "dockerd.log"
        say(f"Docker: no daemon answers; starting {' '.join(command)} (log: {self.log_path.relative_to(ROOT)})")
        self.proc = subprocess.Popen(command, stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        atexit.register(self.stop)
        deadline = time.time() + 90
        while not docker_answers():
            if self.proc.poll() is not None or time.time() > deadline:
                raise SystemExit(f"dockerd did not come up; its log:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(1)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            say("Docker: stopping the daemon this run started")
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


def ensure_emulation(arch):
    """binfmt_misc runs binaries of `arch` under qemu-user-static; the F flag (Debian's default) opens
    the interpreter once at registration, so it works inside containers too."""
    if arch == MACHINE_ARCH:
        return
    qemu = QEMU_ARCH[arch]
    entry = pathlib.Path(f"/proc/sys/fs/binfmt_misc/qemu-{qemu}")
    if not (shutil.which(f"qemu-{qemu}-static") and shutil.which("update-binfmts")):
        apt_install(["qemu-user-static", "binfmt-support"], f"{arch} functions on a {MACHINE_ARCH} machine need qemu")
    if not pathlib.Path("/proc/sys/fs/binfmt_misc/status").exists():
        run(as_root(["mount", "-t", "binfmt_misc", "binfmt_misc", "/proc/sys/fs/binfmt_misc"]))
    if not entry.exists() or "enabled" not in entry.read_text():
        run(as_root(["update-binfmts", "--enable", f"qemu-{qemu}"]))
    flags = next((l for l in entry.read_text().splitlines() if l.startswith("flags:")), "flags:")
    say(f"{arch} functions run under qemu-{qemu}-static (binfmt_misc, {flags})")


# ---- 2. Base images -------------------------------------------------------------------------------
def image_id(name):
    out = run(["docker", "image", "inspect", "--format", "{{.Id}}", name], check=False)
    return out.stdout.strip() if out.returncode == 0 else None


def is_standin(name):
    out = run(["docker", "image", "inspect", "--format", f'{{{{index .Config.Labels "{STANDIN_LABEL}"}}}}', name],
              check=False)
    return out.returncode == 0 and out.stdout.strip() not in ("", "<no value>")


def apt_download(arch, packages, into):
    """Debian packages of another architecture, with an apt state of our own (the machine's is untouched)."""
    state = LOCAL / f"apt-{arch}"
    lists, cache = state / "lists", state / "cache"
    for d in (lists / "partial", cache / "archives" / "partial"):
        d.mkdir(parents=True, exist_ok=True)
    opts = ["-o", f"Dir::State::Lists={lists}", "-o", f"Dir::Cache={cache}", "-o", "Dir::State::status=/dev/null",
            "-o", f"APT::Architecture={DEBIAN_ARCH[arch]}", "-o", f"APT::Architectures::={DEBIAN_ARCH[arch]}"]
    if not any(lists.glob("*Packages*")):
        run(["apt-get", "-q", *opts, "update"])
    into.mkdir(parents=True, exist_ok=True)
    run(["apt-get", "-q", *opts, "download", *packages], cwd=into)
    return sorted(into.glob("*.deb"))


def build_standin(arch, name):
    context = LOCAL / f"standin-{arch}"
    debs = context / "debs"
    if not any(debs.glob("*.deb")):
        say(f"downloading Debian's {DEBIAN_ARCH[arch]} libc6, busybox-static, ca-certificates")
        apt_download(arch, ["libc6", "busybox-static", "ca-certificates"], debs)
    rootfs = context / "rootfs"
    shutil.rmtree(rootfs, ignore_errors=True)
    for deb in sorted(debs.glob("*.deb")):
        run(["dpkg-deb", "-x", str(deb), str(rootfs)])
    # ca-certificates builds its bundle in its postinst, which does not run here.
    bundle = "".join(p.read_text() for p in sorted((rootfs / "usr/share/ca-certificates").rglob("*.crt")))
    for path in ("etc/ssl/certs/ca-certificates.crt", "etc/pki/tls/certs/ca-bundle.crt"):
        (rootfs / path).parent.mkdir(parents=True, exist_ok=True)
        (rootfs / path).write_text(bundle)
    for d in ("var/task", "var/runtime", "opt", "tmp"):
        (rootfs / d).mkdir(parents=True, exist_ok=True)
    (rootfs / "tmp").chmod(0o1777)
    shutil.copy(HERE / "standin" / "Dockerfile", context / "Dockerfile")
    run(["docker", "build", "--quiet", "--platform", f"linux/{DEBIAN_ARCH[arch]}", "-t", name,
         "--file", str(context / "Dockerfile"), str(context)], timeout=900)


def ensure_base_image(arch):
    """The real image when it can be pulled, else the stand-in. Returns (name, is_standin)."""
    name = f"{BASE_REPO}:al2023-{arch}"
    say(f"docker pull {name}")
    pull = run(["docker", "pull", "--platform", f"linux/{DEBIAN_ARCH[arch]}", name], check=False, timeout=900)
    if pull.returncode == 0:
        say(f"using the real {name}")
        standin = False
    elif image_id(name) and not is_standin(name):
        say(f"could not pull {name}; using the copy pulled before")
        standin = False
    else:
        reason = (pull.stderr or pull.stdout).strip().splitlines()[-1] if (pull.stderr or pull.stdout).strip() else "?"
        loud([f"STAND-IN: {name} could not be pulled:",
              f"   {reason}",
              "A stand-in of that name is built from Debian packages (tests/sam_local/standin/Dockerfile:",
              "glibc 2.36, busybox, CA certificates) and SAM CLI runs on it with --skip-pull-image.",
              "SAM CLI's own Lambda runtime interface emulator runs the functions, as with the real image;",
              "what this run cannot show is a difference between Debian's and Amazon Linux 2023's libraries."])
        build_standin(arch, name)
        standin = True
    # SAM CLI builds <repo>:al2023-rapid-<arch> (its emulator on top of the base) once and keeps it with
    # --skip-pull-image: drop it when it was built on another base, so it is rebuilt on this one.
    rapid = f"{BASE_REPO}:al2023-rapid-{arch}"
    base = image_id(name)
    if image_id(rapid):
        history = run(["docker", "history", "-q", "--no-trunc", rapid], check=False).stdout.split()
        if base not in history:
            say(f"{rapid} was built on another base image: removing it, SAM CLI rebuilds it")
            run(["docker", "rmi", "-f", rapid], check=False)
    return name, standin


def check_emulation(name, arch):
    out = run(["docker", "run", "--rm", "--platform", f"linux/{DEBIAN_ARCH[arch]}", "--entrypoint", "/bin/sh",
               name, "-c", "uname -m"], check=False, timeout=120)
    if out.returncode != 0 or out.stdout.strip() != QEMU_ARCH[arch]:
        raise SystemExit(f"a {arch} container does not run here ({out.stdout.strip()} {out.stderr.strip()})")


# ---- 3. The template as sam local sees it -----------------------------------------------------------
def lambda_dir():
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    return (target if target.is_absolute() else ROOT / target) / "lambda"


def local_template():
    """template.yaml with AWS_ENDPOINT_URL and AWS_LAMBDA_FUNCTION_NAME declared (so --env-vars may set
    them) and absolute CodeUris. Returns (path, {function: (logical id, architecture, variables)})."""
    raw = CFN.load("template.yaml")
    globals_fn = raw["Globals"]["Function"]
    variables = globals_fn["Environment"]["Variables"]
    for name in ("AWS_ENDPOINT_URL", "AWS_LAMBDA_FUNCTION_NAME"):
        assert name not in variables, f"template.yaml now declares {name}: drop it from tests/sam_local/run.py"
        variables[name] = ""
    functions = {}
    for function, (logical, res) in CFN.Template("template.yaml").functions().items():
        props = raw["Resources"][logical]["Properties"]
        code = lambda_dir() / function
        if not (code / "bootstrap").exists():
            raise SystemExit(f"{code}/bootstrap is missing: make build (cargo lambda build --release --arm64)")
        props["CodeUri"] = f"{code}/"
        arch = (props.get("Architectures") or globals_fn.get("Architectures") or ["x86_64"])[0]
        own = res["Properties"].get("Environment", {}).get("Variables", {})
        functions[function] = (logical, arch, set(variables) | set(own))
    LOCAL.mkdir(parents=True, exist_ok=True)
    path = LOCAL / "template.json"
    path.write_text(json.dumps(raw, indent=1))
    return path, functions


# ---- 5. Invocations ---------------------------------------------------------------------------------
class Sam:
    def __init__(self, template, env_file, endpoint, declared):
        self.template = template
        self.env_file = env_file
        # SAM CLI lets its own environment override a template variable of the same name (before
        # --env-vars): a DRY_RUN or TARGET_REGIONS in the shell must not leak into the functions.
        self.env = {k: v for k, v in os.environ.items() if k not in declared and not k.startswith("AWS_")}
        self.env.update(SAM_CLI_TELEMETRY="0", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY=E2E.SECRET_KEY,
                        AWS_DEFAULT_REGION=E2E.REGION,
                        # SAM CLI asks STS for the account id; at moto it answers at once (at AWS it
                        # would wait ~10 s for DNS here before falling back to 123456789012).
                        AWS_ENDPOINT_URL_STS=endpoint)
        self.logs = LOCAL / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.durations = []
        self.rie_account_seen = False

    def invoke(self, logical, function, event_path, log_name):
        args = [str(SAM), "local", "invoke", logical, "--template", str(self.template), "--event", event_path,
                "--env-vars", str(self.env_file), "--skip-pull-image", "--region", E2E.REGION]
        start = time.time()
        out = subprocess.run(args, capture_output=True, text=True, timeout=900, env=self.env, cwd=LOCAL)
        self.durations.append(time.time() - start)
        log = self.logs / f"{function}--{log_name}.log"
        log.write_text(f"$ {' '.join(args)}\n--- stdout\n{out.stdout}\n--- stderr\n{out.stderr}")
        self.rie_account_seen |= RIE_ACCOUNT in out.stdout
        return parse_invoke_output(out, log)


def parse_invoke_output(out, log):
    """What `sam local invoke` printed: the function's result on stdout, its log on stderr. The exit
    code is 0 when the function failed ({"errorType", "errorMessage"} on stdout)."""
    if out.returncode != 0:
        return None, f"sam local invoke exited {out.returncode} (log: {log}): {out.stderr.strip()[-500:]}"
    if "END RequestId" not in out.stderr:
        return None, f"the function did not run to its end (log: {log}): {out.stderr.strip()[-500:]}"
    lines = [l for l in out.stdout.strip().splitlines() if l.strip()]
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return None, f"no JSON result on stdout (log: {log}): {out.stdout[-500:]}"
    if isinstance(result, dict) and "errorType" in result:
        return None, f"{result['errorType']}: {result.get('errorMessage', '')}"
    return result, None


def setup_stack(aws):
    """What the stack deploys beside the functions: the report topic (a queue subscribed to read it)
    and the exceptions document, empty."""
    aws.client("ssm").put_parameter(Name=EXCEPTIONS_PARAMETER, Type="String", Value="[]")
    topic = aws.client("sns").create_topic(Name=TOPIC)["TopicArn"]
    sqs = aws.client("sqs")
    queue = sqs.create_queue(QueueName=TOPIC)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)


def reports_published(aws):
    sqs = aws.client("sqs")
    queue = sqs.get_queue_url(QueueName=TOPIC)["QueueUrl"]
    outcomes = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return outcomes
        for m in messages:
            attributes = json.loads(m["Body"]).get("MessageAttributes", {})
            outcomes.append(attributes.get("outcome", {}).get("Value", "?"))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])


def notification_check(aws):
    def check(file, report, error):
        published = [o for o in reports_published(aws) if o != "exception_reminder"]
        if error is not None:
            notable = error.startswith("RemediationFailed")
        else:
            notable = any(r["outcome"] in NOTABLE for r in report["results"])
        want = 1 if notable else 0
        if len(published) != want:
            return [f"{len(published)} reports on the topic ({published}), expected {want}"]
        return []
    return check


def env_vars(endpoint, modules, functions):
    """--env-vars: the emulator settings for every function, then each function's own (its e2e ENV)."""
    env = {"Parameters": {
        "AWS_ENDPOINT_URL": endpoint,
        "NOTIFY_TOPIC_ARN": f"arn:aws:sns:{E2E.REGION}:{E2E.ACCOUNT}:{TOPIC}",
        "EXCEPTIONS_PARAMETER": EXCEPTIONS_PARAMETER,
        # The stack's ledger and kill switch, made by run_cases after each reset.
        "LEDGER_TABLE": E2E.LEDGER_TABLE,
        "MODE_PARAMETER": E2E.MODE_PARAMETER,
    }}
    for module in modules:
        logical, _, declared = functions[module.FUNCTION]
        own = {"AWS_LAMBDA_FUNCTION_NAME": module.FUNCTION, **getattr(module, "ENV", {})}
        undeclared = sorted(set(own) - declared)
        if undeclared:
            raise SystemExit(f"{module.FUNCTION}'s e2e ENV sets {undeclared}, which template.yaml does not "
                             "declare for it: sam local invoke would drop them")
        env[logical] = own
    path = LOCAL / "env.json"
    path.write_text(json.dumps(env, indent=1))
    return path


# ---- 6. start-lambda + aws lambda invoke -------------------------------------------------------------
def start_lambda(sam, module, logical, moto, aws):
    """`sam local start-lambda` (the Lambda API on localhost) and `aws lambda invoke` against it: the
    SDK-driven way. One remediating event, read back with boto3."""
    file = next(f for f, want in module.CASES.items() if want == "remediated" and f.startswith("manual"))
    port = E2E.free_port()
    args = [str(SAM), "local", "start-lambda", "--template", str(sam.template), "--env-vars", str(sam.env_file),
            "--skip-pull-image", "--region", E2E.REGION, "--host", "127.0.0.1", "--port", str(port)]
    log_path = sam.logs / "start-lambda.log"
    say(f"sam local start-lambda on 127.0.0.1:{port}, then aws lambda invoke {logical} with events/{module.FUNCTION}/{file}")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=sam.env, cwd=LOCAL,
                                start_new_session=True)
    failed = []
    try:
        E2E.wait_http(f"http://127.0.0.1:{port}/", 120, proc)
        moto.reset()
        setup_stack(aws)
        # The ledger table and the kill switch the env file names, as run_cases makes them.
        E2E.make_rails(aws)
        ids = module.seed(aws, file) or {}
        text = (ROOT / "events" / module.FUNCTION / file).read_text()
        for placeholder, real in ids.items():
            text = text.replace(placeholder, real)
        event = LOCAL / "start-lambda-event.json"
        event.write_text(text)
        result = LOCAL / "start-lambda-result.json"
        cli = [str(AWS_CLI), "lambda", "invoke", "--function-name", logical, "--endpoint-url", f"http://127.0.0.1:{port}",
               # fileb:// sends the file's bytes as they are, in AWS CLI v1 (this one) and v2.
               "--region", E2E.REGION, "--payload", f"fileb://{event}",
               str(result)]
        print(f"  $ {' '.join(cli)}", flush=True)
        env = dict(sam.env, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        env.pop("AWS_ENDPOINT_URL_STS", None)
        out = subprocess.run(cli, capture_output=True, text=True, timeout=900, env=env)
        print("  " + out.stdout.strip().replace("\n", "\n  "), flush=True)
        if out.returncode != 0:
            failed.append(f"start-lambda: aws lambda invoke exited {out.returncode}: {out.stderr.strip()[-500:]}")
        else:
            answer = json.loads(out.stdout)
            report = json.loads(result.read_text())
            got = E2E.outcome_of(None, f"{report.get('errorType')}: {report.get('errorMessage')}") \
                if answer.get("FunctionError") else E2E.outcome_of(report, None)
            compliant = module.compliant(aws, file, ids)
            ok = answer.get("StatusCode") == 200 and got == "remediated" and compliant
            print(f"  {'ok  ' if ok else 'FAIL'} start-lambda + aws lambda invoke, events/{module.FUNCTION}/{file}: "
                  f"{got}, compliant after: {compliant}", flush=True)
            if not ok:
                failed.append(f"start-lambda: {module.FUNCTION}/{file}: got {got} ({answer}), compliant {compliant}")
    except Exception as e:  # noqa: BLE001 - reported as a failure of this step, the log says more
        failed.append(f"start-lambda: {e} (log: {log_path})")
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # SAM CLI removes its containers on Ctrl-C
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    return (0 if failed else 1), failed


def bridge_gateway():
    """The host's address on Docker's default bridge (docker0), where SAM CLI's containers are."""
    bridge = json.loads(run(["docker", "network", "inspect", "bridge"]).stdout)[0]
    gateway = next((c["Gateway"] for c in bridge["IPAM"]["Config"] if c.get("Gateway")), None)
    if gateway:
        return gateway
    device = bridge["Options"].get("com.docker.network.bridge.name", "docker0")
    out = run(["ip", "-4", "-o", "addr", "show", "dev", device]).stdout.split()
    return out[out.index("inet") + 1].split("/")[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="function name(s) to run")
    parser.add_argument("--no-start-lambda", action="store_true", help="skip the start-lambda step")
    args = parser.parse_args()
    # A terminated run still stops what it started (moto, the Docker daemon).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.time()
    for tool in (SAM, AWS_CLI):
        if not tool.exists():
            raise SystemExit(f"{tool} is missing: make sam-local installs it")
    modules = [E2E.load(p) for p in E2E.MODULES if not args.only or p.parent.name in args.only]

    template, functions = local_template()
    daemon = Dockerd()
    standins = []
    try:
        for arch in sorted({functions[m.FUNCTION][1] for m in modules}):
            ensure_emulation(arch)
            name, standin = ensure_base_image(arch)
            check_emulation(name, arch)
            if standin:
                standins.append(name)
        gateway = bridge_gateway()
        moto = E2E.Moto(host=gateway)
        say(f"moto at {moto.endpoint} (the Docker bridge's gateway: the containers reach it there)")
        aws = E2E.Aws(moto.endpoint)
        env_file = env_vars(moto.endpoint, modules, functions)
        declared = set().union(*(d for _, _, d in functions.values()))
        sam = Sam(template, env_file, moto.endpoint, declared)
        passed, failed = 0, []
        try:
            for module in modules:
                logical, arch, _ = functions[module.FUNCTION]
                say(f"{module.FUNCTION}: sam local invoke {logical} ({arch}) with each events/{module.FUNCTION}/ file")

                def invoke(path, module=module, logical=logical):
                    return sam.invoke(logical, module.FUNCTION, path, pathlib.Path(path).name.split(".")[0])

                p, f = E2E.run_cases(module, moto, aws, invoke, demo=False, setup=setup_stack,
                                     check=notification_check(aws))
                passed += p
                failed += f
            if not args.no_start_lambda:
                s3 = next((m for m in modules if m.FUNCTION == "s3-block-public-access"), modules[0])
                p, f = start_lambda(sam, s3, functions[s3.FUNCTION][0], moto, aws)
                passed += p
                failed += f
        finally:
            moto.stop()
    finally:
        daemon.stop()
    for f in failed:
        print("FAILED:", f)
    if failed and sam.rie_account_seen:
        print(f"\nThe functions took their account from the emulator's function ARN (account {RIE_ACCOUNT},\n"
              "the same for every function and account): see the README, 'Local testing with sam local'.")
    n = len(sam.durations)
    if n:
        print(f"sam local invoke: {n} invocations, {sum(sam.durations):.0f} s, "
              f"{min(sam.durations):.1f}-{max(sam.durations):.1f} s each (median {sorted(sam.durations)[n // 2]:.1f} s)")
    if standins:
        print(f"base image: STAND-IN for {', '.join(standins)} (could not be pulled)")
    print(f"sam-local: {passed} passed, {len(failed)} failed, {time.time() - started:.0f} s")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

"""A minimal Lambda Runtime API emulator with exact timestamps.

`cargo lambda watch` cannot time the parts of a cold start (it sees an invoke request and its answer,
not when the function first asked for work), so the benchmark serves the Runtime API itself
(https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) and execs the release binary with
AWS_LAMBDA_RUNTIME_API pointing here. Recorded, on this process's clock (time.perf_counter):

- spawned:       just before the binary is exec'd
- first_poll:    the first GET /invocation/next arrives (the function's init is done)
- handed[id]:    the event is written to the function
- answered[id]:  POST /invocation/<id>/response (or /error) arrives

cold start to first answer = answered[first] - spawned; init = first_poll - spawned;
warm latency = answered[id] - handed[id].
"""

import http.server
import json
import os
import queue
import socketserver
import subprocess
import threading
import time
import uuid

PREFIX = "/2018-06-01/runtime"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the Lambda service does
    # One write per answer, without Nagle: http.server writes headers and body separately, and with Nagle
    # the body then waits for the peer's delayed ACK (40 ms on Linux) — the emulator's delay, not the function's.
    wbufsize = -1
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self):
        api = self.server.api
        if self.path != PREFIX + "/invocation/next":
            return self._reply(404)
        now = time.perf_counter()
        with api.lock:
            if api.first_poll is None:
                api.first_poll = now
        item = api.events.get()
        if item is None:  # shutting down
            return self._reply(500)
        request_id, body = item
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 900_000),
            "Lambda-Runtime-Invoked-Function-Arn": api.function_arn,
            "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
        }
        api.handed[request_id] = time.perf_counter()
        self._reply(200, body, headers)

    def do_POST(self):
        api = self.server.api
        now = time.perf_counter()
        body = self._body()
        parts = self.path[len(PREFIX):].strip("/").split("/")
        if parts[:1] == ["init"]:  # init/error: the function failed at cold start
            api.init_error = body.decode(errors="replace")
            self._reply(202)
            api.done_any.set()
            return
        if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            request_id = parts[1]
            api.answered[request_id] = now
            api.results[request_id] = (parts[2], body)
            self._reply(202)
            api.waiters.setdefault(request_id, threading.Event()).set()
            return
        self._reply(404)


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # a client that went away (a function stopped while it polled) is not an error here


class RuntimeApi:
    """One emulated Lambda execution environment: one function process at a time."""

    def __init__(self, function, account="123456789012", region="us-east-1"):
        self.function = function
        self.function_arn = f"arn:aws:lambda:{region}:{account}:function:{function}"
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.api = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.proc = None
        self._reset_state()

    def _reset_state(self):
        self.lock = threading.Lock()
        self.events = queue.Queue()
        self.first_poll = None
        self.spawned = None
        self.init_error = None
        self.handed, self.answered, self.results, self.waiters = {}, {}, {}, {}
        self.done_any = threading.Event()

    def lambda_env(self, memory_mb=128):
        return {
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{self.port}",
            "AWS_LAMBDA_FUNCTION_NAME": self.function,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.function}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        }

    def start(self, argv, env, stdout=subprocess.DEVNULL, preexec_fn=None):
        """Execs the function (argv) with the Lambda environment; returns the Popen. `preexec_fn` runs in
        the child before the exec (bench/run.py: join the CPU-quota cgroup)."""
        self._reset_state()
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **self.lambda_env(), **env}
        self.spawned = time.perf_counter()
        self.proc = subprocess.Popen(argv, env=full_env, stdout=stdout, stderr=subprocess.STDOUT,
                                     preexec_fn=preexec_fn)
        return self.proc

    def invoke(self, event, timeout=600):
        """Queues one event and waits for its answer: (kind, body_json_or_text, handed, answered)."""
        request_id = str(uuid.uuid4())
        waiter = self.waiters.setdefault(request_id, threading.Event())
        self.events.put((request_id, json.dumps(event).encode()))
        deadline = time.time() + timeout
        while not waiter.wait(0.05):
            if self.init_error is not None:
                raise RuntimeError(f"{self.function}: init error: {self.init_error}")
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.function}: process exited with {self.proc.returncode}")
            if time.time() > deadline:
                raise TimeoutError(f"{self.function}: no answer within {timeout}s")
        kind, body = self.results[request_id]
        try:
            payload = json.loads(body)
        except ValueError:
            payload = body.decode(errors="replace")
        return kind, payload, self.handed[request_id], self.answered[request_id]

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self.events.put(None)  # release a poll that is still waiting

    def close(self):
        self.stop()
        self.server.shutdown()
        self.server.server_close()


def peak_rss_kb(pid):
    """VmHWM: the peak resident set of a live process, in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def cpu_ns(pid):
    """CPU time (user + system) of every live thread of a process, in ns (/proc/<pid>/task/*/schedstat)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total

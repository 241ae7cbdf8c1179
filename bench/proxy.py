"""A counting proxy in front of the emulator: every AWS request, by service and operation.

Used only for the call-count runs (the timed runs talk to the emulator directly, so the proxy's own
latency is never in a timing). It also records how long each request waited for the emulator, which
splits a remediation's latency into the emulator's part and the client's own part.

The operation is read from what the request carries: X-Amz-Target (JSON protocols: KMS), Action=
(query protocols: EC2, SNS, STS, IAM), or the REST method, path and sub-resource (S3, S3 Control).
"""

import collections
import http.client
import http.server
import socketserver
import threading
import time
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "content-length"}

S3_SUBRESOURCES = ["location", "tagging", "publicAccessBlock", "policy", "policyStatus", "acl",
                   "replication", "versioning", "website", "logging", "notification", "lifecycle",
                   "encryption", "ownershipControls", "object-lock", "accelerate", "requestPayment",
                   "cors", "intelligent-tiering", "analytics", "metrics", "inventory"]


def operation(method, path, headers, body):
    """(service, operation) of one AWS request."""
    auth = headers.get("Authorization", "")
    service = "?"
    if "Credential=" in auth:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(scope) >= 4:
            service = scope[3]
    target = headers.get("X-Amz-Target")
    if target:
        return service, target.split(".")[-1]
    url = urllib.parse.urlsplit(path)
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    if "Action" in query:
        return service, query["Action"][0]
    if body and headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
        form = urllib.parse.parse_qs(body.decode(errors="replace"))
        if "Action" in form:
            return service, form["Action"][0]
    if url.path.startswith("/v20180820/"):
        what = url.path.rstrip("/").split("/")[-1]
        verb = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}.get(method, method)
        return "s3control", f"{verb}{what[0].upper()}{what[1:]}"
    if service == "s3":
        segments = [s for s in url.path.split("/") if s]
        verb = {"GET": "Get", "PUT": "Put", "DELETE": "Delete", "HEAD": "Head", "POST": "Post"}.get(method, method)
        if not segments:
            return "s3", "ListBuckets" if method == "GET" else f"{verb}Service"
        sub = next((s for s in S3_SUBRESOURCES if s in query), None)
        if len(segments) == 1:
            if sub:
                return "s3", f"{verb}Bucket{sub[0].upper()}{sub[1:]}"
            return "s3", {"PUT": "CreateBucket", "DELETE": "DeleteBucket", "HEAD": "HeadBucket",
                          "GET": "ListObjects"}.get(method, f"{verb}Bucket")
        return "s3", f"{verb}Object"
    return service, f"{method} {url.path}"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # headers and body in one write, without Nagle (see runtime_api.py)
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def handle(self):
        # The emulator's time as the client sees it starts here (reading the request) and ends when the
        # answer is flushed: the proxy's own parsing and writing count as emulator time, not the client's.
        self.started = time.perf_counter()
        with self.server.proxy.lock:
            self.server.proxy.inflight += 1
        try:
            super().handle()
        finally:
            with self.server.proxy.lock:
                self.server.proxy.inflight -= 1

    def _forward(self):
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        service, op = operation(self.command, self.path, self.headers, body)
        conn = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["Content-Length"] = str(len(body))
        conn.request(self.command, self.path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        # One request per connection, on purpose: handle() stamps the start of a request's emulator time once
        # per connection. The emulator itself keeps connections alive (bench/moto_keepalive.py), so through the
        # proxy a client opens a connection per request that it does not open without it: the "own part"
        # measured here includes that setup (RESULTS.md says so).
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        # Stamped before the flush (one send of the buffered answer): stamped after it, a thread that waits
        # for the GIL would count the client's own time as the emulator's.
        ended = time.perf_counter()
        self.wfile.flush()
        with proxy.lock:
            proxy.calls.append((service, op, self.started, ended))

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # a client that went away (a function stopped while it polled) is not an error here
    request_queue_size = 128


class CountingProxy:
    def __init__(self, upstream):
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream_host, self.upstream_port = parsed.hostname, parsed.port
        self.lock = threading.Lock()
        self.calls = []
        self.inflight = 0
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.proxy = self
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def clear(self):
        with self.lock:
            self.calls = []

    def settle(self, timeout=5.0):
        """Waits until every request has been recorded: a client can act on an answer before the
        proxy's thread has logged it."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if self.inflight == 0:
                    return
            time.sleep(0.001)

    def counts(self, start=None, end=None):
        self.settle()
        with self.lock:
            return collections.Counter(f"{c[0]}:{c[1]}" for c in self.calls
                                       if start is None or start <= c[2] <= end)

    def upstream_seconds(self, start, end):
        """Time spent waiting for the emulator by requests that arrived within [start, end] (perf_counter):
        the length of the union of their intervals, so that requests in flight together count once."""
        self.settle()
        with self.lock:
            spans = sorted((c[2], c[3]) for c in self.calls if start <= c[2] <= end)
        total, edge = 0.0, None
        for a, b in spans:
            if edge is None or a > edge:
                total += b - a
                edge = b
            elif b > edge:
                total += b - edge
                edge = b
        return total

    def total(self):
        with self.lock:
            return len(self.calls)

    def close(self):
        self.server.shutdown()
        self.server.server_close()

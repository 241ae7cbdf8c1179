"""moto's server with HTTP/1.1 keep-alive: the benchmark's emulator.

`moto_server` runs moto's WSGI app on werkzeug's development server, whose request handler
(werkzeug 3.1 `WSGIRequestHandler.run_wsgi`) sends `Connection: close` with every answer and then
drains the socket for 10 ms, so every request of every client opens a TCP connection of its own.
AWS keeps connections alive, and so do the SDKs within a warm Lambda container (hyper in
aws-sdk-rust, urllib3 in boto3): measured against `moto_server`, connection setup and teardown are
in every implementation's CPU and latency, in a way production does not have them.

This is `moto_server` (it calls `moto.server.main` itself: same arguments, same environment, same
`DomainDispatcherApplication(create_backend_app)`, same signal handling, werkzeug's `run_simple`
with `threaded=True`) with one difference, the request handler: a subclass of moto's
`MotoRequestHandler` (whose `make_environ` is kept as it is) that answers in HTTP/1.1 and keeps
the connection open:

- the request body is read in full (Content-Length, or chunked) before the app runs, so whatever
  the app leaves unread cannot be taken for the next request;
- the answer is buffered and sent with a Content-Length (moto's answers are in memory anyway) in
  one write, with TCP_NODELAY (headers and body in two writes would wait for the client's delayed
  ACK on a kept-alive connection);
- `Connection: close` only when the client asks for it (or speaks HTTP/1.0 without keep-alive),
  or when an answer's own Content-Length does not match its body: then the connection is closed
  after it, as moto_server would.

    python moto_keepalive.py -H 127.0.0.1 -p PORT      (moto_server's arguments)

`GET /moto-keepalive/stats` answers this launcher's counters, {"connections": TCP connections
accepted, "requests": requests answered}: the benchmark reads them to show that connections are
reused. `GET /moto-keepalive/requests?since=T` answers the requests that arrived after T
(time.perf_counter, which is CLOCK_MONOTONIC on Linux: the benchmark's own clock too), each as
[service, operation, arrived, answered]: the benchmark counts operations and the round trips on a
remediation's critical path from them, without a proxy in the way. Any other path goes to moto
unchanged.

Two answers of AWS that moto 5.2.5 does not give are taught here (`--aws-answers`, the benchmark's
default; bench/RESULTS.md says so):

- `ListBuckets` with a parameter (`max-buckets`, `prefix`, `bucket-region`, `continuation-token`)
  answers each bucket's `BucketRegion`, as AWS does since 2024;
- `DescribeSnapshots` honours `OwnerIds` and `RestorableByUserIds` (moto ignores both).
"""

import io
import json
import socket
import struct
import sys
import threading
import time
import urllib.parse

import moto.server
from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.exceptions import InternalServerError

from proxy import operation

STATS_PATH = "/moto-keepalive/stats"
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux
REQUESTS_PATH = "/moto-keepalive/requests"


class Stats:
    lock = threading.Lock()
    connections = 0
    requests = 0
    log = []  # (service, operation, arrived, answered), perf_counter


def teach_aws_answers():
    """The two AWS behaviours above, patched into moto's own response classes."""
    from moto.core.responses import ActionResult
    from moto.ec2.responses.elastic_block_store import ElasticBlockStore
    from moto.s3.responses import S3Response

    all_buckets = S3Response.all_buckets

    def all_buckets_with_region(self):
        status, headers, body = all_buckets(self)
        if not any(self._get_param(p) for p in ("max-buckets", "prefix", "bucket-region", "continuation-token")):
            return status, headers, body
        regions = {b.name: b.region_name for b in self.backend.buckets.values()}
        text = body.decode() if isinstance(body, bytes) else body

        def add_region(match):
            name = match.group(1)
            return f"<Name>{name}</Name><BucketRegion>{regions.get(name, 'us-east-1')}</BucketRegion>"
        import re
        text = re.sub(r"<Name>([^<]*)</Name>", add_region, text)
        return status, headers, text.encode() if isinstance(body, bytes) else text

    S3Response.all_buckets = all_buckets_with_region

    def describe_snapshots(self):
        filters = self._filters_from_querystring()
        snapshot_ids = self._get_param("SnapshotIds", [])
        snapshots = self.ec2_backend.describe_snapshots(snapshot_ids=snapshot_ids, filters=filters)
        owners = set(self._get_param("OwnerIds", []))
        if owners:
            owners = {self.current_account if o == "self" else o for o in owners}
            snapshots = [s for s in snapshots if s.owner_id in owners]
        restorable = set(self._get_param("RestorableByUserIds", []))
        if restorable:
            snapshots = [s for s in snapshots
                         if ("all" in restorable and "all" in s.create_volume_permission_groups)
                         or restorable & s.create_volume_permission_userids]
        return ActionResult({"Snapshots": snapshots})

    ElasticBlockStore.describe_snapshots = describe_snapshots


class KeepAliveMotoRequestHandler(MotoRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # buffered: status line, headers and body leave in one write (flushed per answer)
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        with Stats.lock:
            Stats.connections += 1
        try:  # the kernel stamps each request's arrival, whatever this thread is waiting for (the GIL)
            self.connection.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        except OSError:
            pass

    def handle_one_request(self):
        self.arrived = self._kernel_arrival()
        super().handle_one_request()

    def _kernel_arrival(self):
        """When the next request's first bytes reached the socket (perf_counter), from the kernel's receive
        timestamp: moto's threads share the GIL, so a thread may start on a request well after it came in,
        and requests sent at once would look one after the other. None without the timestamp."""
        try:
            _, ancillary, _, _ = self.connection.recvmsg(1, socket.CMSG_SPACE(16), socket.MSG_PEEK)
        except (OSError, ValueError):
            return None
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
                sec, nsec = struct.unpack("qq", payload[:16])
                return sec + nsec / 1e9 - (time.time() - time.perf_counter())
        return None

    def run_wsgi(self):
        arrived = getattr(self, "arrived", None) or time.perf_counter()
        with Stats.lock:
            Stats.requests += 1
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()
        if self.path == STATS_PATH:
            with Stats.lock:
                body = json.dumps({"connections": Stats.connections, "requests": Stats.requests}).encode()
            return self._answer("200 OK", [("Content-Type", "application/json")], body)
        if self.path.startswith(REQUESTS_PATH):
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            since = float(query.get("since", ["0"])[0])
            with Stats.lock:
                Stats.log = [r for r in Stats.log if r[2] >= since - 600]  # what nobody will ask for again
                body = json.dumps([r for r in Stats.log if r[2] >= since]).encode()
            return self._answer("200 OK", [("Content-Type", "application/json")], body)

        self.environ = environ = self.make_environ()
        if not self._read_body(environ):
            return
        body_in = environ["wsgi.input"].getvalue()
        status, headers, body = self._call_app(environ)
        # Stamped before the answer leaves: a request the client sends after reading it arrives later, so
        # requests one after another never look as if they overlapped.
        answered = time.perf_counter()
        self._answer(status, headers, body)
        service, op = operation(self.command, self.path, self.headers, body_in)
        with Stats.lock:
            Stats.log.append((service, op, arrived, answered))

    def _read_body(self, environ):
        """Replaces wsgi.input with the whole request body; False when the request cannot be read."""
        if environ.get("wsgi.input_terminated"):  # chunked: werkzeug's DechunkedInput reads to the last chunk
            try:
                data = environ["wsgi.input"].read()
            except OSError:
                self.close_connection = True
                self.send_error(400, "Bad chunked request body")
                return False
        else:
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self.close_connection = True
                self.send_error(400, "Bad Content-Length")
                return False
            data = self.rfile.read(length) if length else b""
            if len(data) < length:  # the client went away
                self.close_connection = True
                return False
        environ["wsgi.input"] = io.BytesIO(data)
        return True

    def _call_app(self, environ):
        """(status, headers, body) of the app's answer, as werkzeug's run_wsgi gets it (500 on an error)."""
        answer = {}

        def start_response(status, headers, exc_info=None):
            if exc_info is None and answer:
                raise AssertionError("Headers already set")
            answer["status"], answer["headers"] = status, headers
            return chunks.append

        for app in (self.server.app, InternalServerError()):
            chunks = []
            answer.clear()
            try:
                app_iter = app(environ, start_response)
                try:
                    for data in app_iter:
                        chunks.append(data)
                finally:
                    if hasattr(app_iter, "close"):
                        app_iter.close()
                return answer["status"], answer["headers"], b"".join(chunks)
            except Exception as e:
                if self.server.passthrough_errors or app is not self.server.app:
                    raise
                from werkzeug.debug.tbtools import DebugTraceback
                self.server.log("error", f"Error on request:\n{DebugTraceback(e).render_traceback_text()}")

    def _answer(self, status, headers, body):
        code_str, _, msg = status.partition(" ")
        code = int(code_str)
        no_body = self.command == "HEAD" or 100 <= code < 200 or code in (204, 304)
        self.send_response(code, msg)
        length = None
        for key, value in headers:
            if key.lower() == "connection":
                continue
            if key.lower() == "content-length":
                length = value
            self.send_header(key, value)
        if length is None and not no_body:
            self.send_header("Content-Length", str(len(body)))
        elif length is not None and not no_body and length.strip() != str(len(body)):
            self.close_connection = True  # the client cannot tell where this answer ends: as moto_server, close
        if self.close_connection:
            self.send_header("Connection", "close")
        elif self.request_version == "HTTP/1.0":
            self.send_header("Connection", "keep-alive")
        self.end_headers()
        if body and not no_body:
            self.wfile.write(body)
        self.wfile.flush()


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--aws-answers" in argv:
        argv.remove("--aws-answers")
        teach_aws_answers()
    moto.server.MotoRequestHandler = KeepAliveMotoRequestHandler  # what moto.server.main hands to run_simple
    moto.server.main(argv)


if __name__ == "__main__":
    main()

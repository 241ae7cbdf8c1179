"""Cloud Custodian as it runs in Lambda: c7n.handler.dispatch_event with a cloudtrail-mode policy.

The policy file is c7n's own Lambda `config.json` (written by bench/run.py into the working directory).

    c7n_worker.py once <event.json>   cold: a fresh interpreter imports c7n.handler and handles one event
    c7n_worker.py serve               warm: CloudTrail events as JSON lines on stdin, one answer line each:
                                      {"seconds", "cpu_seconds"}
"""

import json
import logging
import sys
import time
import types

T0 = time.perf_counter()
from c7n import handler  # noqa: E402  (timed: the import is part of a cold start)
IMPORTED = time.perf_counter()  # CLOCK_MONOTONIC: the driver's clock too (init = imports done - spawn)

CONTEXT = types.SimpleNamespace(
    aws_request_id="00000000-0000-0000-0000-000000000000",
    function_name="custodian-bench",
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:custodian-bench",
    memory_limit_in_mb=128,
    get_remaining_time_in_millis=lambda: 900_000,
)


def handle(event):
    # dispatch_event swallows policy errors into the log (as it does in Lambda): surface them.
    errors = []

    class Catch(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.ERROR:
                errors.append(record.getMessage() + (f" {record.exc_info[1]!r}" if record.exc_info else ""))

    catcher = Catch()
    logging.getLogger().addHandler(catcher)
    try:
        handler.dispatch_event(event, CONTEXT)
    finally:
        logging.getLogger().removeHandler(catcher)
    return errors


def peak_rss_kb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


def main():
    logging.basicConfig(stream=sys.stderr, level=logging.INFO)
    mode = sys.argv[1]
    if mode == "once":
        with open(sys.argv[2]) as f:
            event = json.load(f)
        errors = handle(event)
        print(json.dumps({"seconds_since_interpreter_code": time.perf_counter() - T0, "imported_at": IMPORTED, "errors": errors,
                          "cpu_seconds": time.process_time(), "hwm_kb": peak_rss_kb()}))
    elif mode == "serve":
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            event = json.loads(line)
            wall, cpu = time.perf_counter(), time.process_time()
            errors = handle(event)
            print(json.dumps({"seconds": time.perf_counter() - wall, "cpu_seconds": time.process_time() - cpu,
                              "errors": errors}), flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Prints each built function's bootstrap size and the size of the zip that `sam deploy` uploads
(target/lambda/<function>/, what make build writes and template.yaml's CodeUri names)."""
import io
import pathlib
import sys
import zipfile

build = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/lambda")
rows = []
for bootstrap in sorted(build.glob("*/bootstrap")):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.write(bootstrap, "bootstrap")
    rows.append((bootstrap.parent.name, bootstrap.stat().st_size, len(buf.getvalue())))
if not rows:
    sys.exit(f"no */bootstrap under {build}: did make build run?")
print(f"{'function':<36} {'bootstrap':>12} {'zip':>12}")
for name, raw, zipped in rows:
    print(f"{name:<36} {raw / 1e6:>10.2f}MB {zipped / 1e6:>10.2f}MB")

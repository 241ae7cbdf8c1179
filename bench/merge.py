#!/usr/bin/env python3
"""Merges the results.json of several bench/run.py runs of the same commit (each run with its own
BENCH_SECTIONS / BENCH_ONLY) into one, and writes RESULTS.md and the README section from it.

On a machine shared with others' builds the whole `make bench` may not fit in a quiet window: the
sections can run one at a time, when they can. Every ratio still compares figures of one run (a
function's section measures ours and its peers together; a sweep measures all three implementations
together).

    bench/.venv/bin/python bench/merge.py part1.json part2.json ...
"""

import json
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import report  # noqa: E402
from run import BEFORE, OUT, RESULTS, TARGETS  # noqa: E402


def merge(parts):
    data = {"parts": []}
    for p in parts:
        d = json.loads(pathlib.Path(p).read_text())
        data["parts"].append({"file": os.path.basename(p), "date": d["machine"]["date"], "load": d.get("load"),
                              "sections": sorted(k for k in ("functions", "q128", "sweeps", "mixed", "sizes") if k in d)})
        data.setdefault("machine", d["machine"])
        data.setdefault("settings", {}).update(d["settings"])
        data.setdefault("regions", d.get("regions"))
        for key in ("functions", "sweeps", "mixed"):
            if key in d:
                data.setdefault(key, {}).update(d[key])
        if "q128" in d:
            q = data.setdefault("q128", {"functions": {}})
            if d["q128"].get("error"):
                q.setdefault("error", d["q128"]["error"])
            else:
                q["quota"] = d["q128"]["quota"]
                q["functions"].update(d["q128"]["functions"])
        if "sizes" in d:
            data["sizes"] = d["sizes"]
        if "keepalive_check" in d:
            data["keepalive_check"] = d["keepalive_check"]
        data["elapsed_s"] = data.get("elapsed_s", 0) + d["elapsed_s"]
    loads = [p["load"] for p in data["parts"] if p.get("load")]
    if loads:
        data["load"] = {"n": sum(x["n"] for x in loads), "median": sorted(x["median"] for x in loads)[len(loads) // 2],
                        "min": min(x["min"] for x in loads), "max": max(x["max"] for x in loads)}
    data["machine"]["date"] = ", ".join(p["date"] for p in data["parts"])
    data["before"] = BEFORE
    return data


if __name__ == "__main__":
    data = merge(sys.argv[1:])
    (OUT / "results.json").write_text(json.dumps(data, indent=1, default=str))
    RESULTS.write_text(report.render(data, TARGETS))
    (OUT / "readme-section.md").write_text(report.readme_section(data, TARGETS))
    print(f"wrote {RESULTS} from {len(sys.argv) - 1} runs")

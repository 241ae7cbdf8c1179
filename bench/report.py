"""bench/RESULTS.md from the raw results (target/bench/results.json)."""

import json
import re
import sys

from run import fmt, ratio, summary  # noqa: F401  (summary used by callers)

FUNCTIONS = ["s3-block-public-access", "kms-cancel-key-deletion", "ebs-snapshot-revoke-public",
             "ebs-default-encryption"]
KEYS = {"s3-block-public-access": "s3", "kms-cancel-key-deletion": "kms", "ebs-snapshot-revoke-public": "snapshot",
        "ebs-default-encryption": "ebs"}
MB = 1 / (1024 * 1024)


def ms(s, spread="minmax"):
    return fmt(s, " ms", 1000, spread=spread)


def mib_kb(s):
    return fmt(s, " MiB", 1 / 1024, digits=1)


def loaded(d):
    """Busier than the benchmark alone makes it: its own emulator, driver and implementation under test keep
    the 1-minute load average near 2 on a quiet 2-CPU machine."""
    return ((d.get("load") or {}).get("median", 0)) > 1.5 * (d["machine"]["nproc"] or 1)


def mib(n):
    return f"{n * MB:.2f} MiB" if n is not None else "–"


def calls(c):
    if not c:
        return "–"
    ops = ", ".join(f"{k.split(':', 1)[1]}{' ×' + str(v) if v > 1 else ''}" for k, v in c["warm"].items())
    return f"{c['total']} ({ops})"


def state(r, n):
    if not r:
        return "–"
    bad = len(r.get("problems") or [])
    return f"{n - bad}/{n} fixed" if bad == 0 else f"**{n - bad}/{n} fixed**"


def short(name, limit=110):
    """A demangled Rust path, without generic arguments and hashes, shortened."""
    m = re.match(r"<([\w:]+) as ([\w:]+)(?:<[^>]*>)?>(::.*)$", name)
    if m:  # <crate::Type as crate::Trait>::method → <Type as Trait>::method
        name = f"<{m.group(1).split('::')[-1]} as {m.group(2).split('::')[-1]}>{m.group(3)}"
        head, rest = name.split(">", 1)
        return head + ">" + short(rest, limit)
    out, depth = [], 0
    for ch in name:
        if ch == "<":
            depth += 1
            if depth == 1:
                out.append("<…>")
            continue
        if ch == ">":
            depth = max(0, depth - 1)
            continue
        if depth == 0:
            out.append(ch)
    text = "".join(out).replace("`", "'")
    return text if len(text) <= limit else "…" + text[-limit:]


def interesting(name):
    """Leaves out the frames every path goes through (main, closures, futures' poll, the runtime)."""
    generic = ("0x", "(below main)", "__libc_start", "main", "std::", "core::", "<…>::poll", "tokio::runtime",
               "lambda_runtime::runtime", "start_thread", "clone", "<std::")
    if "remediation_core::control::Control>::" in name or "notify::publish" in name:
        return True  # the control's steps (locate, describe, read, fix) and the report's publish
    short_name = short(name, 1000)
    return not (short_name.startswith(generic) or short_name.endswith("{{closure}}") or "::main" in short_name)


def met(ok):
    return "**met**" if ok else "**missed**"


MALLOC = {"malloc", "_int_malloc", "free", "_int_free", "realloc", "_int_realloc", "malloc_consolidate",
          "unlink_chunk.constprop.0", "calloc", "cfree", "_int_memalign", "__rustc::__rust_alloc",
          "__rustc::__rust_dealloc", "__rustc::__rust_realloc", "tcache_get", "tcache_put"}
GLIBC_ONLY = {"_int_malloc", "_int_free", "_int_realloc", "malloc_consolidate", "unlink_chunk.constprop.0",
              "tcache_get", "tcache_put", "cfree", "_int_memalign"}


def is_mimalloc(name):
    return name.startswith(("mi_", "_mi_", "mimalloc")) or "mimalloc" in name


def allocation(prof, phase="warm"):
    """(allocator, self instructions in allocation functions) of a profile, per remediation: which allocator
    shows in the profile (glibc's internals, or mimalloc's mi_* functions) and what its functions cost."""
    rows = prof.get(f"{phase}_self", [])
    mi = sum(ir for ir, n in rows if is_mimalloc(n))
    glibc = sum(ir for ir, n in rows if n in GLIBC_ONLY)
    total = sum(ir for ir, n in rows if n in MALLOC or is_mimalloc(n))
    name = "mimalloc" if mi > glibc else "glibc malloc" if glibc else "the allocator"
    return name, total


def incl(p, phase, needle):
    """Largest inclusive count of a function whose name contains needle (per remediation)."""
    return max((ir for ir, name in p.get(f"{phase}_inclusive", []) if needle in name), default=0)


def span(values, digits=0):
    """'a–b' (or 'a' when they are equal) of a list of numbers."""
    lo, hi = min(values), max(values)
    return f"{lo:.{digits}f}" if f"{lo:.{digits}f}" == f"{hi:.{digits}f}" else f"{lo:.{digits}f}–{hi:.{digits}f}"


def warm_runs(s, who):
    """How many warm remediations each implementation made (bench/run.py: c7n makes a third)."""
    return max(5, s["warm_runs"] // 3) if who == "c7n" else s["warm_runs"]


def new_connections(result, runs):
    """TCP connections the emulator accepted per remediation during a measurement (None without counters)."""
    e = (result or {}).get("emulator")
    if not e or not runs:
        return None
    return e["connections"] / runs


def pct(part, whole):
    return f"{100 * part / whole:.0f}%" if whole else "–"


def analysis(d, targets, present):
    """Why each missed target is missed: every sentence from the measurements and the callgrind profile, or
    conditional on them."""
    fns, sweeps, s = d.get("functions", {}), d.get("sweeps", {}), d["settings"]
    keepalive = s.get("moto_keepalive", False)
    out = ["## Why, and what would fix it", ""]
    w = out.append
    if not fns:
        return ""
    prof = (fns.get("s3-block-public-access") or {}).get("profile")
    totals = [fns[f]["calls"]["total"] for f in present]
    # ---- warm CPU ----
    cpus = [fns[f]["warm"]["cpu_s"]["median"] * 1000 for f in present]
    if max(cpus) >= targets["warm_cpu_ms"]:
        conns = {f: new_connections(fns[f]["warm"], s["warm_runs"]) for f in present}
        show_conns = any(v is not None for v in conns.values())
        show_threads = any(fns[f]["warm"].get("threads") for f in present)
        w(f"**Warm CPU ({min(cpus):.1f}–{max(cpus):.1f} ms per remediation, target {targets['warm_cpu_ms']} ms).** "
          "CPU milliseconds on this shared machine move between runs (other tenants contend for cores and caches); "
          "the instruction counts do not. A warm remediation makes "
          f"{span(totals)} AWS requests (SNS publish included):")
        w("")
        head = "| function | requests | M instructions | K instructions per request | CPU, ms | of which system |"
        w(head + (" new TCP connections per remediation |" if show_conns else "")
          + (" threads |" if show_threads else ""))
        w("|---|---|---|---|---|---|" + ("---|" if show_conns else "") + ("---|" if show_threads else ""))
        for f in present:
            x = fns[f]
            cg = x.get("callgrind") or {}
            ir = (cg.get("warm_ir") or {}).get("median")
            n = x["calls"]["total"]
            u, sy = x["warm"].get("user_s_mean"), x["warm"].get("system_s_mean")
            share = f"{pct(sy, u + sy)}" if u is not None and (u + sy) else "–"
            irs = f"{ir / 1e6:.2f} | {ir / n / 1e3:.0f}" if ir else "– | –"
            line = f"| `{f}` | {n} | {irs} | {x['warm']['cpu_s']['median'] * 1000:.2f} | {share} |"
            if show_conns:
                line += f" {'–' if conns[f] is None else f'{conns[f]:.2f}'} |"
            w(line + (f" {x['warm'].get('threads') or '–'} |" if show_threads else ""))
        w("")
        notes = []
        if keepalive and show_conns:
            notes.append(f"The emulator keeps connections alive, and in the warm runs the functions opened "
                         f"{span([v for v in conns.values() if v is not None], 2)} new TCP connections per remediation "
                         "(the emulator's own count, the driver's seeding and read-back included): the system time "
                         "above is not connection setup.")
        elif not keepalive:
            notes.append("The emulator (`moto_server`) answers every request with `Connection: close`: every request "
                         "of a warm remediation opened a TCP connection of its own, which is part of the system time "
                         "above (against AWS the SDK keeps connections alive within a warm container).")
        if any(fns[f]["warm"].get("user_s_mean") is not None for f in present):
            notes.append(f"*of which system*: utime and stime of /proc/<pid>/stat, counted in clock ticks over the "
                         f"{s['warm_runs']} warm remediations, so the split is coarse.")
        if show_threads:
            notes.append("*threads*: the warm process's threads after the run (/proc/<pid>/task).")
        if notes:
            w(" ".join(notes))
            w("")
        if prof:
            tot = prof["warm_ir"]
            sign = incl(prof, "warm", "aws_sigv4::http_request::sign::sign")
            key = incl(prof, "warm", "generate_signing_key")
            sha = sum(ir for ir, n in prof["warm_self"] if n.startswith("sha2::"))
            alloc_name, mal = allocation(prof)
            xml = incl(prof, "warm", "aws_smithy_xml::decode")
            w(f"Where the {tot / 1e6:.2f} M instructions of an S3 remediation go (callgrind, symbolized build; "
              "tables at the end):")
            w("")
            if sign:
                w(f"- **SigV4 signing: {sign / 1e6:.2f} M ({pct(sign, tot)})**, of which deriving the signing key "
                  f"(`aws_sigv4::sign::v4::generate_signing_key`, four HMAC-SHA256 per request): {key / 1e6:.2f} M "
                  f"({pct(key, tot)}); SHA-256 compression alone: {sha / 1e6:.2f} M ({pct(sha, tot)}). Under valgrind "
                  "the CPU's SHA extensions are hidden, so the sha2 crate runs its portable code: natively this share "
                  "is smaller.")
            if mal:
                w(f"- **Memory allocation** ({alloc_name}: allocation, free and reallocation functions, their "
                  f"internals): {mal / 1e6:.2f} M ({pct(mal, tot)}).")
            if xml:
                w(f"- XML decoding of the S3 answers: {xml / 1e6:.2f} M ({pct(xml, tot)}).")
            w("")
        # What each request costs, and what the minimum number of requests would cost at that price.
        s3x = fns.get("s3-block-public-access")
        if s3x and (s3x.get("callgrind") or {}).get("warm_ir"):
            ir = s3x["callgrind"]["warm_ir"]["median"]
            cpu = s3x["warm"]["cpu_s"]["median"] * 1000
            per_request = cpu / s3x["calls"]["total"]
            minimum = s3x["calls"]["minimum"]
            at_min = minimum * per_request
            w(f"Per request, an S3 remediation costs about {ir / s3x['calls']['total'] / 1e6:.2f} M instructions and "
              f"{per_request:.2f} ms of CPU (warm CPU / requests, user and system). At that price the minimum of "
              f"{minimum} requests (read, write, read-back, publish) would take ~{at_min:.1f} ms"
              + (f": fewer requests alone do not reach {targets['warm_cpu_ms']} ms, each request has to cost less."
                 if at_min >= targets["warm_cpu_ms"] else f", under the {targets['warm_cpu_ms']} ms target."))
            w("")
        w("What the numbers point at:")
        w("")
        items = []
        extra = [(f, fns[f]["calls"]["total"] - fns[f]["calls"]["minimum"]) for f in present]
        extra = [(f, n) for f, n in extra if n > 0]
        if extra:
            items.append("**Requests beyond the minimum** (read, write, read-back, publish; KMS writes twice): "
                         + "; ".join(f"`{f}` makes {fns[f]['calls']['total']} where the minimum is "
                                     f"{fns[f]['calls']['minimum']} ({calls(fns[f]['calls']).split(' ', 1)[1][1:-1]})"
                                     for f, n in extra) + ".")
            s3calls = (fns.get("s3-block-public-access") or {}).get("calls", {}).get("warm", {})
            event = (fns.get("s3-block-public-access") or {}).get("event")
            if s3calls.get("s3:GetBucketLocation") and event is not None and "region" not in json.dumps(event):
                items[-1] += (f" The benchmark's S3 event (`{json.dumps(event)}`) names the bucket, not its region: "
                              "`GetBucketLocation` is what an event without the region costs.")
        if prof:
            alloc_name, mal = allocation(prof)
            if mal and pct(mal, prof["warm_ir"]) != "–" and mal / prof["warm_ir"] >= 0.1:
                items.append(f"**Allocation**: {pct(mal, prof['warm_ir'])} of the instructions are {alloc_name}'s"
                             + (" (an allocator made for many small allocations, such as mimalloc as "
                                "`#[global_allocator]`, is the lever)." if alloc_name == "glibc malloc" else "."))
            key = incl(prof, "warm", "generate_signing_key")
            if key and key / prof["warm_ir"] >= 0.05:
                items.append("**The SigV4 signing key** is derived again for every request "
                             f"({pct(key, prof['warm_ir'])} of the instructions): caching it per (date, region, "
                             "service) is an aws-sigv4 change (upstream).")
        threads = [fns[f]["warm"].get("threads") for f in present if fns[f]["warm"].get("threads")]
        if threads and max(threads) > 1:
            items.append(f"**Threads**: the warm processes run {span(threads)} threads (/proc/<pid>/task) for one "
                         "remediation at a time.")
        for i, item in enumerate(items, 1):
            w(f"{i}. {item}")
        if not items:
            w("- nothing beyond the per-request cost above.")
        w("")
    # ---- cold start ----
    e2e = [fns[f]["cold"]["first_answer_s"]["median"] * 1000 for f in present]
    own = [fns[f]["calls"]["own_cold_s"]["median"] * 1000 for f in present]
    init = [fns[f]["cold"]["init_s"]["median"] * 1000 for f in present]
    cold_totals = [sum(fns[f]["calls"]["cold"].values()) for f in present if fns[f]["calls"].get("cold")]
    load = (d.get("load") or {}).get("median", 0)
    w(f"**Cold start.** The function's own part is {span(own)} ms (target {targets['cold_ms']} ms), "
      f"init alone {span(init)} ms; end to end against moto it is {span(e2e)} ms, "
      f"the rest being the emulator answering {span(cold_totals) if cold_totals else 'the'} requests"
      + (" on this loaded machine." if loaded(d) else "."))
    if prof:
        certs = incl(prof, "cold", "rustls_native_certs::CertPaths::load")
        https = incl(prof, "cold", "build_https")
        cold = prof["cold_ir"]
        if certs and certs / cold >= 0.1:
            w(f"Of the {cold / 1e6:.1f} M instructions from exec to the first answer, **{certs / 1e6:.1f} M "
              f"({pct(certs, cold)}) load the system's root certificates** (`rustls_native_certs`: read the PEM "
              f"bundle, decode and parse every certificate; building the HTTPS connector around them: "
              f"{https / 1e6:.1f} M, {pct(https, cold)}), although the benchmark talks plain HTTP. A trust store of "
              "only the Amazon Trust Services roots that AWS endpoints chain to (an `aws_smithy_http_client` "
              "`TlsContext` with `TrustStore::empty()` and `with_pem_certificate`) would make that part small.")
        elif certs:
            w(f"Loading the root certificates takes {certs / 1e6:.1f} M of the {cold / 1e6:.1f} M instructions "
              f"from exec to the first answer ({pct(certs, cold)}).")
    w("")
    # ---- sweeps ----
    s3 = sweeps.get("s3")
    if s3 and s3["wall"].get("ours"):
        ours, b3, c7 = s3["wall"]["ours"], s3["wall"].get("boto3"), s3["wall"].get("c7n")
        c = s3["calls"]

        def per_resource(name):
            return c[name]["total"] / c[name]["size"] if c.get(name) and c[name]["size"] else None

        def rps(name):
            wall = s3["wall"].get(name)
            return per_resource(name) * s3["size"] / wall["median"] if wall and per_resource(name) else None
        slower = [f"S3 {ours['median']:.1f} s against {b3['median']:.1f} s"] if b3 and b3["median"] < ours["median"] else []
        sn = sweeps.get("snapshot")
        if sn and sn["wall"].get("boto3") and sn["wall"]["boto3"]["median"] < sn["wall"]["ours"]["median"]:
            slower.append(f"snapshots {sn['wall']['ours']['median']:.1f} s against {sn['wall']['boto3']['median']:.1f} s")
        ops = ", ".join(f"{k.split(':', 1)[1]} {v / c['ours']['size']:.2g}" for k, v in
                        sorted(c["ours"]["by_operation"].items(), key=lambda kv: -kv[1]))
        text = (f"**Sweeps against the emulator.** Ours fixes {s3['size']} buckets in {ours['median']:.1f} s"
                + (f", {c7['median'] / ours['median']:.1f}x faster than c7n" if c7 else "")
                + (f", but the plain boto3 loop is faster ({'; '.join(slower)})." if slower else ".")
                + f" Requests per bucket: ours {per_resource('ours'):.1f} ({ops})")
        for name, label in (("boto3", "the boto3 loop"), ("c7n", "c7n")):
            if per_resource(name):
                text += f", {label} {per_resource(name):.1f}"
        rates = {n: rps(n) for n in ("ours", "boto3", "c7n") if rps(n)}

        def connections(name):
            e = [r.get("emulator") for r in s3["runs"].get(name, []) if r.get("emulator")]
            n = span([x["connections"] for x in e]) if e else None
            return f" on {n} connection{'' if n == '1' else 's'}" if e else ""
        text += ". The emulator answered them at " + ", ".join(f"{v:.0f} requests/s ({n}{connections(n)})"
                                                               for n, v in rates.items())
        if "boto3" in rates and max(rates["ours"], rates["boto3"]) <= 1.25 * min(rates["ours"], rates["boto3"]):
            text += (": ours and the sequential boto3 loop got about the same rate, so the emulator's throughput, "
                     "not the client, set these wall times, and the number of requests per bucket decides them")
        text += "."
        w(text)
        w("")
    sn = sweeps.get("snapshot")
    if sn and sn["runs"].get("c7n") and min(r["fixed"] for r in sn["runs"]["c7n"]) < sn["runs"]["c7n"][0]["size"]:
        w(f"**Snapshot sweep against c7n: no valid comparison.** c7n left "
          f"{sn['runs']['c7n'][0]['size'] - min(r['fixed'] for r in sn['runs']['c7n'])} of "
          f"{sn['runs']['c7n'][0]['size']} snapshots public (read back). Its `set-permissions` sends the structured "
          "`CreateVolumePermission={'Remove': [...]}` form of `ModifySnapshotAttribute`, which moto 5.2.5 answers "
          "with 200 and ignores (shared/EMULATOR.md); on AWS it would work. Its time is shown for information only, "
          "not as a ratio.")
        w("")
    eb = sweeps.get("ebs")
    if eb and eb["runs"].get("c7n-single") and eb["runs"]["c7n-single"][0]["fixed"] < eb["size"]:
        w(f"**EBS default encryption, {eb['size']} regions.** `custodian run` with every region given (`-r` each) "
          f"fixed {eb['runs']['c7n-single'][0]['fixed']} of {eb['size']}: `aws.account` is a global resource, so "
          "Custodian runs the policy in one region. The multi-region way is `c7n-org run`, one process per region, "
          "which the table compares.")
        w("")
    failed = [(k, r) for k in ("s3", "snapshot", "ebs") if sweeps.get(k) for r in sweeps[k]["runs"]["ours"]
              if "NotificationFailed" in (r.get("error") or "")]
    if failed:
        kinds = sorted({k for k, _ in failed})
        sizes = sorted({r["size"] for _, r in failed})
        fixed_all = all(r["fixed"] == r["size"] for _, r in failed)
        message = failed[0][1]["error"]
        m = re.search(r"'errorMessage': '([^']{0,300})", message)
        w("**A bug the sweeps found: reports over SNS's size limit.** Our " + " and ".join(kinds) + " sweeps of "
          f"{', '.join(str(n) for n in sizes)} resources "
          + ("fixed every resource (read back above) but " if fixed_all else "")
          + "ended with `NotificationFailed`"
          + (f" (`{m.group(1)}`)" if m else "") + ": the report was not published. SNS takes at most 256 KB per "
          "message; a report that does not fit has to be published as a summary (counts per outcome, the results "
          "that fit, the rest in the log line) or split over several messages.")
        w("")
    return "\n".join(out) + "\n"


# ---- issue 20: the 128 MB profile, cold instructions, realistic sweeps, the critical path ------------------

ALL_FUNCTIONS = FUNCTIONS + ["iam-password-policy", "ec2-default-sg-closed", "cloudtrail-logging", "guardduty-enabled",
                             "iam-unused-credentials", "config-recorder-on"]
MINIMUM_ROUNDS = {"s3-block-public-access": 4, "kms-cancel-key-deletion": 5, "ebs-snapshot-revoke-public": 4,
                  "ebs-default-encryption": 4}  # read, write (KMS: two), read-back, publish


def cold_irs(d):
    """Cold instructions per function: the 128 MB section's callgrind run, else the functions section's median."""
    out = {}
    for f in ALL_FUNCTIONS:
        q = ((d.get("q128") or {}).get("functions") or {}).get(f, {})
        ir = (q.get("callgrind") or {}).get("cold_ir")
        cg = ((d.get("functions") or {}).get(f) or {}).get("callgrind") or {}
        if cg.get("cold_ir"):
            ir = cg["cold_ir"]["median"]
        if ir:
            out[f] = ir
    return out


def path_text(groups):
    return " → ".join(" ∥ ".join(g) for g in groups)


def goals(d, targets):
    """The goals of issue 20, each with its figure from this run (rows of a markdown table)."""
    rows = []
    before = d.get("before") or {}
    q = d.get("q128") or {}
    qf = q.get("functions") or {}
    if qf:
        ours = {f: x["ours"]["first_answer_s"]["median"] * 1000 for f, x in qf.items() if x.get("ours", {}).get(
            "first_answer_s")}
        worst = max(ours, key=ours.get)
        ratios = {f: x["boto3"]["first_answer_s"]["median"] * 1000 / ours[f] for f, x in qf.items()
                  if f in ours and (x.get("boto3") or {}).get("first_answer_s")}
        b3 = [x["boto3"]["first_answer_s"]["median"] for x in qf.values() if (x.get("boto3") or {}).get("first_answer_s")]
        rows.append(f"| cold start inside the 128 MB CPU quota: median cold answer < {targets['q128_cold_ms']} ms for "
                    f"every function | {before.get('q128_ours_ms', '–')} | {min(ours.values()):.0f}–{max(ours.values()):.0f} "
                    f"ms median over {len(ours)} functions (slowest `{worst}`) | "
                    f"{met(max(ours.values()) < targets['q128_cold_ms'])} |")
        if ratios:
            rows.append(f"| … at least {targets['q128_vs_boto3']}x faster than the boto3 baseline there | boto3 "
                        f"{before.get('q128_boto3_s', '–')} | boto3 {min(b3):.1f}–{max(b3):.1f} s: "
                        f"{min(ratios.values()):.0f}–{max(ratios.values()):.0f}x ours | "
                        f"{met(min(ratios.values()) >= targets['q128_vs_boto3'])} |")
    elif q.get("error"):
        rows.append(f"| cold start inside the 128 MB CPU quota | – | not measured: {q['error']} | – |")
    irs = cold_irs(d)
    if irs:
        worst = max(irs, key=irs.get)
        b = before.get("cold_ir") or {}
        rows.append(f"| cold instructions (callgrind, exec → first answer) < {targets['cold_ir_m']} M for every function "
                    f"| {min(b.values()) / 1e6:.0f}–{max(b.values()) / 1e6:.0f} M (four functions) | "
                    f"{min(irs.values()) / 1e6:.1f}–{max(irs.values()) / 1e6:.1f} M over {len(irs)} functions "
                    f"(most: `{worst}`) | {met(max(irs.values()) < targets['cold_ir_m'] * 1e6)} |")
    mixed = d.get("mixed") or {}
    for key, label in (("s3", "S3"), ("snapshot", "snapshots")):
        mx = mixed.get(key)
        if not mx or not mx["wall"].get("ours"):
            continue
        c = mx["calls"].get("ours")
        per = c["total"] / c["size"]
        if key == "s3":
            rows.append(f"| realistic S3 sweep ({mx['noncompliant']} of {mx['size']} noncompliant): requests per bucket "
                        f"≤ {targets['mixed_s3_requests']} | 5.0 (all public) | {per:.3f} ({c['total']} for "
                        f"{c['size']}) | {met(per <= targets['mixed_s3_requests'] + 1e-9)} |")
        peers = {n: mx["wall"][n] for n in ("boto3", "c7n") if mx["wall"].get(n)}
        valid = {n: w for n, w in peers.items()
                 if min(r["fixed"] for r in mx["runs"][n]) == mx["runs"][n][0]["size"]}
        faster = all(mx["wall"]["ours"]["median"] < w["median"] for w in valid.values())
        text = "; ".join(f"{n} {w['median']:.2f} s" + ("" if n in valid else " (did not fix them)")
                         for n, w in peers.items())
        rows.append(f"| realistic {label} sweep: wall time faster than both peers | "
                    f"{before.get('s3_sweep', '–') if key == 's3' else '–'} | ours {mx['wall']['ours']['median']:.2f} s; "
                    f"{text} | {met(faster and bool(valid))}{'' if len(valid) == len(peers) else ' (against the peers that fixed them)'} |")
    fns = d.get("functions") or {}
    present = [f for f in FUNCTIONS if f in fns]
    paths = {f: fns[f]["warm"].get("path") for f in present if fns[f]["warm"].get("path")}
    if paths:
        rounds = {f: p["rounds"]["median"] for f, p in paths.items()}
        ok = all(rounds[f] <= MINIMUM_ROUNDS[f] for f in rounds)
        rows.append("| round trips on a warm remediation's critical path = read → write → read-back → publish "
                    "(KMS: two writes) | S3 5, KMS 6, snapshots 5, EBS 4 (one after another) | "
                    + ", ".join(f"{KEYS[f]} {rounds[f]:.0f} (of {MINIMUM_ROUNDS[f]})" for f in rounds)
                    + f" | {met(ok)} |")
        slower = {f: fns[f]["warm"]["latency_s"]["median"] / fns[f]["boto3_warm"]["latency_s"]["median"]
                  for f in present}
        rb = {f: paths[f]["to_read_back_s"]["median"] / fns[f]["boto3_warm"]["latency_s"]["median"]
              for f in paths if paths[f].get("to_read_back_s")}
        rows.append("| warm end-to-end latency not slower than the boto3 runbook | "
                    f"{before.get('warm_latency', '–')} | ours / boto3 to the answer (publish included): "
                    + ", ".join(f"{KEYS[f]} {v:.2f}" for f, v in slower.items())
                    + ("; to the read-back (what the runbook's time covers): "
                       + ", ".join(f"{KEYS[f]} {v:.2f}" for f, v in rb.items()) if rb else "")
                    + f" | {met(max(slower.values()) <= 1.0)} (to the answer)"
                    + (f"; {met(max(rb.values()) <= 1.0)} (to the read-back)" if rb else "") + " |")
    warm = {f: (fns[f].get("callgrind") or {}).get("warm_ir") for f in present}
    warm = {f: v["median"] for f, v in warm.items() if v}
    bw = before.get("warm_ir") or {}
    same = (d.get("before_same_machine") or {}).get("functions") or {}
    if same:
        bw = {f: x["warm_ir"]["median"] for f, x in same.items()}
        before = dict(before, cpu="same machine, binaries of bc0cec6")
    if warm and bw:
        grown = [f for f in warm if f in bw and warm[f] > bw[f] * 1.01]
        same_cpu = bool(same) or before.get("cpu", "") in d["machine"]["cpu"]
        verdict = met(not grown) if same_cpu or not grown else (
            f"not comparable: before on {before.get('cpu')}, now on {d['machine']['cpu']} (see below)")
        rows.append("| warm instructions per remediation (callgrind, same payloads as before) do not grow | "
                    + ", ".join(f"{KEYS[f]} {bw[f] / 1e6:.2f} M" for f in warm if f in bw) + f" ({before.get('cpu', '?')}) | "
                    + ", ".join(f"{KEYS[f]} {warm[f] / 1e6:.2f} M"
                                + (f" ({(warm[f] / bw[f] - 1) * 100:+.0f}%)" if same and f in bw else "") for f in warm)
                    + f" | {verdict} |")
    return rows


def q128_section(d, targets):
    q = d.get("q128") or {}
    out = []
    w = out.append
    w("## Cold start at 128 MB")
    w("")
    if q.get("error"):
        w(f"Not measured: {q['error']}.")
        w("")
        return out
    qi = q["quota"]
    s = d["settings"]
    w(f"Lambda gives a function CPU in proportion to its memory (1,769 MB = one vCPU): a 128 MB function gets "
      f"{qi['quota_us'] / qi['period_us']:.1%} of a core. Each cold start below ran alone in a cgroup limited to that "
      f"share ({qi['kind']}: {qi['quota_us'] / 1000:.1f} ms of CPU per {qi['period_us'] / 1000:.0f} ms period, "
      f"`{qi['path']}`), started two periods after the previous one ended, as a new Lambda environment starts with "
      "its quota unused; the emulator and the driver ran outside it. A process that uses up its "
      f"{qi['quota_us'] / 1000:.1f} ms within a period waits for the next one, so times cluster near multiples of "
      f"{qi['period_us'] / 1000:.0f} ms: *periods throttled* (the cgroup's `nr_throttled`) counts those waits. "
      f"{s.get('q_runs')} cold starts per function; {s.get('q_peer_runs')} per peer and control. Ours: the same "
      "binaries and events as above (one remediation, SNS publish included); boto3 and c7n: as in the cold rows "
      "above (interpreter start, imports, one fix), in the same run.")
    w("")
    w("| function | init (exec → first poll) | cold answer, median (min–max) | p10–p90 | CPU used | periods throttled | "
      "cold instructions | boto3: init | boto3: cold answer | boto3 / ours | c7n: cold answer | c7n / ours |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    irs = cold_irs(d)
    for f in ALL_FUNCTIONS:
        x = q["functions"].get(f)
        if not x:
            continue
        o = x["ours"]
        b, c = x.get("boto3") or {}, x.get("c7n") or {}

        def times(r):
            return ms(r.get("first_answer_s")) if r.get("first_answer_s") else "–"

        def rel(r):
            if not r.get("first_answer_s"):
                return "–"
            return f"{r['first_answer_s']['median'] / o['first_answer_s']['median']:.0f}x"
        thr = o.get("throttled") or {}
        problems = f" **{len(o['problems'])} problems: {o['problems'][0][:80]}**" if o.get("problems") else ""
        spread = ms(o["first_answer_s"], "p10p90").split(" (")[-1].rstrip(")") if o["first_answer_s"]["n"] > 1 else "–"
        cold_ir = f"{irs[f] / 1e6:.1f} M" if f in irs else "–"
        w(f"| `{f}` | {ms(o['init_s'])} | {ms(o['first_answer_s'])}{problems} | {spread} | {ms(o.get('cpu_s'))} | "
          f"{thr.get('median', 0):.0f} ({thr.get('min', 0):.0f}–{thr.get('max', 0):.0f}) | {cold_ir} |")
        out[-1] += (f" {ms(b.get('init_s')) if b.get('init_s') else '–'} | {times(b)} | {rel(b)} | {times(c)} | {rel(c)} |")
    w("")
    cpus = [x["ours"]["cpu_s"]["median"] * 1000 for x in q["functions"].values() if (x.get("ours") or {}).get("cpu_s")]
    budget = qi["quota_us"] / 1000
    answers = [x["ours"]["first_answer_s"]["median"] * 1000 for x in q["functions"].values()
               if (x.get("ours") or {}).get("first_answer_s")]
    if cpus and answers and max(answers) <= targets["q128_cold_ms"]:
        w(f"**Why they fit.** A cold start answers within one period if it gets its answer out before it has used "
          f"{budget:.1f} ms of CPU. Ours used {min(cpus):.1f}–{max(cpus):.1f} ms in all (median per function; CPU "
          "of the whole process, user and system, from /proc/<pid>/task/*/schedstat, read after the answer, so it "
          "includes the work after it: the report's log lines, the next poll), and the median cold start was not "
          f"throttled: medians {min(answers):.0f}–{max(answers):.0f} ms. The slow tail (*max*) is a cold start that "
          "ran out of quota before its answer and waited for the next period. Their user-space work is "
          f"{min(irs.values()) / 1e6 if irs else 0:.1f}–{max(irs.values()) / 1e6 if irs else 0:.1f} M instructions "
          "(callgrind); the rest of the CPU is the kernel's part of a cold start (exec, the dynamic loader, faulting "
          "in a 9–11 MB binary and about 700 pages of heap, the sockets, the thread that resolves the endpoint's "
          "name). Two changes got them here: the compiled-in trust store (a quarter of the instructions), and "
          "mimalloc without transparent huge pages (`no_thp`): with them, a cold start faulted in 2 MiB pages it did "
          "not need, about 1.6 ms more CPU and 7 MiB more peak RSS (s3-block-public-access, 10 cold starts each way, "
          "measured by hand: 8.2 → 6.5 ms median CPU, 18 → 11 MiB).")
        w("")
    elif cpus and max(cpus) > budget:
        load = (d.get("load") or {}).get("median", 0)
        w(f"**Why the cold answers are over {targets['q128_cold_ms']} ms here.** A cold start fits in one period only "
          f"if it needs at most {budget:.1f} ms of CPU. Ours used {min(cpus):.1f}–{max(cpus):.1f} ms (median per "
          f"function; CPU of the whole process, user and system, from /proc/<pid>/task/*/schedstat), so nearly every "
          "one waited for a second period (*periods throttled*), and its answer came after 100 ms or more. Their "
          f"user-space work is {min(irs.values()) / 1e6 if irs else 0:.1f}–{max(irs.values()) / 1e6 if irs else 0:.1f} M "
          "instructions (callgrind), about 2–3 ms at this machine's speed: the rest is the kernel's part of a cold "
          "start (exec, the dynamic loader, faulting in a 9–11 MB binary and about 700 pages of heap, the sockets, "
          "the thread that resolves the endpoint's name)"
          + (f" and, with a load average of {load:.1f} on 2 CPUs during these runs, a CPU shared with other "
             "people's builds, whose cache misses and preemptions count in the CPU time too"
             if load > 1 else "") + ". The quota turns every millisecond over the budget into a wait of "
          "up to 100 ms. Before the trust-store change the same functions needed about four times the "
          "instructions; mimalloc's transparent huge pages (turned off since, `no_thp`) cost another 1.6 ms of CPU "
          "and 7 MiB of peak RSS per cold start (s3-block-public-access, 10 cold starts each way, measured by hand: 8.2 → 6.5 ms "
          "median CPU, 18 → 11 MiB).")
        w("")
    cold_only = [f for f in ALL_FUNCTIONS if f in q["functions"] and f not in FUNCTIONS]
    if cold_only:
        outcomes = {f: ((q["functions"][f].get("callgrind") or {}).get("outcomes") or ["?"])[0] for f in cold_only}
        w("The last " + str(len(cold_only)) + " functions have no peer in the benchmark: each cold start seeds one "
          "noncompliant resource with boto3 and invokes the function with a manual payload (`{\"resource_id\": ...}`); "
          "outcomes: " + ", ".join(f"`{f}` {o}" for f, o in outcomes.items())
          + ". `iam-unused-credentials` reads the user's keys and finds them in use: moto cannot back-date an "
          "access key through its API (shared/EMULATOR.md), so its cold start makes no write.")
        w("")
    for f in ALL_FUNCTIONS:
        x = q["functions"].get(f)
        if x and x["ours"].get("all_s"):
            w(f"Cold answers of `{f}`, sorted, ms: " + ", ".join(f"{v * 1000:.0f}" for v in x["ours"]["all_s"]) + ".")
            break
    w("")
    return out


def mixed_section(d, targets):
    mixed = d.get("mixed") or {}
    if not mixed:
        return []
    out = []
    w = out.append
    s = d["settings"]
    w("## Realistic sweeps")
    w("")
    w(f"An account where most resources are compliant: {s.get('mixed_size')} buckets of which "
      f"{s.get('mixed_noncompliant')} public (the others with Block Public Access on, as AWS makes new buckets since "
      f"2023), and {s.get('mixed_size')} snapshots of which {s.get('mixed_noncompliant')} public. Same emulator, same "
      f"run, {s['repeats']} runs each; requests counted by the emulator itself in the timed runs. The emulator "
      "answers two things the way AWS does where moto 5.2.5 does not (`bench/moto_keepalive.py --aws-answers`): "
      "`ListBuckets` with a parameter answers each bucket's `BucketRegion`, and `DescribeSnapshots` honours "
      "`OwnerIds` and `RestorableByUserIds`.")
    w("")
    w("| sweep | implementation | wall time | inside the process | compliant after (read back) | requests per resource | "
      "ours / this (wall) |")
    w("|---|---|---|---|---|---|---|")
    labels = {"s3": "S3 buckets", "snapshot": "snapshots"}
    names = {"ours": "ours", "c7n": "c7n", "boto3": "boto3 (runbook style)"}
    for key in ("s3", "snapshot"):
        mx = mixed.get(key)
        if not mx:
            continue
        for name, runs in mx["runs"].items():
            if not runs:
                continue
            fixed = [r["fixed"] for r in runs]
            size = runs[0]["size"]
            fixed_s = f"{min(fixed)}/{size}" if min(fixed) == max(fixed) else f"{min(fixed)}–{max(fixed)}/{size}"
            if min(fixed) < size:
                fixed_s = f"**{fixed_s}**"
            errors = [r["error"] for r in runs if r.get("error")]
            if errors:
                fixed_s += f", error: `{errors[0].strip().splitlines()[-1][:120]}`"
            c = mx["calls"].get(name)
            per = f"{c['total'] / c['size']:.3f} ({c['total']})" if c else "–"
            rel = "" if name == "ours" else (
                "not comparable: it did not fix them" if min(fixed) < size else ratio(mx["wall"]["ours"], mx["wall"][name]))
            w(f"| {labels[key]} ({mx['noncompliant']} of {mx['size']} noncompliant) | {names[name]} | "
              f"{fmt(mx['wall'][name], ' s')} | {fmt(mx['inner'][name], ' s')} | {fixed_s} | {per} | {rel} |")
    w("")
    for key in ("s3", "snapshot"):
        mx = mixed.get(key)
        if not mx:
            continue
        w(f"Requests, {labels[key]}: " + "; ".join(
            f"{n}: " + ", ".join(f"{k.split(':', 1)[1]} {v}" for k, v in sorted(c["by_operation"].items(),
                                                                                key=lambda kv: -kv[1]))
            for n, c in mx["calls"].items()) + ".")
        w("")
    s3 = mixed.get("s3")
    if s3 and s3["calls"].get("ours"):
        c = s3["calls"]["ours"]
        ops = c["by_operation"]
        per = c["total"] / c["size"]
        if per > targets["mixed_s3_requests"]:
            n, bad = s3["size"], s3["noncompliant"]
            floor = (n - bad) + 4 * bad
            w(f"**Requests per bucket: {per:.3f}, goal {targets['mixed_s3_requests']}.** A compliant bucket costs one "
              f"read (`GetBucketPublicAccessBlock`: {n - bad} of them here, no `GetBucketLocation`: ListBuckets' "
              "`BucketRegion` says where each bucket lives). A noncompliant one costs four: the read, its tags "
              "(`GetBucketTagging`, for `EXEMPT_TAG`), the write and the read-back. "
              f"{n - bad} + 4 × {bad} = {floor} requests, {floor / n:.2f} per bucket before the listing, the account "
              "setting and the report's publish: the goal of 1.1 allows one request per noncompliant bucket fewer "
              "than the contract's steps (read → tags → write → read-back) take. Dropping the tag read would need the "
              "exemption by tag to come from somewhere else (one Resource Groups Tagging API `GetResources` per sweep "
              "with the exempt tag as filter instead of one `GetBucketTagging` per noncompliant bucket).")
            w("")
    return out


def critical_section(d, targets):
    fns = d.get("functions") or {}
    present = [f for f in FUNCTIONS if f in fns and fns[f]["warm"].get("path")]
    if not present:
        return []
    out = []
    w = out.append
    w("## Critical path of one remediation")
    w("")
    w("Round trips one after another in a warm remediation, from the emulator's log of the same warm runs (requests "
      "whose times overlap were in flight together and count as one round trip). An event about a change (Config, "
      "CloudTrail, Security Hub) names a resource that is most likely noncompliant, so the engine reads its state "
      "and its tags or ownership at once; a sweep reads one thing at a time, so that a compliant resource costs one "
      "read. *To the read-back*: from the event to the answer of the last request before the report's publish, "
      "which is where the runbook's own time ends.")
    w("")
    w("| function | event | round trips (minimum) | requests | the path (last warm run) | ours, to the answer | "
      "ours, to the read-back | boto3 runbook | boto3 round trips | ours / boto3 (answer; read-back) |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for f in present:
        x = fns[f]
        p = x["warm"]["path"]
        bp = (x["boto3_warm"].get("path") or {})
        kind = (x.get("event") or {}).get("detail-type", "manual payload")
        b = x["boto3_warm"]["latency_s"]
        rb = p.get("to_read_back_s")
        w(f"| `{f}` | {kind} | {p['rounds']['median']:.0f} ({MINIMUM_ROUNDS[f]}) | {p['requests']['median']:.0f} | "
          f"{path_text(p['groups'])} | {ms(x['warm']['latency_s'], 'p10p90')} | {ms(rb, 'p10p90') if rb else '–'} | "
          f"{ms(b, 'p10p90')} | {bp.get('rounds', {}).get('median', '–')} | "
          f"{ratio(x['warm']['latency_s'], b)}; {ratio(rb, b) if rb else '–'} |")
    w("")
    slower = [f for f in present if fns[f]["warm"]["latency_s"]["median"] > fns[f]["boto3_warm"]["latency_s"]["median"]]
    if slower:
        per_round = []
        for f in present:
            bp = fns[f]["boto3_warm"].get("path") or {}
            if bp.get("rounds"):
                per_round.append(fns[f]["boto3_warm"]["latency_s"]["median"] / bp["rounds"]["median"] * 1000)
        w("**Why ours is still slower end to end here.** The runbook writes without reading first and publishes "
          "nothing: two round trips (write, read-back). Ours reads before it writes (a compliant resource gets no "
          "write, and tags and ownership decide exemptions) and publishes the report after the read-back: "
          "read → write → read-back → publish, four round trips (KMS five), each of which costs a round trip to "
          "moto, whose Python answers one request in about "
          + (f"{min(per_round):.1f}–{max(per_round):.1f} ms (the runbook's latency per round trip)"
             if per_round else "a few ms")
          + ". Against AWS, where a round trip costs tens of milliseconds, the gap in round trips decides it the "
            "same way. The read-back column shows where the runbook's own work ends in ours.")
        w("")
    return out


def connections_note(d):
    """How the emulator handles connections in this run, with the emulator's own counts as evidence."""
    s, fns = d["settings"], d.get("functions", {})
    if not s.get("moto_keepalive"):
        return ("**Connections**: the emulator is `moto_server` as it comes, whose werkzeug server answers every "
                "request with `Connection: close`: every request of every implementation opens a TCP connection of "
                "its own, and its setup is in every CPU and latency figure below. Against AWS the SDKs (hyper, "
                "urllib3) keep connections alive within a warm container. (`BENCH_MOTO_KEEPALIVE=1`, the default, "
                "measures with keep-alive.)")
    text = ("**Connections**: the emulator keeps HTTP/1.1 connections alive, as AWS does (`bench/moto_keepalive.py`: "
            "moto's own server and app, `moto.server.main`, with a request handler that answers with a "
            "Content-Length and without `Connection: close`). moto's own server (`moto_server`) closes every "
            "connection after one request; the numbers before this change were taken that way "
            "(`BENCH_MOTO_KEEPALIVE=0` measures it again).")
    check = d.get("keepalive_check")
    if check:
        text += (f" Checked at the start of the run: one boto3 client made {check['requests']} requests on "
                 f"{check['connections']} connection{'s' if check['connections'] != 1 else ''}.")
    parts = []
    for who, key in (("ours", "warm"), ("boto3", "boto3_warm"), ("c7n", "c7n_warm")):
        values = [new_connections(fns[f].get(key), warm_runs(s, who)) for f in fns if fns[f].get(key)]
        values = [v for v in values if v is not None]
        if values:
            parts.append(f"{who} {span(values, 2)}")
    if parts:
        text += (" New TCP connections per warm remediation, as the emulator counted them (the driver's seeding and "
                 "read-back included): " + ", ".join(parts) + ".")
    return text


def render(d, targets):
    m = d["machine"]
    load = d.get("load") or {}
    out = []
    w = out.append
    w("# Benchmarks")
    w("")
    w(f"Generated by `make bench` ({d['elapsed_s'] / 60:.0f} min) on {m['date']}, commit {m['commit']}. "
      "Raw numbers: `target/bench/results.json`; callgrind profiles: `target/bench/callgrind/`.")
    w("")
    if d.get("parts"):
        w("Assembled by `bench/merge.py` from " + str(len(d["parts"])) + " runs of the same build, one section or "
          "function at a time (the machine was shared with others' builds; each ratio compares figures of one run): "
          + "; ".join(f"{p['date']}: {', '.join(p['sections'])} (load {p['load']['median']:.1f})" if p.get("load")
                      else f"{p['date']}: {', '.join(p['sections'])}" for p in d["parts"]) + ".")
        w("")
    w("**Machine**: " + f"{m['nproc']} CPUs (`nproc`), {m['cpu']} (/proc/cpuinfo), {m['memory']} RAM, "
      f"Linux {m['kernel']}. Load average (1 min) during the run: median {load.get('median', 0):.1f}, "
      f"{load.get('min', 0):.1f}–{load.get('max', 0):.1f}, on {m['nproc']} CPUs.")
    if not loaded(d):
        out[-1] += (" About what the benchmark's own processes make (the emulator, the driver and the implementation "
                    "under test, one at a time): the machine was otherwise quiet.")
    else:
        w("This machine was **shared and loaded** (other people's builds and tests ran at the same time): every "
          "wall-clock number below was taken under that load and is pessimistic, for every implementation alike. "
          "The CPU instruction counts (valgrind callgrind) do not depend on load.")
    w("")
    s = d["settings"]
    keepalive = s.get("moto_keepalive", False)
    server = "server mode, HTTP keep-alive" if keepalive else "`moto_server`, one connection per request"
    w(f"Versions: {m['rustc']}; moto {m['moto']} ({server}, the emulator for everything); Cloud Custodian "
      f"(c7n) {m['c7n']}; boto3 {m['boto3']}; Python {m['python']}; {m['valgrind']}.")
    w("")
    w(f"Settings: sweeps of {s['buckets']} buckets, {s['snapshots']} snapshots, {len(d.get('regions', []))} regions, "
      f"{s['repeats']} runs each; {s['cold_runs']} cold starts and {s['warm_runs']} warm remediations per function; "
      f"{s['callgrind_runs']} callgrind runs of {s['callgrind_warm']} warm remediations. "
      "Spread is shown as (min–max), or (p10–p90) for warm latencies.")
    w("")
    w("Our functions run as release binaries (`cargo build --release`, x86_64 host) on a Lambda Runtime API "
      "emulator (`bench/runtime_api.py`), with `NOTIFY_TOPIC_ARN` set, so every remediation also publishes its "
      "report to SNS (the peers publish nothing). Peers: **boto3** — each fix as plain boto3 in the style of "
      "AWS's SSM remediation runbooks (`bench/baseline.py`: write, then verify); **c7n** — Cloud Custodian's "
      "own policies, run the way Custodian runs them: cloudtrail-mode policies through `c7n.handler.dispatch_event` "
      "(its Lambda entry point) per event, `custodian run` for sweeps, `c7n-org run` for many regions. "
      "After every run the emulator's state is read back with boto3.")
    w("")
    w(connections_note(d))
    w("")

    # ---- targets ----
    fns = d.get("functions", {})
    present = [f for f in FUNCTIONS if f in fns]
    sizes = d.get("sizes", {})
    sweeps = d.get("sweeps", {})
    w("## Targets")
    w("")
    w("| target | result | |")
    w("|---|---|---|")
    if fns:
        worst = max(present, key=lambda f: fns[f]["calls"]["own_cold_s"]["median"])
        own = fns[worst]["calls"]["own_cold_s"]["median"] * 1000
        e2e = max(fns[f]["cold"]["first_answer_s"]["median"] for f in present) * 1000
        init = max(fns[f]["cold"]["init_s"]["median"] for f in present) * 1000
        cold_totals = [sum(fns[f]["calls"]["cold"].values()) for f in present if fns[f]["calls"].get("cold")]
        w(f"| cold start to first answer < {targets['cold_ms']} ms | the function's own part (exec → answer minus the "
          f"time its requests waited for the emulator), slowest function ({worst}): median {own:.1f} ms; init alone "
          f"≤ {init:.1f} ms. End to end against moto ({span(cold_totals) if cold_totals else 'its'} requests): "
          f"≤ {e2e:.0f} ms | "
          f"{met(own < targets['cold_ms'])} (own part){'' if e2e < targets['cold_ms'] else '; missed end to end'} |")
        rss = max(max(fns[f]["cold"]["rss_kb"]["max"], fns[f]["warm"]["rss_after_warm_kb"] or 0) for f in present)
        w(f"| peak RSS < {targets['rss_mb']} MB | at most {rss / 1024:.1f} MiB (any function, cold or after "
          f"{s['warm_runs']} warm remediations) | {met(rss / 1024 < targets['rss_mb'])} |")
    if sizes.get("arm64"):
        biggest = max(z["zip"] for z in sizes["arm64"].values())
        every = len(sizes["arm64"]) == len(sizes.get("functions") or sizes["arm64"])
        w(f"| each zip < {targets['zip_mb']} MB | largest arm64 zip {mib(biggest)} "
          f"({len(sizes['arm64'])} functions) | {met(biggest * MB < targets['zip_mb'] and every)} |")
    else:
        w(f"| each zip < {targets['zip_mb']} MB | arm64 zips not built: {sizes.get('arm64_error', 'see below')[:200]} | – |")
    if fns:
        cpu = max(fns[f]["warm"]["cpu_s"]["median"] for f in present) * 1000
        irs = [fns[f]["callgrind"]["warm_ir"]["median"] for f in present if fns[f].get("callgrind")]
        ir = f", {max(irs) / 1e6:.1f} M instructions (callgrind)" if irs else ""
        w(f"| warm remediation CPU < {targets['warm_cpu_ms']} ms | at most {cpu:.2f} ms CPU (median, user+system, "
          f"all threads){ir} | {met(cpu < targets['warm_cpu_ms'])} |")
    if sweeps:
        parts, ok = [], True
        for key, label in (("s3", "S3"), ("snapshot", "snapshots"), ("ebs", "EBS regions")):
            sw = sweeps.get(key)
            if not sw:
                continue
            ours, peer = sw["wall"].get("ours"), sw["wall"].get("c7n")
            peer_fixed = [r["fixed"] for r in sw["runs"]["c7n"]]
            if min(peer_fixed) < sw["runs"]["c7n"][0]["size"]:
                parts.append(f"{label}: c7n changed {max(peer_fixed)}/{sw['runs']['c7n'][0]['size']} — no valid "
                             f"comparison (ours {ours['median']:.1f} s)")
                continue
            speed = peer["median"] / ours["median"]
            ok &= speed >= targets["sweep_speedup"]
            parts.append(f"{label}: {speed:.1f}x")
        w(f"| sweeps ≥ {targets['sweep_speedup']}x faster than c7n | {'; '.join(parts)} | {met(ok)} |")
    w("")

    rows = goals(d, targets)
    if rows:
        w("## Round two (issue 20)")
        w("")
        w("| goal | before | this run | |")
        w("|---|---|---|---|")
        for r in rows:
            w(r)
        w("")
        before = d.get("before") or {}
        if (d.get("before_same_machine") or {}).get("functions"):
            same = d["before_same_machine"]["functions"]
            fns = d.get("functions") or {}
            now = {f: fns[f]["callgrind"]["warm_ir"]["median"] for f in same if (fns.get(f) or {}).get("callgrind")}
            growth = sorted((now[f] / x["warm_ir"]["median"] - 1) * 100 for f, x in same.items() if f in now)
            if not growth:
                grew = "no warm remediation of today's binaries was counted in this run"
            elif growth[-1] <= 1:
                grew = "a warm remediation needs no more instructions than it did"
            else:
                grew = (f"a warm remediation needs {max(growth[0], 0):.0f}–{growth[-1]:.0f}% more instructions "
                        "than it did")
            w("Instructions of the binaries before issue 20 (commit bc0cec6, built into `BENCH_BEFORE_TARGET`), "
              + (d["before_same_machine"].get("note") or "counted in this run the way today's are (same machine, "
                                                          "emulator and payloads)") + ": warm "
              + ", ".join(f"`{f}` {x['warm_ir']['median'] / 1e6:.2f} M" for f, x in same.items())
              + "; cold " + ", ".join(f"`{f}` {x['cold_ir']['median'] / 1e6:.1f} M" for f, x in same.items()) + ". "
              "Cold starts need a quarter of the instructions they needed (the trust store); " + grew + ". "
              "Between the two commits the warm path gained the typed event envelopes, the report's console and "
              "finding links, the per-protocol SNS message (e-mail text and JSON in one publish), the EMF metrics "
              "line, the exception and ledger checks (both off here) and, for S3's event, the concurrent read of "
              "state and tags. Where it goes: `BENCH_PROFILE=1` (a symbols build, callgrind by function); the "
              "README's Benchmarks section has the profile of S3.")
            w("")
        elif before.get("cpu") and before["cpu"] not in m["cpu"]:
            w(f"The counts before issue 20 were taken on an {before['cpu']}; this machine is an {m['cpu']}. Instruction "
              "counts are exact for one binary on one machine, but not across processors: glibc picks its memcpy and "
              "memset variants, and aws-lc its code paths, by the processor's features. A manual payload's warm path is "
              "the same as before (the engine's concurrency serves events only; KMS's first DescribeKey moved from "
              "locate to the read), so whether the counts grew can only be told by counting main's binaries on this "
              "machine, a release build of about an hour here under load that did not fit in this run.")
            w("")
    w(analysis(d, targets, present))
    out.extend(q128_section(d, targets) if d.get("q128") else [])
    out.extend(critical_section(d, targets))
    out.extend(mixed_section(d, targets))

    if sizes.get("functions"):
        w("## Sizes, every function")
        w("")
        w("| function | binary (x86_64) | binary (arm64) | zip (arm64) |")
        w("|---|---|---|---|")
        for f in sizes["functions"]:
            arm = sizes.get("arm64", {}).get(f, {})
            w(f"| `{f}` | {mib(sizes.get('x86_64', {}).get(f))} | {mib(arm.get('binary'))} | {mib(arm.get('zip'))} |")
        w("")
        w(f"arm64: {sizes.get('arm64_source') or sizes.get('arm64_error', '')}. x86_64: the stripped release binary "
          "in `target/release` that this run measured.")
        w("")

    # ---- our functions ----
    if fns:
        w("## Our functions")
        w("")
        w("| function | cold start → first answer | own part | init alone | peak RSS | binary (x86_64) | binary (arm64) | "
          "zip (arm64) | warm remediation | own part | warm CPU | warm instructions | AWS calls (minimum) |")
        w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for f in present:
            x = fns[f]
            arm = sizes.get("arm64", {}).get(f, {})
            cg = x.get("callgrind") or {}
            w(f"| `{f}` | {ms(x['cold']['first_answer_s'])} | {ms(x['calls']['own_cold_s'])} | {ms(x['cold']['init_s'])} | "
              f"{mib_kb(x['cold']['rss_kb'])} | {mib(sizes.get('x86_64', {}).get(f))} | {mib(arm.get('binary'))} | "
              f"{mib(arm.get('zip'))} | {ms(x['warm']['latency_s'], 'p10p90')} | {ms(x['calls']['own_warm_s'])} | "
              f"{ms(x['warm']['cpu_s'], 'p10p90')} | {fmt(cg.get('warm_ir'), ' M', 1e-6)} | "
              f"{calls(x['calls'])} ({x['calls']['minimum']}) |")
        w("")
        w("- *cold start → first answer*: from the exec of the binary to the answer of its first invocation "
          "(one remediation against the emulator, SNS publish included), on the Runtime API emulator. "
          "*init alone*: exec to the first `GET /runtime/invocation/next`. *own part*: the same, minus the time the "
          "function's requests waited for the emulator (measured in separate runs through the counting proxy, "
          "which adds its own small overhead to this figure"
          + ("; the proxy answers every request with `Connection: close`, so in those runs each request opens a "
             "connection again, and its setup is in the own part" if s.get("moto_keepalive") else "") + ").")
        w("- The same cold start through **cargo lambda's own emulator** (`cargo lambda watch --only-lambda-apis`, "
          "timed from the exec to the HTTP answer of the invoke): " + "; ".join(
              f"`{f}` {ms(fns[f]['watch_cold'].get('first_answer_s'))}" if "first_answer_s" in fns[f]["watch_cold"]
              else f"`{f}` not measured ({fns[f]['watch_cold'].get('error')})" for f in present) + ".")
        if sizes:
            w(f"- *sizes*: x86_64 is the stripped release binary in `target/release`; arm64 comes from "
              f"{sizes.get('arm64_source') or 'nowhere (' + str(sizes.get('arm64_error', ''))[:200] + ')'}.")
        w("- *peak RSS*: VmHWM after the first answer; after "
          f"{s['warm_runs']} more remediations: " + ", ".join(
              f"{fns[f]['warm']['rss_after_warm_kb'] / 1024:.1f} MiB" for f in present) + " (same order).")
        w("- *warm CPU*: CPU time (user + system, every thread, /proc/<pid>/task/*/schedstat) of one remediation in a "
          "warm process; *warm instructions*: instructions executed per warm remediation under callgrind "
          "(counters dumped and zeroed after the cold invocation).")
        if all(fns[f].get("callgrind") for f in present):
            w("- *cold instructions* (start, init and first remediation, under callgrind): " + ", ".join(
                f"{fns[f]['callgrind']['cold_ir']['median'] / 1e6:.0f} M" for f in present) + " (same order).")
        w("- *AWS calls*: counted at a proxy in front of the emulator for one warm remediation. The minimum is read, "
          "write, read-back, publish (KMS needs two writes: cancel the deletion, enable the key).")
        w("")

        # ---- per remediation against the peers ----
        w("## One remediation: ours against the peers")
        w("")
        w("Ratios are ours / peer (below 1: ours is smaller or faster). Cold: a fresh process per remediation "
          "(Python: interpreter start and imports included). Warm: the same process, the next event.")
        w("")
        for f in present:
            x = fns[f]
            has_c7n = "c7n_cold" in x
            w(f"### `{f}`")
            w("")
            head = "| | ours | boto3 (runbook style) | ours / boto3 |"
            if has_c7n:
                head += " Cloud Custodian | ours / c7n |"
            w(head)
            w("|---|---|---|---|" + ("---|---|" if has_c7n else ""))

            def row(label, ours, b, c, show, ratios=True):
                line = f"| {label} | {show(ours)} | {show(b)} | {ratio(ours, b) if ratios else ''} |"
                if has_c7n:
                    line += f" {show(c)} | {ratio(ours, c) if ratios else ''} |"
                w(line)
            row("cold start → answer", x["cold"]["first_answer_s"], x["boto3_cold"]["first_answer_s"],
                x.get("c7n_cold", {}).get("first_answer_s"), ms)
            row("CPU, cold (whole process)", x["cold"].get("cpu_s"), x["boto3_cold"].get("cpu_s"),
                x.get("c7n_cold", {}).get("cpu_s"), ms)
            row("warm remediation", x["warm"]["latency_s"], x["boto3_warm"]["latency_s"],
                x.get("c7n_warm", {}).get("latency_s"), lambda v: ms(v, "p10p90"))
            row("warm, own part (excl. emulator)", x["calls"]["own_warm_s"], x["boto3_calls"]["own_warm_s"],
                x.get("c7n_calls", {}).get("own_warm_s"), ms)
            row("warm CPU", x["warm"]["cpu_s"], x["boto3_warm"]["cpu_s"], x.get("c7n_warm", {}).get("cpu_s"),
                lambda v: ms(v, "p10p90"))
            row("peak RSS, cold", x["cold"]["rss_kb"], x["boto3_cold"]["rss_kb"], x.get("c7n_cold", {}).get("rss_kb"),
                mib_kb)
            rw = [summary([v]) if v else None for v in (x["warm"]["rss_after_warm_kb"],
                                                        x["boto3_warm"]["rss_after_warm_kb"],
                                                        x.get("c7n_warm", {}).get("rss_after_warm_kb"))]
            row("peak RSS, warm process", rw[0], rw[1], rw[2], mib_kb)
            cc = [summary([c["total"]]) if c else None for c in (x["calls"], x["boto3_calls"], x.get("c7n_calls"))]
            row("AWS calls", cc[0], cc[1], cc[2], lambda v: f"{v['median']:.0f}" if v else "–")
            nc = [new_connections(x.get(k), warm_runs(s, who)) for k, who in
                  (("warm", "ours"), ("boto3_warm", "boto3"), ("c7n_warm", "c7n"))]
            if any(v is not None for v in nc):
                row("new TCP connections per warm remediation", *[summary([v]) if v is not None else None for v in nc],
                    lambda v: f"{v['median']:.2f}" if v else "–", ratios=False)
            line = (f"| emulator state after | {state(x['cold'], s['cold_runs'])} cold, {state(x['warm'], s['warm_runs'])} warm | "
                    f"{state(x['boto3_cold'], 2 * s['peer_cold_runs'])} cold, {state(x['boto3_warm'], s['warm_runs'])} warm | |")
            if has_c7n:
                nw = max(5, s["warm_runs"] // 3)
                line += (f" {state(x['c7n_cold'], s['peer_cold_runs'])} cold, {state(x['c7n_warm'], nw)} warm | |")
            w(line)
            w("")
            w(f"Calls — boto3: {calls(x['boto3_calls'])}" + (f"; c7n: {calls(x['c7n_calls'])}" if has_c7n else "") + ".")
            errs = x.get("c7n_warm", {}).get("errors") or x.get("c7n_cold", {}).get("errors")
            if errs:
                w(f"c7n logged errors: `{errs[0][:200]}`")
            w("")

    # ---- sweeps ----
    if sweeps:
        w("## Sweeps")
        w("")
        w("Wall time from process start to the end (ours: exec of the binary to the answer of a `{\"sweep\": true}` "
          "invocation, cold; c7n: `custodian run` / `c7n-org run` process; boto3: `python baseline.py sweep`, a "
          "list-then-fix loop). *Fixed* is read back from the emulator after the run.")
        w("")
        w("| sweep | implementation | wall time | inside the process | fixed (read back) | AWS calls per resource | "
          "peak RSS | ours / this (wall) |")
        w("|---|---|---|---|---|---|---|---|")
        labels = {"s3": "S3 buckets", "snapshot": "public snapshots", "ebs": "EBS default encryption, regions"}
        names = {"ours": "ours", "c7n": "c7n", "c7n-single": "c7n, `custodian run -r` × all regions",
                 "boto3": "boto3 (runbook style)"}
        for key in ("s3", "snapshot", "ebs"):
            sw = sweeps.get(key)
            if not sw:
                continue
            for name, runs in sw["runs"].items():
                if not runs:
                    continue
                fixed = [r["fixed"] for r in runs]
                size = runs[0]["size"]
                fixed_s = f"{min(fixed)}/{size}" if min(fixed) == max(fixed) else f"{min(fixed)}–{max(fixed)}/{size}"
                if min(fixed) < size:
                    fixed_s = f"**{fixed_s}**"
                c = sw["calls"].get(name)
                per = f"{c['total'] / c['size']:.1f} ({c['total']} for {c['size']})" if c else "–"
                if name == "ours":
                    rel = ""
                elif min(fixed) < size:
                    rel = "not comparable: it did not fix them"
                else:
                    rel = ratio(sw["wall"]["ours"], sw["wall"][name])
                rss = max(r["rss_kb"] or 0 for r in runs) / 1024
                procs = max(r.get("processes") or 1 for r in runs)
                memory = f"{rss:.0f} MiB" + (f" (PSS, {procs} processes)" if procs > 1 else "")
                kinds = sorted({e.split("'errorType': '", 1)[1].split("'", 1)[0] for e in
                                (r.get("error") or "" for r in runs) if "'errorType': '" in e})
                if kinds:
                    fixed_s += f", but the invocation failed: `{', '.join(kinds)}` (see above)"
                errors = [r["error"] for r in runs if r.get("error") and "'errorType'" not in r["error"]]
                if errors:
                    fixed_s += f", error: `{errors[0].strip().splitlines()[-1][:120]}`"
                label = names[name]
                if key == "ebs" and name == "c7n":
                    label = "c7n (`c7n-org run`: one process per region, 4 per CPU at once)"
                w(f"| {labels[key]} ({sw['size']}) | {label} | {fmt(sw['wall'][name], ' s')} | "
                  f"{fmt(sw['inner'][name], ' s')} | {fixed_s} | {per} | {memory} | {rel} |")
        w("")
        for key in ("s3", "snapshot", "ebs"):
            sw = sweeps.get(key)
            if not sw:
                continue
            w(f"Calls, {labels[key]} (counted at {sw['calls']['ours']['size']}): " + "; ".join(
                f"{n}: " + ", ".join(f"{k.split(':', 1)[1]} {v}" for k, v in sorted(c["by_operation"].items(),
                                                                                    key=lambda kv: -kv[1]))
                for n, c in sw["calls"].items()) + ".")
            w("")

    # ---- profile ----
    profiled = [f for f in present if fns[f].get("profile")]
    if profiled:
        w("## Where the instructions go")
        w("")
        w("One callgrind run per function of the same release build with its symbols kept (`BENCH_PROFILE`; "
          "`target/bench-symbols`), read with `callgrind_annotate`. *Self*: instructions in the function itself; "
          "*inclusive*: with everything it calls. Per warm remediation, and for the whole cold start (exec, init "
          "and the first remediation).")
        w("")
        for f in profiled:
            p = fns[f]["profile"]
            for phase, per_label in (("warm", "per warm remediation"), ("cold", "cold start + first remediation")):
                total = p[f"{phase}_ir"]
                w(f"<details><summary><code>{f}</code>, {per_label}: {total / 1e6:.2f} M instructions</summary>")
                w("")
                w("| self, M | function | | inclusive, M | function |")
                w("|---|---|---|---|---|")
                self_rows = p[f"{phase}_self"][:20]
                seen, incl_rows = set(), []
                for r in p[f"{phase}_inclusive"]:
                    if interesting(r[1]) and short(r[1]) not in seen:
                        seen.add(short(r[1]))
                        incl_rows.append(r)
                incl_rows = incl_rows[:20]
                for i in range(max(len(self_rows), len(incl_rows))):
                    a = self_rows[i] if i < len(self_rows) else None
                    b = incl_rows[i] if i < len(incl_rows) else None
                    w(f"| {a[0] / 1e6:.2f} | `{short(a[1])}` | | " if a else "| | | | ", )
                    out[-1] += (f"{b[0] / 1e6:.2f} | `{short(b[1])}` |" if b else " | |")
                w("")
                w("</details>")
                w("")
    w("## How to reproduce")
    w("")
    w("```sh")
    w("make bench                                  # builds the release binaries, installs the peers, writes this file")
    w("BENCH_BUCKETS=200 BENCH_SNAPSHOTS=200 BENCH_REPEATS=1 make bench   # a quicker run")
    w("BENCH_PROFILE=1 make bench                  # also builds with symbols for the profile tables (as long again)")
    w("BENCH_MOTO_KEEPALIVE=0 make bench           # moto_server as it comes: a TCP connection per request")
    w("```")
    w("")
    w("Needs Rust, Python 3 and valgrind (instruction counts; skipped with a note when missing). Everything else is "
      "installed on first use: moto and cargo-lambda into `.venv` (requirements-dev.txt), Cloud Custodian and "
      "c7n-org into `bench/.venv` (bench/requirements.txt; c7n pins its own boto3). The arm64 zip sizes are those of "
      "`make build`'s binaries (target/lambda/), which `make bench` runs first. Every setting is in `bench/run.py`'s docstring. The scripts: "
      "`bench/run.py` (driver), `moto_keepalive.py` (moto's server with HTTP keep-alive), `runtime_api.py` (the "
      "Lambda Runtime API emulator that times the functions), "
      "`proxy.py` (request counting), `baseline.py` (the boto3 runbook-style fixes), `c7n_worker.py` (Custodian's "
      "Lambda handler), `controls.py` (seeding and reading back), `report.py` (this file).")
    sys.stdout.flush()
    return "\n".join(out) + "\n"


def readme_section(d, targets):
    """The `## Benchmarks` section of README.md: the headline tables, from the same results."""
    full = render(d, targets).split("\n")
    m, s = d["machine"], d["settings"]
    fns, sweeps = d.get("functions", {}), d.get("sweeps", {})
    present = [f for f in FUNCTIONS if f in fns]
    out = ["## Benchmarks", ""]
    w = out.append
    load = d.get("load") or {}
    q_fns = (d.get("q128") or {}).get("functions", {})
    w(f"`make bench` (about {d['elapsed_s'] / 60:.0f} minutes once the release binaries are built) runs our "
      f"functions ({len(present)} of them remediation by remediation against both peers, {len(q_fns)} in the 128 MB "
      "cold starts, all of them in the sizes), Cloud Custodian (c7n) and a plain boto3 fix in the style of AWS's SSM remediation runbooks "
      "against the same moto emulator in one run"
      + (" (HTTP connections kept alive, as AWS does)" if s.get("moto_keepalive") else "")
      + ", reads the emulator's state back after each, and writes "
      "[bench/RESULTS.md](bench/RESULTS.md) (every number with its spread, the profile, and why each missed target "
      f"is missed). Last run: {m['date']}, {m['nproc']} CPUs ({m['cpu']}), "
      + (f"shared and loaded (load average {load.get('median', 0):.1f}), so wall-clock times are pessimistic; "
         "instruction counts are not." if loaded(d)
         else f"load average {load.get('median', 0):.1f}."))
    w("")
    start = full.index("## Targets")
    end = full.index("", start + 3)
    out += full[start + 2:end]
    w("")
    rows = goals(d, targets)
    if rows:
        w("Round two (issue 20: the 128 MB profile, the trust store, realistic sweeps, the critical path):")
        w("")
        w("| goal | before | this run | |")
        w("|---|---|---|---|")
        out.extend(rows)
        w("")
    w("| function | cold start → first answer (own part) | init | peak RSS | arm64 zip | warm remediation CPU | "
      "AWS calls |")
    w("|---|---|---|---|---|---|---|")
    sizes = d.get("sizes", {})
    for f in present:
        x = fns[f]
        z = sizes.get("arm64", {}).get(f, {}).get("zip")
        w(f"| `{f}` | {x['cold']['first_answer_s']['median'] * 1000:.0f} ms "
          f"({x['calls']['own_cold_s']['median'] * 1000:.0f} ms) | {x['cold']['init_s']['median'] * 1000:.1f} ms | "
          f"{x['cold']['rss_kb']['median'] / 1024:.1f} MiB | {mib(z)} | {x['warm']['cpu_s']['median'] * 1000:.2f} ms | "
          f"{x['calls']['total']} |")
    w("")
    if present:
        cold_b = [fns[f]["boto3_cold"]["first_answer_s"]["median"] * 1000 for f in present]
        cold_c = [fns[f]["c7n_cold"]["first_answer_s"]["median"] * 1000 for f in present if "c7n_cold" in fns[f]]
        rss_b = [fns[f]["boto3_cold"]["rss_kb"]["median"] / 1024 for f in present]
        rss_c = [fns[f]["c7n_cold"]["rss_kb"]["median"] / 1024 for f in present if "c7n_cold" in fns[f]]
        cpu_b = [fns[f]["boto3_warm"]["cpu_s"]["median"] * 1000 for f in present]
        cpu_c = [fns[f]["c7n_warm"]["cpu_s"]["median"] * 1000 for f in present if "c7n_warm" in fns[f]]
        w(f"Per remediation, the peers: boto3 cold start {min(cold_b):.0f}–{max(cold_b):.0f} ms, "
          f"{min(rss_b):.0f}–{max(rss_b):.0f} MiB, warm CPU {min(cpu_b):.1f}–{max(cpu_b):.1f} ms; Cloud Custodian "
          f"(its Lambda handler) cold start {min(cold_c):.0f}–{max(cold_c):.0f} ms, {min(rss_c):.0f}–{max(rss_c):.0f} "
          f"MiB, warm CPU {min(cpu_c):.0f}–{max(cpu_c):.0f} ms.")
        slower = [f for f in present
                  if fns[f]["warm"]["latency_s"]["median"] > fns[f]["boto3_warm"]["latency_s"]["median"]]
        if slower:
            times = [fns[f]["calls"]["total"] / fns[f]["boto3_calls"]["total"] for f in slower
                     if fns[f]["boto3_calls"].get("total")]
            out[-1] += (f" Against the emulator a warm remediation of ours takes longer end to end than the boto3 fix "
                        f"for {len(slower)} of {len(present)} functions"
                        + (f", which make {span(times, 1)} times its requests" if times else "") + ".")
        out[-1] += " The ratios per measurement are in RESULTS.md."
        w("")
    if sweeps:
        first = next(i for i, line in enumerate(full) if i > full.index("## Sweeps") and line.startswith("|"))
        last = next(i for i in range(first, len(full)) if not full[i].startswith("|"))
        w(f"Sweeps (wall time, median of {s['repeats']} runs; *fixed* read back from the emulator):")
        w("")
        keep = [0, 1, 2, 4, 5, 7]  # sweep, implementation, wall time, fixed, calls per resource, ours / this
        for line in full[first:last]:
            if line.startswith("|---"):
                w("|" + "---|" * len(keep))
                continue
            cells = line.strip().strip("|").split(" | ")
            w("| " + " | ".join(cells[i].strip() for i in keep if i < len(cells)) + " |")
        w("")
    out = [line.replace("(see above)", "(see bench/RESULTS.md)") for line in out]
    w = out.append
    w("Reproduce: `make bench` (needs Rust, Python 3 and valgrind; `BENCH_BUCKETS`, `BENCH_SNAPSHOTS`, "
      "`BENCH_REGIONS`, `BENCH_REPEATS` and the rest are in `bench/run.py`'s docstring).")
    w("")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    import pathlib
    data = json.loads(pathlib.Path(sys.argv[1]).read_text())
    from run import BEFORE, TARGETS
    data.setdefault("before", BEFORE)  # as run.py renders it
    print(render(data, TARGETS))

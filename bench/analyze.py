#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""Turn uaccel-bench's raw samples into ratios, a table, JSON and a plot.

usage: analyze.py RAW.jsonl --json OUT.json --table OUT.txt [--plot OUT.png]
                  [--cipher-plot OUT.png] [--host HOST.json] [--check]

Each pair's ratio is computed per repeat (uaccel / baseline, both sides
measured moments apart in the same VM run) and reported as the median of
those ratios with their min, max and interquartile range.  Times: lower is
better; rates and bandwidths: higher is better.  --check prints TAP lines
("ok - bench: smoke ...") about the shape of the results, not the figures.

The cipher group's points (throughput of each path at each buffer size and
batch) become ratio rows the same way, per repeat, and a crossover: the
smallest buffer size from which uaccel on vcrypto beats OpenSSL at every
larger size.  --cipher-plot draws throughput against buffer size, one line
per path, batch 1 and batch 32 side by side.

--host names what bench/run-bench.sh recorded of the host: its CPU model,
load averages before and after the VM run, and the CPU time that processes
other than the VM used during it.  A run during which they used more than
LOAD_LIMIT CPU-seconds per second is marked as taken under load: its
table withholds the verdicts, since its figures are not a result.  A pair
whose baseline spread (IQR over median) stayed over WIDE_SPREAD after
uaccel-bench's repeated attempts is marked "wide".
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

# id -> (comparison, bound, what the target says)
TARGETS = {
    "facet_open": ("<=", 0.5, "facet acquisition <= 0.5x the dedicated-cdev open"),
    "ioctl_nop": ("<=", 1.10, "no-op facet ioctl <= 1.10x the bare ioctl"),
    "open": ("<=", 0.7, "control op <= 0.7x rdma-core on rxe"),
    "pd": ("<=", 0.7, "control op <= 0.7x rdma-core on rxe"),
    "mr_4k": ("<=", 0.7, "control op <= 0.7x rdma-core on rxe"),
    "mr_1m": ("<=", 0.7, "control op <= 0.7x rdma-core on rxe"),
    "mr_64m": ("<=", 0.7, "control op <= 0.7x rdma-core on rxe"),
    "cq": ("<=", 0.7, "control op <= 0.7x rdma-core on rxe"),
    "copy_facet": (">=", 0.8, "64 MiB copy >= 0.8x memcpy bandwidth"),
    "copy_queue": (">=", 0.8, "64 MiB copy >= 0.8x memcpy bandwidth"),
}

PAIR_IDS = ["open", "pd", "mr_4k", "mr_1m", "mr_64m", "cq", "mr_4k_uring",
            "mr_4k_uring_rxe", "mr_dmabuf_1m", "ioctl_nop", "facet_open", "copy_facet",
            "copy_queue", "copy_movsb"]
PATHS = ["io_uring", "io_uring-sqpoll", "soft", "soft-worker", "soft-generic",
         "soft-polling", "uring-cmd", "uring-cmd-inline", "bare-ioctl", "bare-uring-cmd"]
# CPU-seconds per second used by other processes that make a run "under load".
LOAD_LIMIT = 0.10
# Baseline IQR over median that makes a pair "wide".
WIDE_SPREAD = 0.10
# Rate comparisons: (uaccel path, baseline path, batches, target or None)
RATE_ROWS = [
    ("soft", "io_uring", (1, 32), (">=", 1.0, "soft rate >= 1.0x io_uring NOP")),
    ("soft-polling", "io_uring", (1, 32),
     (">=", 2.0, "soft polling rate >= 2x io_uring NOP")),
    ("soft-worker", "io_uring", (1, 32), None),
    ("soft", "soft-worker", (1, 32), None),
    ("soft-generic", "io_uring", (1, 32), None),
    ("soft-polling", "io_uring-sqpoll", (1, 32), None),
    # Facet NOPs through io_uring passthrough (IORING_OP_URING_CMD); the
    # targets on the fastest form, the command inline in the SQE.
    ("uring-cmd-inline", "bare-ioctl", (1, 8), None),
    ("uring-cmd-inline", "bare-ioctl", (32,),
     (">=", 2.0, "uring_cmd facet NOP at B=32 >= 2x the bare ioctl")),
    ("uring-cmd-inline", "io_uring", (1, 8), None),
    ("uring-cmd-inline", "io_uring", (32,),
     (">=", 0.7, "uring_cmd facet NOP at B=32 >= 0.7x io_uring NOP")),
    ("uring-cmd", "bare-ioctl", (1, 32), None),
    # What the core adds to a passthrough command: the same NOP of a bare
    # char device's .uring_cmd (uaccel_bench.ko) as the baseline.
    ("uring-cmd", "bare-uring-cmd", (1, 32), None),
    ("uring-cmd-inline", "bare-uring-cmd", (1, 32), None),
]

CIPHER_PATHS = ["uaccel-soft", "uaccel-soft-submit", "afalg-soft", "afalg-soft-splice",
                "openssl", "uaccel-vcrypto", "uaccel-vcrypto-submit", "afalg-virtio",
                "afalg-virtio-splice", "afalg-cbc-aes"]
CIPHER_SIZES = (64, 4096, 65536, 1048576)
# Plot: one colour per side (soft blue, vcrypto red), uaccel solid, AF_ALG dashed.
CIPHER_STYLE = {
    "uaccel-soft": ("#1f4e9c", 1), "uaccel-soft-submit": ("#4aa3df", 1),
    "afalg-soft": ("#1f4e9c", 2), "afalg-soft-splice": ("#4aa3df", 2),
    "uaccel-vcrypto": ("#b2182b", 1), "uaccel-vcrypto-submit": ("#f4a582", 1),
    "afalg-virtio": ("#b2182b", 2), "afalg-virtio-splice": ("#f4a582", 2),
    "openssl": ("#000000", 1), "afalg-cbc-aes": ("#1a9850", 3),
}
_T_SOFT = (">=", 1.0, "uaccel soft >= 1.0x AF_ALG on the same kernel AES")
_T_VC_4K = (">=", 1.5, "uaccel vcrypto >= 1.5x AF_ALG virtio_crypto throughput at 4 KiB")
_T_VC_64 = (">=", 2.0, "uaccel vcrypto >= 2x AF_ALG virtio_crypto op rate at 64 B, B=32")
# (uaccel path, baseline path, batch, {size: target})
CIPHER_ROWS = [
    ("uaccel-soft", "afalg-soft", 1, {z: _T_SOFT for z in CIPHER_SIZES}),
    ("uaccel-soft", "afalg-soft-splice", 1, {z: _T_SOFT for z in CIPHER_SIZES}),
    ("uaccel-soft-submit", "afalg-soft", 32, {z: _T_SOFT for z in CIPHER_SIZES}),
    ("uaccel-soft-submit", "afalg-soft-splice", 32, {z: _T_SOFT for z in CIPHER_SIZES}),
    ("uaccel-soft", "afalg-soft", 32, {}),
    ("uaccel-vcrypto", "afalg-virtio", 1, {4096: _T_VC_4K}),
    ("uaccel-vcrypto", "afalg-virtio-splice", 1, {4096: _T_VC_4K}),
    ("uaccel-vcrypto-submit", "afalg-virtio", 32, {64: _T_VC_64, 4096: _T_VC_4K}),
    ("uaccel-vcrypto-submit", "afalg-virtio-splice", 32, {64: _T_VC_64, 4096: _T_VC_4K}),
    ("uaccel-vcrypto", "afalg-virtio", 32, {}),
    ("uaccel-vcrypto", "openssl", 1, {}),
    ("uaccel-vcrypto-submit", "openssl", 32, {}),
    ("uaccel-soft", "openssl", 1, {}),
    ("uaccel-soft", "afalg-cbc-aes", 1, {}),
    ("afalg-soft", "afalg-cbc-aes", 1, {}),
]


def size_name(z):
    return f"{z >> 20} MiB" if z >= 1 << 20 else f"{z >> 10} KiB" if z >= 1024 else f"{z} B"


def quantile(xs, q):
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0]
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def spread(xs):
    return {
        "median": statistics.median(xs),
        "min": min(xs),
        "max": max(xs),
        "q1": quantile(xs, 0.25),
        "q3": quantile(xs, 0.75),
        "n": len(xs),
    }


def rel_iqr(xs):
    """Interquartile range over median (0 for a median of 0)."""
    sp = spread(xs)
    return (sp["q3"] - sp["q1"]) / sp["median"] if sp["median"] else 0


def verdict(target, ratio):
    if not target:
        return None
    op, bound, _ = target
    return ratio <= bound if op == "<=" else ratio >= bound


def load(path):
    recs = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if line:
                try:
                    recs.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise SystemExit(f"{path}:{n}: not JSON: {e}")
    return recs


def analyze(recs):
    meta = next((r for r in recs if r["kind"] == "meta"), {})
    skipped = [r for r in recs if r["kind"] == "skip"]
    rows = []
    for r in recs:
        if r["kind"] != "pair":
            continue
        ratios = [a / b for a, b in zip(r["a_samples"], r["b_samples"]) if b]
        target = TARGETS.get(r["id"])
        ratio = spread(ratios)
        rows.append({
            "id": r["id"], "group": r["group"], "label": r["label"],
            "unit": r["unit"], "a": r["a"], "b": r["b"],
            "attempts": int(r.get("attempts", 1)),
            "wide": rel_iqr(r["b_samples"]) > WIDE_SPREAD,
            "a_value": spread(r["a_samples"]), "b_value": spread(r["b_samples"]),
            "ratio": ratio,
            "better": "higher" if r["unit"] != "ns" else "lower",
            "target": {"op": target[0], "value": target[1], "text": target[2]}
            if target else None,
            "met": verdict(target, ratio["median"]),
        })
    rates = {}
    for r in recs:
        if r["kind"] == "rate":
            rates[(r["path"], int(r["batch"]))] = r["samples"]
    rate_points = [dict(path=p, batch=b, unit="ops/s", **spread(s))
                   for (p, b), s in sorted(rates.items(), key=lambda kv: (PATHS.index(kv[0][0]) if kv[0][0] in PATHS else 99, kv[0][1]))]
    has_cipher = any(r["kind"] == "cipher" for r in recs)
    for ua, base, batches, target in RATE_ROWS if rates or not has_cipher else []:
        for b in batches:
            sa, sb = rates.get((ua, b)), rates.get((base, b))
            rid = f"rate_{ua}_vs_{base}_b{b}"
            label = f"rate {ua} / {base}, B={b}"
            if not sa or not sb:
                why = next((s["reason"] for s in skipped
                            if s["id"] in (ua, base)), "not measured")
                rows.append({"id": rid, "group": "rates", "label": label,
                             "unit": "ops/s", "a": ua, "b": base,
                             "skipped": why,
                             "target": {"op": target[0], "value": target[1],
                                        "text": target[2]} if target else None,
                             "met": None})
                continue
            ratio = spread([a / bb for a, bb in zip(sa, sb) if bb])
            rows.append({
                "id": rid, "group": "rates", "label": label, "unit": "ops/s",
                "a": ua, "b": base, "a_value": spread(sa), "b_value": spread(sb),
                "ratio": ratio, "better": "higher",
                "target": {"op": target[0], "value": target[1], "text": target[2]}
                if target else None,
                "met": verdict(target, ratio["median"]),
            })
    cipher = {}
    for r in recs:
        if r["kind"] == "cipher":
            # Sizes are printed with 6 significant digits: the nearest one.
            z = min(CIPHER_SIZES, key=lambda c: abs(c - float(r["size"])))
            cipher[(r["path"], z, int(r["batch"]))] = r["samples"]
    cipher_points = [dict(path=p, size=z, batch=b, unit="MB/s", **spread(sm))
                     for (p, z, b), sm in sorted(cipher.items(), key=lambda kv: (
                         CIPHER_PATHS.index(kv[0][0]) if kv[0][0] in CIPHER_PATHS else 99,
                         kv[0][2], kv[0][1]))]
    for ua, base, b, targets in CIPHER_ROWS if cipher else []:
        for z in CIPHER_SIZES:
            if b > 1 and z > 65536:
                continue  # not measured by design: 32 MiB an iteration
            sa, sb = cipher.get((ua, z, b)), cipher.get((base, z, b))
            target = targets.get(z)
            rid = f"cipher_{ua}_vs_{base}_{z}_b{b}"
            label = f"{ua} / {base}, {size_name(z)} B={b}"
            tgt = {"op": target[0], "value": target[1], "text": target[2]} if target else None
            if not sa or not sb:
                why = next((s["reason"] for s in skipped if s["id"] in (ua, base)),
                           "not measured")
                rows.append({"id": rid, "group": "cipher", "label": label, "unit": "MB/s",
                             "a": ua, "b": base, "skipped": why, "target": tgt, "met": None})
                continue
            ratio = spread([a / bb for a, bb in zip(sa, sb) if bb])
            rows.append({
                "id": rid, "group": "cipher", "label": label, "unit": "MB/s",
                "a": ua, "b": base, "a_value": spread(sa), "b_value": spread(sb),
                "ratio": ratio, "better": "higher", "target": tgt,
                "met": verdict(target, ratio["median"]),
            })
    crossover = {}
    for ua, b in (("uaccel-vcrypto", 1), ("uaccel-vcrypto-submit", 32), ("uaccel-soft", 1)):
        meds = []
        for z in CIPHER_SIZES:
            sa, sb = cipher.get((ua, z, b)), cipher.get(("openssl", z, b))
            if sa and sb:
                meds.append((z, statistics.median([a / bb for a, bb in zip(sa, sb) if bb])))
        if not meds:
            continue
        cross = None
        for i, (z, _) in enumerate(meds):
            if all(m >= 1 for _, m in meds[i:]):
                cross = z
                break
        crossover[f"{ua} B={b}"] = {"size": cross,
                                    "ratios": {str(z): round(m, 3) for z, m in meds}}
    scale = [r for r in recs if r["kind"] == "scale"]
    scale_summary = None
    if scale:
        keys = [k for k in scale[0] if k not in ("kind",)]
        scale_summary = {k: spread([s[k] for s in scale]) for k in keys}
        scale_summary["remove_over_create"] = spread(
            [s["remove_s"] / s["create_s"] for s in scale if s["create_s"]])
    metas = {}
    for r in recs:
        if r["kind"] == "meta":
            metas.update(r)
    return {"meta": metas, "rows": rows, "rates": rate_points,
            "cipher": cipher_points, "cipher_crossover": crossover,
            "scale": scale_summary, "scale_runs": scale, "skipped": skipped}


def fmt(v, unit):
    if unit == "ns":
        if v >= 1e6:
            return f"{v / 1e6:.3g} ms"
        if v >= 1e3:
            return f"{v / 1e3:.3g} us"
        return f"{v:.3g} ns"
    if unit == "MB/s":
        return f"{v:.3g} MB/s" if v < 1e3 else f"{v / 1e3:.3g} GB/s"
    if unit == "ops/s":
        if v >= 1e6:
            return f"{v / 1e6:.3g} M/s"
        if v >= 1e3:
            return f"{v / 1e3:.3g} k/s"
        return f"{v:.3g} /s"
    return f"{v:.3g} {unit}"


def table(res):
    out = []
    host = res.get("host")
    if host:
        la, lb = host.get("loadavg_before", []), host.get("loadavg_after", [])
        out.append(f"host: {host.get('cpu_model', '?')}, {host.get('cpus', '?')} CPUs; "
                   f"load average {'/'.join(map(str, la))} before, {'/'.join(map(str, lb))} after; "
                   f"other processes {host.get('other_cpu', 0):.2f} CPU-s/s during the run")
    if res.get("under_load"):
        out.append(f"UNDER LOAD: other processes used more than {LOAD_LIMIT:g} CPU-s/s during "
                   "this run; its figures are not a result and no verdict is given.")
    if out:
        out.append("")
    w = max([44] + [len(r["label"]) for r in res["rows"]])
    hdr = f"{'row':<{w}} {'uaccel':>10} {'baseline':>10}  {'ratio':>6} {'[min-max]':>15} {'IQR':>13}  {'target':>7}  result"
    out.append(hdr)
    out.append("-" * len(hdr))
    for r in res["rows"]:
        tgt = f"{r['target']['op']}{r['target']['value']:g}" if r.get("target") else ""
        if "skipped" in r:
            out.append(f"{r['label']:<{w}} {'-':>10} {'-':>10}  {'-':>6} {'':>15} {'':>13}  {tgt:>7}  skipped: {r['skipped']}")
            continue
        q = r["ratio"]
        met = "" if r["met"] is None else ("met" if r["met"] else "MISSED")
        if res.get("under_load") and r["met"] is not None:
            met = "(load)"
        if r.get("wide"):
            met = (met + " wide").strip()
        out.append(f"{r['label']:<{w}} {fmt(r['a_value']['median'], r['unit']):>10} "
                   f"{fmt(r['b_value']['median'], r['unit']):>10}  {q['median']:6.3f} "
                   f"{'[' + format(q['min'], '.3f') + '-' + format(q['max'], '.3f') + ']':>15} "
                   f"{format(q['q1'], '.3f') + '-' + format(q['q3'], '.3f'):>13}  {tgt:>7}  {met}")
    out.append("")
    out.append("ratio = uaccel / baseline per repeat, median over repeats; times: lower is better,")
    out.append("rates and GB/s: higher is better.")
    if res["rates"]:
        out.append("")
        out.append("operation rate (median ops/s [min-max]) by batch size:")
        batches = sorted({p["batch"] for p in res["rates"]})
        out.append(f"{'path':<16}" + "".join(f"{b:>12}" for b in batches))
        for path in PATHS:
            pts = {p["batch"]: p for p in res["rates"] if p["path"] == path}
            if not pts:
                continue
            out.append(f"{path:<16}" + "".join(
                f"{fmt(pts[b]['median'], 'ops/s') if b in pts else '-':>12}" for b in batches))
    if res.get("cipher"):
        meta = res.get("meta", {})
        out.append("")
        out.append(f"cipher AES-128-CBC encrypt, MB/s (median; ops/s = MB/s / size); soft transform "
                   f"{meta.get('cipher_soft_driver') or '?'}, virtio "
                   f"{meta.get('cipher_virtio_driver') or 'none'}, cbc(aes) "
                   f"{meta.get('cipher_default_driver') or '?'}:")
        for b in sorted({p["batch"] for p in res["cipher"]}):
            sizes = sorted({p["size"] for p in res["cipher"] if p["batch"] == b})
            out.append(f"{'B=' + str(b):<22}" + "".join(f"{size_name(z):>12}" for z in sizes))
            for path in CIPHER_PATHS:
                pts = {p["size"]: p for p in res["cipher"]
                       if p["path"] == path and p["batch"] == b}
                if pts:
                    out.append(f"{path:<22}" + "".join(
                        f"{format(pts[z]['median'], '.4g') if z in pts else '-':>12}" for z in sizes))
        for k, v in res.get("cipher_crossover", {}).items():
            where = size_name(v["size"]) if v["size"] else "none of the sizes"
            out.append(f"crossover {k} against OpenSSL: from {where} "
                       f"(ratios {', '.join(f'{size_name(int(z))} {m}' for z, m in v['ratios'].items())})")
    s = res["scale"]
    if s:
        out.append("")
        m = lambda k: s[k]["median"]
        out.append(f"scale: {m('contexts'):.0f} contexts x {m('objects_per_context'):.0f} objects "
                   f"({m('pds'):.0f} PDs, {m('mrs'):.0f} MRs, {m('cqs'):.0f} CQs), {s['create_s']['n']} runs:")
        out.append(f"  create {m('create_s'):.3f} s [{s['create_s']['min']:.3f}-{s['create_s']['max']:.3f}] "
                   f"(open {m('open_s'):.3f}, PDs {m('pd_s'):.3f}, MRs {m('mr_s'):.3f}, CQs {m('cq_s'):.3f})")
        out.append(f"  remove the device {m('remove_s'):.3f} s [{s['remove_s']['min']:.3f}-{s['remove_s']['max']:.3f}], "
                   f"remove/create {m('remove_over_create'):.3f}; close afterwards {m('close_s'):.3f} s")
        out.append(f"  kernel memory (slab): {m('slab_per_context'):.0f} B/context, {m('slab_per_pd'):.0f} B/PD, "
                   f"{m('slab_per_mr'):.0f} B/MR (4 KiB), {m('slab_per_cq'):.0f} B/CQ "
                   f"+ {m('vmalloc_per_cq'):.0f} B vmalloc/CQ ring; {m('slab_per_object'):.0f} B/object overall")
    for sk in res["skipped"]:
        out.append(f"skipped {sk['id']}: {sk['reason']}")
    return "\n".join(out) + "\n"


def plot(res, png):
    """Operation rate against batch size, one line per path (gnuplot)."""
    pts = res["rates"]
    if not pts:
        return "no rate points"
    gp = shutil.which("gnuplot")
    tmp = tempfile.mkdtemp(prefix="uaccel-plot.")
    paths = [p for p in PATHS if any(x["path"] == p for x in pts)]
    plots = []
    for i, path in enumerate(paths):
        fn = os.path.join(tmp, f"{i}.dat")
        with open(fn, "w") as f:
            for x in pts:
                if x["path"] == path:
                    f.write(f"{x['batch']} {x['median']} {x['min']} {x['max']}\n")
        plots.append(f"'{fn}' using 1:2:3:4 with yerrorlines title '{path}'")
    if gp:
        script = "\n".join([
            "set terminal pngcairo size 900,600" if _has_cairo(gp) else "set terminal png size 900,600",
            f"set output '{png}'", "set termoption noenhanced",
            "set title 'uaccel: small-operation rate against batch size (median, min-max)'",
            "set xlabel 'batch size (operations per submission)'",
            "set ylabel 'operations per second'",
            "set logscale xy 2", "set logscale y 10",
            "set key left top", "set grid",
            "plot " + ", ".join(plots),
        ])
        r = subprocess.run([gp], input=script, text=True, capture_output=True)
        shutil.rmtree(tmp)
        return None if r.returncode == 0 else r.stderr.strip()
    shutil.rmtree(tmp)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "neither gnuplot nor matplotlib is installed"
    fig, ax = plt.subplots(figsize=(9, 6))
    for path in paths:
        xs = [x for x in pts if x["path"] == path]
        ax.errorbar([x["batch"] for x in xs], [x["median"] for x in xs],
                    yerr=[[x["median"] - x["min"] for x in xs],
                          [x["max"] - x["median"] for x in xs]], label=path, marker="o")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("batch size")
    ax.set_ylabel("operations per second")
    ax.legend()
    fig.savefig(png)
    return None


def cipher_plot(res, png):
    """Throughput against buffer size, one line per path, B=1 and B=32 (gnuplot)."""
    pts = res.get("cipher")
    if not pts:
        return "no cipher points"
    gp = shutil.which("gnuplot")
    if not gp:
        return "gnuplot is not installed"
    tmp = tempfile.mkdtemp(prefix="uaccel-cplot.")
    batches = sorted({p["batch"] for p in pts})
    lines = ["set terminal pngcairo size 1300,680" if _has_cairo(gp)
             else "set terminal png size 1300,680",
             f"set output '{png}'", "set termoption noenhanced",
             f"set multiplot layout 1,{len(batches)} title "
             "'AES-128-CBC encrypt throughput against buffer size (median, min-max)'",
             "set logscale x 2", "set logscale y 10",
             "set xtics ('64 B' 64, '4 KiB' 4096, '64 KiB' 65536, '1 MiB' 1048576)",
             "set xrange [48:1400000]",
             "set xlabel 'buffer size'", "set ylabel 'MB/s (log)'",
             "set key outside bottom center horizontal maxrows 4", "set grid"]
    for b in batches:
        plots = []
        for i, path in enumerate(CIPHER_PATHS):
            xs = [p for p in pts if p["path"] == path and p["batch"] == b]
            if not xs:
                continue
            fn = os.path.join(tmp, f"{b}-{i}.dat")
            with open(fn, "w") as f:
                for x in sorted(xs, key=lambda x: x["size"]):
                    f.write(f"{x['size']} {x['median']} {x['min']} {x['max']}\n")
            color, dash = CIPHER_STYLE.get(path, ("gray", 1))
            plots.append(f"'{fn}' using 1:2:3:4 with yerrorlines lw 2 lc rgb '{color}' "
                         f"dt {dash} title '{path}'")
        lines.append(f"set title 'batch {b}'")
        lines.append("plot " + ", ".join(plots))
    lines.append("unset multiplot")
    r = subprocess.run([gp], input="\n".join(lines), text=True, capture_output=True)
    shutil.rmtree(tmp)
    return None if r.returncode == 0 else r.stderr.strip()


def _has_cairo(gp):
    r = subprocess.run([gp, "-e", "set terminal"], text=True, capture_output=True)
    return "pngcairo" in (r.stdout + r.stderr)


def check(res, json_path):
    """TAP lines about the shape of the results."""
    lines = []

    def tap(ok, what):
        lines.append(f"{'ok' if ok else 'not ok'} - bench: smoke {what}")

    try:
        with open(json_path) as f:
            back = json.load(f)
        tap(isinstance(back.get("rows"), list) and back["rows"], "results JSON is well formed")
    except (OSError, ValueError) as e:
        tap(False, f"results JSON is well formed ({e})")
    have = {r["id"] for r in res["rows"] if "skipped" not in r}
    for pid in PAIR_IDS:
        tap(pid in have, f"row {pid} measured")
    for path in PATHS:
        got = any(p["path"] == path for p in res["rates"])
        why = next((s["reason"] for s in res["skipped"] if s["id"] == path), "")
        if path == "soft-polling" and not got and why.startswith("not available"):
            lines.append(f"skip - bench: smoke rate path {path}: {why}")
            continue
        tap(got, f"rate path {path} measured" + (f" ({why})" if why else ""))
    tap(bool(res["scale"]), "scale run measured")
    for path in CIPHER_PATHS:
        got = any(p["path"] == path for p in res.get("cipher", []))
        why = next((s["reason"] for s in res["skipped"] if s["id"] == path), "")
        if not got and path in ("uaccel-soft", "uaccel-soft-submit", "afalg-soft",
                                "afalg-soft-splice"):
            tap(False, f"cipher path {path} measured" + (f" ({why})" if why else ""))
        elif not got:
            lines.append(f"skip - bench: smoke cipher path {path}: {why or 'not measured'}")
        else:
            tap(True, f"cipher path {path} measured")
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("--json", required=True)
    ap.add_argument("--table", required=True)
    ap.add_argument("--plot")
    ap.add_argument("--cipher-plot")
    ap.add_argument("--host")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    res = analyze(load(args.raw))
    if args.host:
        with open(args.host) as f:
            res["host"] = json.load(f)
        res["under_load"] = res["host"].get("other_cpu", 0) > LOAD_LIMIT
    if args.plot:
        err = plot(res, args.plot)
        res["plot"] = None if err else os.path.basename(args.plot)
        if err:
            res["plot_error"] = err
    if args.cipher_plot:
        err = cipher_plot(res, args.cipher_plot)
        res["cipher_plot"] = None if err else os.path.basename(args.cipher_plot)
        if err:
            res["cipher_plot_error"] = err
    with open(args.json, "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
        f.write("\n")
    text = table(res)
    with open(args.table, "w") as f:
        f.write(text)
    sys.stdout.write(text)
    if args.check:
        lines = check(res, args.json)
        if args.plot:
            lines.append(("ok" if os.path.exists(args.plot) else "not ok") +
                         " - bench: smoke rate plot drawn")
        print("\n".join(lines))
        return 1 if any(line.startswith("not ok") for line in lines) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

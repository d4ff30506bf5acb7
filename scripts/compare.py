#!/usr/bin/env python3
"""Time kubepatch, `kubectl patch --local` and the parse-and-print floor as
whole processes on core/v1 Endpoints of growing size.

What it does:

1. builds the release binaries (`cargo build --release --bin kubepatch
   --example floor`) unless --kubepatch and --floor name them;
2. writes the inputs into --work (default <target dir>/compare): Endpoints
   of each --sizes number of addresses, shaped as benches/fixtures/mod.rs
   makes them (several subsets with their own ports, addresses with ip,
   nodeName and a Pod targetRef), an untracked variant (no managedFields) and
   a tracked one made by the kubepatch CLI itself (the owner
   `endpoints-controller` creates the object by applying the whole
   configuration, then `labeler` applies one label; over the 3 MiB body
   limit, which the CLI refuses with 413 as kube-apiserver does, the script
   builds that object itself, checked against the CLI's at 1,000 addresses),
   and the patches: a JSON patch of 3 operations on metadata, a merge patch
   of one label, a strategic patch of 1 % of the addresses and one of every
   address, the owner's no-op re-apply and a second manager's apply of the
   whole configuration (a patch over 3 MiB — at 100,000 addresses the
   configuration and the every-address patch — is not sent to kubepatch: it
   answers 413, shown as such in the table);
3. runs each case once untimed and checks that kubepatch and kubectl print
   the same object (managedFields aside: kubectl --local does no tracking);
4. times whole processes, alternating kubepatch / kubectl / floor, --runs
   times each (kubectl only for json, merge and strategic: it has no local
   apply), stdout to /dev/null, and takes the median wall time and the
   median peak RSS of each (ru_maxrss of the child as GNU time gets it from
   wait4; see timed() for why not os.wait4 here directly);
5. prints a table with the ratios kubepatch/floor and kubectl/kubepatch,
   writes it as markdown (--out-dir/perf.md, with the date, commit, machine
   and command; the raw medians in perf.json) and plots time and peak memory
   against object size, log-log, all three tools (--out-dir/perf.png).

The floor (`examples/floor.rs`) reads both inputs, parses them with
serde_json and pretty-prints the live object: no patching.

Requirements: python3 >= 3.9 on Linux (os.wait4, os.posix_spawn), cargo,
GNU time at /usr/bin/time (`apt-get install -y time`; for the peak RSS),
kubectl (`apt-get install -y kubectl`; --kubectl none leaves it out) and
matplotlib for the plot (`pip install matplotlib`; without it the table is
still written and the plot skipped with a note).

Examples:

    python3 scripts/compare.py                          # 10 .. 100,000, 5 runs
    python3 scripts/compare.py --runs 3 --sizes 10,1000,10000
    python3 scripts/compare.py --replot docs/perf.json    # redraw docs/perf.{md,png}
    python3 scripts/compare.py --kubepatch target/release/kubepatch \\
        --floor target/release/examples/floor --kubectl /usr/bin/kubectl
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# --- the Endpoints generator: benches/fixtures/mod.rs, line for line ---------

NAMESPACE = "default"
NAME = "bench-svc"
SUBSETS = 4
NODES = 50
MASK64 = (1 << 64) - 1

PORT_SETS = [
    [
        {"name": "http", "port": 8080, "protocol": "TCP"},
        {"name": "metrics", "port": 9090, "protocol": "TCP"},
    ],
    [
        {"name": "http", "port": 8081, "protocol": "TCP"},
        {"name": "metrics", "port": 9090, "protocol": "TCP"},
    ],
    [
        {"name": "grpc", "port": 50051, "protocol": "TCP", "appProtocol": "kubernetes.io/h2c"},
        {"name": "http", "port": 8080, "protocol": "TCP"},
    ],
    [
        {"name": "dns", "port": 53, "protocol": "UDP"},
        {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
    ],
]


def ports(s):
    return json.loads(json.dumps(PORT_SETS[s % len(PORT_SETS)]))


def node_name(i):
    return "node-%03d" % (i % NODES)


def pod_ip(i):
    node, k = i % NODES, i // NODES
    return "10.%d.%d.%d" % (244 + k // 250, node, k % 250 + 2)


def pod_name(i):
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    space = 27**5
    n = (i % space) * 7_654_321 % space
    suffix = []
    for _ in range(5):
        suffix.append(alphabet[n % len(alphabet)])
        n //= len(alphabet)
    return "%s-7d9f8c6b5-%s" % (NAME, "".join(suffix))


def mix(x):
    z = (x + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def uid(seed):
    a = mix(seed)
    b = mix(seed ^ 0x9E3779B97F4A7C15)
    return "%08x-%04x-4%03x-%04x-%012x" % (
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFF,
        0x8000 | ((b >> 48) & 0x3FFF),
        b & 0xFFFFFFFFFFFF,
    )


def address(i):
    return {
        "ip": pod_ip(i),
        "nodeName": node_name(i),
        "targetRef": {"kind": "Pod", "namespace": NAMESPACE, "name": pod_name(i), "uid": uid(i + 1)},
    }


def subset_sizes(addresses):
    subsets = min(addresses, SUBSETS)
    return [addresses // subsets + (1 if s < addresses % subsets else 0) for s in range(subsets)]


SERVER_SET = {"uid": uid(0), "resourceVersion": "4242", "creationTimestamp": "2024-05-01T12:00:00Z"}


def endpoints(addresses):
    subsets, nxt = [], 0
    for s, size in enumerate(subset_sizes(addresses)):
        subsets.append({"addresses": [address(i) for i in range(nxt, nxt + size)], "ports": ports(s)})
        nxt += size
    meta = {"name": NAME, "namespace": NAMESPACE}
    meta.update(SERVER_SET)
    meta["labels"] = {
        "app": NAME,
        "app.kubernetes.io/name": NAME,
        "app.kubernetes.io/part-of": "bench",
        "tier": "backend",
        "endpointslice.kubernetes.io/skip-mirror": "false",
    }
    meta["annotations"] = {"endpoints.kubernetes.io/last-change-trigger-time": "2024-05-01T12:00:00Z"}
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta, "subsets": subsets}


def config(addresses):
    """The owner's apply configuration: the object without server-set metadata."""
    c = endpoints(addresses)
    for key in SERVER_SET:
        del c["metadata"][key]
    return c


def labeler_config():
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": {"bench.kubepatch.io/labeled-by": "yes"}},
    }


def json_patch_metadata():
    return [
        {"op": "add", "path": "/metadata/annotations/bench.kubepatch.io~1touched", "value": "2030-01-01T00:02:00Z"},
        {"op": "replace", "path": "/metadata/labels/tier", "value": "frontend"},
        {"op": "remove", "path": "/metadata/labels/endpointslice.kubernetes.io~1skip-mirror"},
    ]


def merge_patch_label():
    return {"metadata": {"labels": {"tier": "frontend"}}}


def strategic_percent(addresses):
    """1 % of the addresses (at least one of each): half move, half are new."""
    touched = max(addresses // 100, 1)
    moves = max(touched // 2, 1)
    added = max(touched - touched // 2, 1)
    first = subset_sizes(addresses)[0]
    moved = [k * first // moves for k in range(moves)]
    lst = [{"ip": pod_ip(i), "nodeName": node_name(i + 1)} for i in moved]
    lst += [address(i) for i in range(addresses, addresses + added)]
    return {"subsets": [{"addresses": lst, "ports": ports(0)}]}


def strategic_every(addresses):
    """Every subset whole, every address on the next node."""
    subsets = endpoints(addresses)["subsets"]
    i = 0
    for subset in subsets:
        for a in subset["addresses"]:
            a["nodeName"] = node_name(i + 1)
            i += 1
    return {"subsets": subsets}


def compact(value):
    return json.dumps(value, separators=(",", ":"))


def port_key(p):
    return {"name": p.get("name", ""), "port": p["port"]}


def owner_fields(cfg):
    """The FieldsV1 of the owner's apply of `cfg`, as kubepatch writes it."""
    meta = cfg["metadata"]
    subsets = {}
    for s in cfg["subsets"]:
        # kubepatch sorts the port keys (by name, then port, for named ports)
        keys = sorted((port_key(p) for p in s["ports"]), key=lambda k: (k["name"], k["port"]))
        key = "k:" + compact({"ports": keys})
        subsets[key] = {
            ".": {},
            "f:addresses": {
                "k:" + compact({"ip": a["ip"]}): dict([(".", {})] + [("f:" + k, {}) for k in a]) for a in s["addresses"]
            },
            "f:ports": {"k:" + compact(port_key(p)): dict([(".", {})] + [("f:" + k, {}) for k in p]) for p in s["ports"]},
        }
    return {
        "f:metadata": {
            "f:annotations": {"f:" + k: {} for k in meta["annotations"]},
            "f:labels": {"f:" + k: {} for k in meta["labels"]},
        },
        "f:subsets": subsets,
    }


def tracked_by_generator(addresses):
    """The tracked Endpoints the kubepatch CLI makes (see make_inputs), built
    here: for sizes whose configuration is over the 3 MiB body limit, which
    the CLI refuses (413) as kube-apiserver does. make_inputs checks it equals
    the CLI's object at a size under the limit."""
    obj = endpoints(addresses)
    label = labeler_config()["metadata"]["labels"]
    obj["metadata"]["labels"].update(label)
    entry = {"apiVersion": "v1", "fieldsType": "FieldsV1", "operation": "Apply"}
    obj["metadata"]["managedFields"] = [
        dict(entry, manager=OWNER, time="2030-01-01T00:00:00Z", fieldsV1=owner_fields(config(addresses))),
        dict(entry, manager=LABELER, time="2030-01-01T00:01:00Z",
             fieldsV1={"f:metadata": {"f:labels": {"f:" + k: {} for k in label}}}),
    ]
    return obj


# kube-apiserver's (and kubepatch's) limit on a request body: over it, 413.
MAX_BODY_BYTES = 3 * 1024 * 1024

# --- cases -------------------------------------------------------------------

OWNER, LABELER, PATCHER, SECOND = "endpoints-controller", "labeler", "bench-patcher", "second-applier"
NOW = "2030-01-01T00:02:00Z"

# (case, patch type, tracked variants, field manager)
CASES = [
    ("json-3-ops", "json", ("untracked", "tracked"), PATCHER),
    ("merge-one-label", "merge", ("untracked", "tracked"), PATCHER),
    ("strategic-1pct", "strategic", ("untracked", "tracked"), PATCHER),
    ("strategic-every", "strategic", ("untracked", "tracked"), PATCHER),
    ("apply-owner-noop", "apply", ("tracked",), OWNER),
    ("apply-second-manager", "apply", ("tracked",), SECOND),
]

TOOLS = ("kubepatch", "kubectl", "floor")

# Whether peak RSS comes from GNU time (see `timed`); main() decides.
USE_GNU_TIME = False


def write_json(path, value, pretty):
    with open(path, "w") as f:
        if pretty:
            json.dump(value, f, indent=4, sort_keys=True)
            f.write("\n")
        else:
            json.dump(value, f, separators=(",", ":"))


def run_checked(argv, what):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        sys.exit("%s failed (%d): %s\n%s" % (what, proc.returncode, shlex.join(argv), proc.stderr.decode()))
    return proc.stdout


def tracked_by_cli(kubepatch, d, config_path, labeler_path):
    """The owner creates the object by applying its configuration, the
    server's fields are set, the labeler applies its label: the bytes the
    kubepatch CLI prints."""
    created = json.loads(
        run_checked(
            [str(kubepatch), "--type", "apply", "--field-manager", OWNER, "--now", "2030-01-01T00:00:00Z",
             "--patch-file", str(config_path), "-o", "json"],
            "the owner's create",
        )
    )
    created["metadata"].update(SERVER_SET)
    tmp = d / "created.json"
    write_json(tmp, created, pretty=True)
    tracked = run_checked(
        [str(kubepatch), "-f", str(tmp), "--type", "apply", "--field-manager", LABELER,
         "--now", "2030-01-01T00:01:00Z", "--patch-file", str(labeler_path), "-o", "json"],
        "the labeler's apply",
    )
    tmp.unlink()
    return tracked


GENERATOR_CHECKED = False


def check_generator(kubepatch, work):
    """tracked_by_generator(1000) must be what the CLI makes."""
    global GENERATOR_CHECKED
    if GENERATOR_CHECKED:
        return
    d = work / "generator-check"
    d.mkdir(parents=True, exist_ok=True)
    write_json(d / "config.json", config(1000), pretty=False)
    write_json(d / "labeler.json", labeler_config(), pretty=False)
    by_cli = json.loads(tracked_by_cli(kubepatch, d, d / "config.json", d / "labeler.json"))
    if by_cli != tracked_by_generator(1000):
        sys.exit("tracked_by_generator(1000) differs from the object the kubepatch CLI makes: "
                 "update it to kubepatch's managedFields")
    GENERATOR_CHECKED = True


def make_inputs(work, sizes, kubepatch):
    """Write live objects and patches for every size; return {size: {name: path}}."""
    work.mkdir(parents=True, exist_ok=True)
    files = {}
    for n in sizes:
        t0 = time.perf_counter()
        f = {}
        d = work / str(n)
        d.mkdir(exist_ok=True)
        f["live-untracked"] = d / "live-untracked.json"
        write_json(f["live-untracked"], endpoints(n), pretty=True)
        f["config"] = d / "config.json"
        write_json(f["config"], config(n), pretty=False)
        labeler = d / "labeler.json"
        write_json(labeler, labeler_config(), pretty=False)
        if f["config"].stat().st_size <= MAX_BODY_BYTES:
            tracked = tracked_by_cli(kubepatch, d, f["config"], labeler)
        else:
            check_generator(kubepatch, work)
            tracked = json.dumps(tracked_by_generator(n), indent=4, sort_keys=True).encode() + b"\n"
            print("note: the %d-address configuration is over the 3 MiB body limit: the tracked object is the "
                  "script's own, checked against the CLI's at 1,000 addresses" % n)
        f["live-tracked"] = d / "live-tracked.json"
        f["live-tracked"].write_bytes(tracked)
        managers = [e["manager"] for e in json.loads(tracked)["metadata"]["managedFields"]]
        assert sorted(managers) == sorted([OWNER, LABELER]), managers
        for name, value in [
            ("json-3-ops", json_patch_metadata()),
            ("merge-one-label", merge_patch_label()),
            ("strategic-1pct", strategic_percent(n)),
            ("strategic-every", strategic_every(n)),
        ]:
            f[name] = d / (name + ".json")
            write_json(f[name], value, pretty=False)
        f["apply-owner-noop"] = f["apply-second-manager"] = f["config"]
        files[n] = f
        print("inputs for %d addresses: %.1f s (live %.1f MB untracked, %.1f MB tracked)" % (
            n, time.perf_counter() - t0,
            f["live-untracked"].stat().st_size / 1e6, f["live-tracked"].stat().st_size / 1e6))
    return files


def argv_for(tool, paths, case, ptype, tracking, manager, f):
    live, patch = str(f["live-" + tracking]), str(f[case])
    if tool == "kubectl":
        return [paths["kubectl"], "patch", "--local", "-f", live, "--type", ptype, "--patch-file", patch, "-o", "json"]
    argv = [paths[tool], "-f", live, "--type", ptype, "--patch-file", patch, "-o", "json"]
    if tool == "kubepatch":
        argv += ["--field-manager", manager, "--now", NOW]
    return argv


GNU_TIME = "/usr/bin/time"


def timed(argv, errfile):
    """Run argv with stdout to /dev/null: (wall seconds, peak RSS bytes).

    The peak RSS comes from GNU time (`/usr/bin/time -f %M`) when it is
    there: a child forked by this Python process starts with Python's
    resident pages counted in its ru_maxrss (Linux keeps the high-water mark
    of the memory it had before exec), some 20 MiB, more than the floor's
    whole peak. GNU time is small, so the child it forks starts near zero.
    The wall time is taken here around the whole run, GNU time included
    (about a millisecond more per run, the same for every tool).
    """
    rssfile = Path(str(errfile) + ".rss")
    wrapped = [GNU_TIME, "-f", "%M", "-o", str(rssfile)] + argv if USE_GNU_TIME else argv
    actions = [
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, str(errfile), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    t0 = time.perf_counter()
    pid = os.posix_spawn(wrapped[0], wrapped, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit("exit %d: %s\n%s" % (code, shlex.join(argv), Path(errfile).read_text()))
    if USE_GNU_TIME:
        kib = int(rssfile.read_text().split()[-1])
    else:
        kib = usage.ru_maxrss  # KiB on Linux; includes this process's pages
    return wall, kib * 1024


def spawn_overhead(work):
    """Median wall time of `/bin/true` run as the tools are."""
    true = shutil.which("true") or "/bin/true"
    return statistics.median(timed([true], work / "stderr.txt")[0] for _ in range(21))


def strip_managed(obj):
    obj.get("metadata", {}).pop("managedFields", None)
    return obj


# Cases where kubectl computes another object, on purpose: kubepatch's built-in
# Endpoints schema merges a patch subset into the existing subset with the
# same port set (README, "The built-in Endpoints schema"); upstream's schema,
# which kubectl follows, makes `subsets` atomic, so the patch's one subset
# replaces all of them. Checked as such, marked * in the table.
KUBECTL_REPLACES_SUBSETS = {"strategic-1pct"}


def check_agreement(paths, case, ptype, tracking, manager, f):
    """kubepatch and kubectl print the same object, managedFields aside; for
    KUBECTL_REPLACES_SUBSETS, the same but for `subsets`, which kubectl
    replaces with the patch's. A note when not, else None."""
    outs = {}
    for tool in ("kubepatch", "kubectl"):
        outs[tool] = strip_managed(json.loads(run_checked(argv_for(tool, paths, case, ptype, tracking, manager, f), tool)))
    kp, kc = outs["kubepatch"], outs["kubectl"]
    if case in KUBECTL_REPLACES_SUBSETS:
        patch = json.loads(Path(f[case]).read_text())
        if kc.get("subsets") != patch["subsets"]:
            return "kubectl did not replace subsets on %s/%s" % (case, tracking)
        kp, kc = dict(kp), dict(kc)
        kp.pop("subsets", None)
        kc.pop("subsets", None)
    if kp != kc:
        return "kubepatch and kubectl disagree on %s/%s" % (case, tracking)
    return None


def measure(paths, files, sizes, runs, work):
    results = []
    notes = []
    errfile = work / "stderr.txt"
    for n in sizes:
        f = files[n]
        for case, ptype, trackings, manager in CASES:
            for tracking in trackings:
                tools = [t for t in TOOLS if paths.get(t) and not (t == "kubectl" and ptype == "apply")]
                refused = f[case].stat().st_size > MAX_BODY_BYTES
                if refused:  # kubepatch answers 413, as kube-apiserver does: nothing to time
                    tools.remove("kubepatch")
                    note = ("%s at %s addresses: the patch is %.1f MB, over the 3 MiB body limit; "
                            "kubepatch answers 413 (as kube-apiserver does)"
                            % (case, "{:,}".format(n), f[case].stat().st_size / 1e6))
                    if note not in notes:  # once per case, whatever the tracking
                        notes.append(note)
                if "kubectl" in tools and "kubepatch" in tools:
                    note = check_agreement(paths, case, ptype, tracking, manager, f)
                    if note:
                        notes.append("%s at %s addresses" % (note, "{:,}".format(n)))
                        print("warning: " + notes[-1], file=sys.stderr)
                samples = {t: [] for t in tools}
                for _ in range(runs):
                    for tool in tools:  # alternating, so drift hits every tool alike
                        samples[tool].append(timed(argv_for(tool, paths, case, ptype, tracking, manager, f), errfile))
                row = {"addresses": n, "case": case, "tracking": tracking}
                if refused:
                    row["kubepatch_refused"] = 413
                for tool in TOOLS:
                    if tool in samples:
                        row[tool] = {
                            "seconds": statistics.median(s[0] for s in samples[tool]),
                            "peak_rss": statistics.median(s[1] for s in samples[tool]),
                        }
                results.append(row)
                print(format_row(row), flush=True)
    return results, notes


# --- output ------------------------------------------------------------------

HEADER = ["addresses", "case", "tracking", "kubepatch", "kubectl", "floor",
          "kubepatch/floor", "kubectl/kubepatch", "kubepatch RSS", "kubectl RSS", "floor RSS"]


def fmt_time(s):
    if s >= 0.9995:
        return "%.2f s" % s
    return "%.0f ms" % (s * 1e3) if s >= 0.0995 else "%.1f ms" % (s * 1e3)


def fmt_mib(b):
    return "%.0f MiB" % (b / 2**20) if b >= 99.5 * 2**20 else "%.1f MiB" % (b / 2**20)


def cells(row):
    def get(tool, key):
        return row[tool][key] if tool in row else None

    kp, kc, fl = get("kubepatch", "seconds"), get("kubectl", "seconds"), get("floor", "seconds")
    out = ["{:,}".format(row["addresses"]), row["case"], row["tracking"]]
    out += [fmt_time(v) if v is not None else "–" for v in (kp, kc, fl)]
    if row.get("kubepatch_refused"):
        out[3] = "413"
    out.append("%.1f×" % (kp / fl) if kp and fl else "–")
    out.append("%.1f×" % (kc / kp) if kc and kp else "–")
    out += [fmt_mib(get(t, "peak_rss")) if t in row else "–" for t in TOOLS]
    if row.get("kubepatch_refused"):
        out[8] = "413"
    if kc is not None and row["case"] in KUBECTL_REPLACES_SUBSETS:
        out[4] += "*"
        out[7] += "*"
    return out


def format_row(row):
    return "  ".join(cells(row))


def print_table(results):
    rows = [HEADER] + [cells(r) for r in results]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    for k, r in enumerate(rows):
        print("  ".join(c.rjust(w) if i not in (1, 2) else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            print("  ".join("-" * w for w in widths))


def markdown_table(results):
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---:" if i not in (1, 2) else "---" for i in range(len(HEADER))) + "|"]
    for r in results:
        lines.append("| " + " | ".join(cells(r)) + " |")
    return "\n".join(lines)


def describe_machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return "%s, %d cores, %s" % (cpu, os.cpu_count() or 0, platform.platform())


def git_commit():
    """HEAD, and whether the measured code (src/, cli/, the manifests) differs from it."""
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "--",
                                "src", "cli", "Cargo.toml", "Cargo.lock", "examples"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" (with uncommitted changes to the measured code)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def kubectl_version(path):
    try:
        out = subprocess.run([path, "version", "--client", "-o", "json"], capture_output=True, text=True, timeout=30).stdout
        return json.loads(out)["clientVersion"]["gitVersion"]
    except (OSError, ValueError, KeyError, subprocess.SubprocessError):
        return "unknown"


def plot(results, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    except ImportError:
        print("note: matplotlib is not installed (pip install matplotlib); no plot", file=sys.stderr)
        return False
    cases = [c[0] for c in CASES]
    colors = {"kubepatch": "tab:blue", "kubectl": "tab:orange", "floor": "tab:gray"}
    styles = {"untracked": "-", "tracked": "--"}
    markers = {"untracked": "o", "tracked": "s"}
    fig, axes = plt.subplots(2, len(cases), figsize=(3.6 * len(cases), 7.5), sharex=True, sharey="row", squeeze=False)
    for col, case in enumerate(cases):
        for row_i, (key, scale, label) in enumerate([("seconds", 1e3, "wall time (ms)"), ("peak_rss", 1 / 2**20, "peak RSS (MiB)")]):
            ax = axes[row_i][col]
            for tool in TOOLS:
                for tracking in ("untracked", "tracked"):
                    pts = sorted((r["addresses"], r[tool][key] * scale) for r in results
                                 if r["case"] == case and r["tracking"] == tracking and tool in r)
                    if pts:
                        ax.plot([p[0] for p in pts], [p[1] for p in pts], styles[tracking], marker=markers[tracking],
                                color=colors[tool], label="%s, %s" % (tool, tracking), markersize=4)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: "{:,.0f}".format(v)))
            ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: "%g" % v))
            ax.yaxis.set_minor_formatter(NullFormatter())
            ax.grid(True, which="major", alpha=0.4)
            ax.grid(True, which="minor", alpha=0.15)
            if row_i == 0:
                ax.set_title(case + ("\n(kubectl replaces subsets: another result)" if case in KUBECTL_REPLACES_SUBSETS else ""))
            else:
                ax.set_xlabel("addresses")
            if col == 0:
                ax.set_ylabel(label)
    handles, labels = [], []
    for ax in axes.flat:
        for h, l in zip(*ax.get_legend_handles_labels()):
            if l not in labels:
                handles.append(h)
                labels.append(l)
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
    fig.suptitle("kubepatch vs kubectl patch --local vs floor (parse + print), whole processes, medians")
    fig.tight_layout(rect=(0, 0.05, 1, 0.96))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# --- main --------------------------------------------------------------------


def target_dir():
    out = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    return Path(json.loads(out)["target_directory"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10,1000,10000,100000", help="comma-separated numbers of addresses (default: %(default)s)")
    ap.add_argument("--runs", type=int, default=5, help="runs of each tool per case (default: %(default)s)")
    ap.add_argument("--kubepatch", help="the kubepatch binary (default: build it)")
    ap.add_argument("--floor", help="the floor binary (default: build examples/floor.rs)")
    ap.add_argument("--kubectl", default="kubectl", help="kubectl, or 'none' to leave it out (default: %(default)s)")
    ap.add_argument("--work", help="where the inputs go (default: <target dir>/compare)")
    ap.add_argument("--no-gnu-time", action="store_true", help="take peak RSS from os.wait4 directly (inflated, see timed())")
    ap.add_argument("--out-dir", default=str(REPO / "docs"), help="where perf.md, perf.json and perf.png go (default: docs/)")
    ap.add_argument("--replot", metavar="PERF_JSON", help="measure nothing: redraw perf.md and perf.png in --out-dir from a perf.json")
    args = ap.parse_args()
    if args.replot:
        saved = json.loads(Path(args.replot).read_text())
        print_table(saved["results"])
        write_outputs(Path(args.out_dir), saved["meta"], saved["results"], saved.get("notes", []))
        return
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    paths = {}
    if not (args.kubepatch and args.floor):
        print("building: cargo build --release --bin kubepatch --example floor", flush=True)
        subprocess.run(["cargo", "build", "--release", "--bin", "kubepatch", "--example", "floor"], cwd=REPO, check=True)
    tdir = None if args.kubepatch and args.floor and args.work else target_dir()
    paths["kubepatch"] = str(Path(args.kubepatch or tdir / "release" / "kubepatch").resolve())
    paths["floor"] = str(Path(args.floor or tdir / "release" / "examples" / "floor").resolve())
    if args.kubectl != "none":
        found = shutil.which(args.kubectl)
        if not found:
            sys.exit("kubectl not found (apt-get install -y kubectl, or --kubectl none)")
        paths["kubectl"] = found
    work = Path(args.work) if args.work else tdir / "compare"
    global USE_GNU_TIME
    USE_GNU_TIME = os.access(GNU_TIME, os.X_OK) and not args.no_gnu_time
    if not USE_GNU_TIME:
        print("note: without GNU time (apt-get install -y time) the peak RSS includes "
              "this Python process's ~20 MiB", file=sys.stderr)

    files = make_inputs(work, sizes, paths["kubepatch"])
    print("timing: %d runs each, alternating %s" % (args.runs, " / ".join(t for t in TOOLS if t in paths)), flush=True)
    results, notes = measure(paths, files, sizes, args.runs, work)
    print()
    print_table(results)

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    meta = {
        "date": when,
        "commit": git_commit(),
        "machine": describe_machine(),
        "kubectl": kubectl_version(paths["kubectl"]) if "kubectl" in paths else None,
        "runs": args.runs,
        "command": ("python3 scripts/compare.py " + shlex.join(sys.argv[1:])).strip(),
        "peak_rss_from": "GNU time %M" if USE_GNU_TIME else "os.wait4 ru_maxrss (includes the Python parent's pages)",
        "spawn_overhead_seconds": spawn_overhead(work),
    }
    write_outputs(Path(args.out_dir), meta, results, notes)


def write_outputs(out, meta, results, notes):
    """perf.json (everything), perf.md (the table) and perf.png (the plot) in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "perf.json").write_text(json.dumps({"meta": meta, "results": results, "notes": notes}, indent=2) + "\n")
    md = [
        "# kubepatch vs kubectl patch --local vs floor",
        "",
        "Whole processes, median of %d runs each (alternating), wall time and peak RSS." % meta["runs"],
        "Made by `%s` on %s, commit %s; %s; kubectl %s." % (
            meta["command"], meta["date"], meta["commit"], meta["machine"], meta["kubectl"] or "left out"),
        "Peak RSS from %s; wall time includes spawning (median of `true` run the same way: %.1f ms)." % (
            meta["peak_rss_from"], meta["spawn_overhead_seconds"] * 1e3),
        "The floor parses the live object and the patch with serde_json and pretty-prints the live object (no patching).",
        "kubectl has no local apply: the apply rows have no kubectl figures.",
        "413: the patch is over the 3 MiB request body limit, which kubepatch enforces as kube-apiserver does.",
        "\\*: kubectl computes another object: upstream's schema makes `subsets` atomic, so the patch's one subset "
        "replaces all of them, where kubepatch's built-in Endpoints schema merges it into the subset with its port set.",
        "",
        markdown_table(results),
        "",
    ]
    if notes:
        md += ["Notes:", ""] + ["- " + n for n in notes] + [""]
    if plot(results, out / "perf.png"):
        md += ["![time and peak memory against object size](perf.png)", ""]
    (out / "perf.md").write_text("\n".join(md))
    print("\nwrote %s, %s%s" % (out / "perf.md", out / "perf.json",
                               ", " + str(out / "perf.png") if (out / "perf.png").exists() else ""))


if __name__ == "__main__":
    main()

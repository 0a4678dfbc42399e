#!/usr/bin/env python3
"""Text summaries of a JFR recording's CPU samples and allocation samples; self-contained, reads `jfr print --json`.

  jfr-summary.py RECORDING.jfr CONNECTIONS [THREAD_PREFIX]

CPU: jdk.ExecutionSample per thread, the hottest frames (self and total) and the hottest 4-frame stacks.
Allocation: jdk.ThreadAllocationStatistics per thread (exact bytes over the recording), and
jdk.ObjectAllocationSample's weights (bytes each sample stands for) summed, divided by CONNECTIONS
(the connections completed while recording), by class and by allocation site; THREAD_PREFIX (default
"portlocal-") limits the per-connection figures to the data plane's threads, the totals show every thread.
"""
import json
import subprocess
import sys
from collections import defaultdict


def frame_name(frame):
    method = frame.get("method") or {}
    cls = (method.get("type") or {}).get("name", "?")
    return "%s.%s" % (cls.replace("/", "."), method.get("name", "?"))


def frames(event):
    trace = event["values"].get("stackTrace") or {}
    return [frame_name(f) for f in trace.get("frames") or []]


def thread(event, key):
    t = event["values"].get(key) or {}
    return t.get("javaName") or t.get("osName") or "?"


def load(path, types):
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", ",".join(types), path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["recording"]["events"]


def pct(n, total):
    return 100.0 * n / total if total else 0.0


def main(argv):
    if len(argv) < 3:
        sys.exit("usage: jfr-summary.py RECORDING.jfr CONNECTIONS [THREAD_PREFIX]")
    path, conns = argv[1], int(argv[2])
    prefix = argv[3] if len(argv) > 3 else "portlocal-"
    events = load(path, ["jdk.ExecutionSample", "jdk.NativeMethodSample", "jdk.ObjectAllocationSample",
                          "jdk.ThreadAllocationStatistics"])
    cpu = [e for e in events if e["type"] == "jdk.ExecutionSample"]
    alloc = [e for e in events if e["type"] == "jdk.ObjectAllocationSample"]
    lines = ["recording: %s" % path, "connections completed while recording: %d" % conns, ""]

    by_thread = defaultdict(int)
    self_f, total_f, stacks = defaultdict(int), defaultdict(int), defaultdict(int)
    for e in cpu:
        by_thread[thread(e, "sampledThread")] += 1
        fs = frames(e)
        if not fs:
            continue
        self_f[fs[0]] += 1
        for f in set(fs):
            total_f[f] += 1
        stacks[" <- ".join(fs[:4])] += 1
    n = len(cpu)
    lines.append("== CPU: jdk.ExecutionSample, %d samples (Java frames only: time in syscalls shows as the "
                 "native method that made them)" % n)
    lines.append("-- by thread")
    lines += ["%6.1f%%  %s" % (pct(c, n), t) for t, c in sorted(by_thread.items(), key=lambda kv: -kv[1])[:10]]
    lines.append("-- top frames, self")
    lines += ["%6.1f%%  %s" % (pct(c, n), f) for f, c in sorted(self_f.items(), key=lambda kv: -kv[1])[:25]]
    lines.append("-- top frames, total (self + callees)")
    lines += ["%6.1f%%  %s" % (pct(c, n), f) for f, c in sorted(total_f.items(), key=lambda kv: -kv[1])[:25]]
    lines.append("-- top stacks (leaf <- 3 callers)")
    lines += ["%6.1f%%  %s" % (pct(c, n), s) for s, c in sorted(stacks.items(), key=lambda kv: -kv[1])[:15]]
    lines.append("")

    # Exact: each thread's allocated bytes (ThreadMXBean's counter), first and last reading of the recording.
    stats = defaultdict(list)
    for e in events:
        if e["type"] == "jdk.ThreadAllocationStatistics":
            stats[thread(e, "thread")].append((e["values"]["startTime"], e["values"]["allocated"]))
    lines.append("== Allocation, exact: jdk.ThreadAllocationStatistics, last minus first reading per thread")
    exact = {t: max(v)[1] - min(v)[1] for t, v in stats.items() if len(v) > 1}
    for t, b in sorted(exact.items(), key=lambda kv: -kv[1])[:6]:
        lines.append("%10.0f bytes per connection  %s (%.1f MB)" % (b / conns if conns else 0, t, b / 1e6))
    lines.append("")

    native = defaultdict(int)
    nat = [e for e in events if e["type"] == "jdk.NativeMethodSample"]
    for e in nat:
        native[" <- ".join(frames(e)[:3])] += 1
    lines.append("== In native code: jdk.NativeMethodSample, %d samples (threads in a JNI call: the loop's epoll "
                 "wait, its syscalls)" % len(nat))
    lines += ["%6.1f%%  %s" % (pct(c, len(nat)), f) for f, c in sorted(native.items(), key=lambda kv: -kv[1])[:10]]
    lines.append("")

    total_w = sum(e["values"].get("weight", 0) for e in alloc)
    loop = [e for e in alloc if thread(e, "eventThread").startswith(prefix)]
    loop_w = sum(e["values"].get("weight", 0) for e in loop)
    lines.append("== Allocation: jdk.ObjectAllocationSample, %d samples, %.1f MB sampled weight in all threads"
                 % (len(alloc), total_w / 1e6))
    lines.append("threads %s*: %.1f MB, %.0f bytes per connection (weight / connections: an estimate, the samples "
                 "are throttled)" % (prefix, loop_w / 1e6, loop_w / conns if conns else 0))
    by_w_thread = defaultdict(int)
    for e in alloc:
        by_w_thread[thread(e, "eventThread")] += e["values"].get("weight", 0)
    lines.append("-- by thread (bytes per connection)")
    lines += ["%10.0f  %s" % (w / conns if conns else 0, t)
              for t, w in sorted(by_w_thread.items(), key=lambda kv: -kv[1])[:10]]
    by_class, by_site = defaultdict(int), defaultdict(int)
    for e in loop:
        w = e["values"].get("weight", 0)
        by_class[((e["values"].get("objectClass") or {}).get("name") or "?").replace("/", ".")] += w
        by_site[" <- ".join(frames(e)[:5])] += w
    lines.append("-- %s* by class (bytes per connection)" % prefix)
    lines += ["%10.0f  %s" % (w / conns if conns else 0, c)
              for c, w in sorted(by_class.items(), key=lambda kv: -kv[1])[:20]]
    lines.append("-- %s* by site, allocating frame <- 4 callers (bytes per connection)" % prefix)
    lines += ["%10.0f  %s" % (w / conns if conns else 0, s)
              for s, w in sorted(by_site.items(), key=lambda kv: -kv[1])[:20]]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv)

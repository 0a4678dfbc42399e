#!/usr/bin/env python3
"""Folded stacks to a flame graph, and `perf script` output to folded stacks; self-contained, no dependencies.

  flamegraph.py fold  < perf-script.txt  > stacks.folded   (root;...;leaf COUNT per line, one per distinct stack)
  flamegraph.py svg --title T < stacks.folded > graph.svg  (an SVG with a <title> tooltip per frame)
  flamegraph.py top [N] < stacks.folded                    (self and total samples of the N hottest frames)
  flamegraph.py syscalls < stacks.folded                   (share of samples under each syscall, and outside any)

`fold` keeps the thread's name as the root frame, so the event loop and the JVM's own threads stand apart.
"""
import html
import re
import sys
import zlib
from collections import defaultdict

FRAME_RE = re.compile(r"^\s+[0-9a-f]+\s+(.*?)(?:\s+\((.*)\))?$")


def clean(sym, dso):
    if sym in ("[unknown]", "") and dso:
        return "[" + dso.rsplit("/", 1)[-1] + "]"
    sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
    # perf-map JIT names: "LInterpreter;" / "Ljava/lang/String;::hashCode" forms vary by JDK; keep them short.
    return sym.replace(";", ":")


def fold(lines):
    stacks = defaultdict(int)
    comm, frames = None, []

    def flush():
        if comm is not None:
            stacks[";".join([comm] + list(reversed(frames)))] += 1

    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            flush()
            comm, frames = None, []
            continue
        if not line[0].isspace():
            flush()
            frames = []
            comm = line.split(None, 1)[0].replace(";", ":") if line.strip() else "?"
            # "comm pid/tid ..." or "comm pid ..." (thread names may contain spaces: take up to the pid field)
            m = re.match(r"^(.*?)\s+\d+(?:/\d+)?\s", line)
            if m:
                comm = m.group(1).strip().replace(";", ":").replace(" ", "_")
            continue
        m = FRAME_RE.match(line)
        if m:
            frames.append(clean(m.group(1), m.group(2)))
    flush()
    return stacks


def read_folded(lines):
    stacks = {}
    for line in lines:
        line = line.rstrip("\n")
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        stacks[stack] = stacks.get(stack, 0) + int(count)
    return stacks


def colour(name):
    h = zlib.crc32(name.encode())
    if name.startswith("[k") or "kernel" in name or name.startswith("__") or name.startswith("do_") \
            or name.startswith("tcp_") or name.startswith("sys_") or name.startswith("entry_"):
        base = (230, 140 + h % 60, 50)          # kernel: orange
    elif "/" in name or "." in name and name[:1].isalpha() and not name.endswith(".so]"):
        base = (60 + h % 50, 170 + h % 60, 60)  # Java (JIT or interpreted): green
    else:
        base = (220, 80 + h % 90, 60 + h % 40)  # native: red
    return "rgb(%d,%d,%d)" % base


def svg(stacks, title):
    root = {"n": 0, "c": {}}
    for stack, count in stacks.items():
        node = root
        node["n"] += count
        for frame in stack.split(";"):
            node = node["c"].setdefault(frame, {"n": 0, "c": {}})
            node["n"] += count
    total = root["n"] or 1
    width, row, pad = 1200, 16, 30
    rects = []
    depth_max = [0]

    def walk(node, name, x, depth):
        w = node["n"] / total * (width - 20)
        if w < 0.1:
            return
        depth_max[0] = max(depth_max[0], depth)
        rects.append((name, x, depth, w, node["n"]))
        cx = x
        for child_name in sorted(node["c"]):
            child = node["c"][child_name]
            walk(child, child_name, cx, depth + 1)
            cx += child["n"] / total * (width - 20)

    walk(root, "all", 10.0, 0)
    height = (depth_max[0] + 1) * row + pad + 20
    out = ['<?xml version="1.0" standalone="no"?>',
           '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="monospace" '
           'font-size="11">' % (width, height),
           '<rect width="100%%" height="100%%" fill="#f8f8f8"/>',
           '<text x="10" y="18" font-size="14">%s (%d samples; hover a frame for its share)</text>'
           % (html.escape(title), total)]
    for name, x, depth, w, n in rects:
        y = height - (depth + 1) * row - 4
        label = html.escape(name)
        tip = "%s: %d samples, %.2f%%" % (label, n, 100.0 * n / total)
        out.append('<g><title>%s</title><rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" '
                   'stroke="#fff" stroke-width="0.3"/>' % (tip, x, y, w, row - 1, colour(name)))
        chars = int(w / 6.6)
        if chars >= 3:
            text = name if len(name) <= chars else name[:chars - 2] + ".."
            out.append('<text x="%.1f" y="%d">%s</text>' % (x + 2, y + row - 4, html.escape(text)))
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def top(stacks, n):
    self_counts, total_counts = defaultdict(int), defaultdict(int)
    total = sum(stacks.values()) or 1
    for stack, count in stacks.items():
        frames = stack.split(";")
        self_counts[frames[-1]] += count
        for frame in set(frames):
            total_counts[frame] += count
    lines = ["samples: %d" % total, "", "self%   frame"]
    for frame, c in sorted(self_counts.items(), key=lambda kv: -kv[1])[:n]:
        lines.append("%5.1f%%  %s" % (100.0 * c / total, frame))
    lines += ["", "total%  frame"]
    for frame, c in sorted(total_counts.items(), key=lambda kv: -kv[1])[:n]:
        lines.append("%5.1f%%  %s" % (100.0 * c / total, frame))
    return "\n".join(lines) + "\n"


def syscalls(stacks):
    by, total = defaultdict(int), sum(stacks.values()) or 1
    for stack, count in stacks.items():
        name = "(user space: no syscall frame)"
        for frame in stack.split(";"):
            m = re.match(r"__(?:x64|se)_sys_(\w+)", frame)
            if m:
                name = m.group(1)
                break
            if frame.startswith("entry_SYSCALL_64"):
                name = "(kernel entry, syscall not named)"
        by[name] += count
    lines = ["samples: %d" % total, "", "share   under"]
    lines += ["%5.1f%%  %s" % (100.0 * c / total, n) for n, c in sorted(by.items(), key=lambda kv: -kv[1])]
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) < 2 or argv[1] not in ("fold", "svg", "top", "syscalls"):
        sys.exit("usage: flamegraph.py fold|svg [--title T]|top [N]|syscalls  (stdin -> stdout)")
    if argv[1] == "syscalls":
        sys.stdout.write(syscalls(read_folded(sys.stdin)))
        return
    if argv[1] == "fold":
        for stack, count in sorted(fold(sys.stdin).items()):
            sys.stdout.write("%s %d\n" % (stack, count))
    elif argv[1] == "svg":
        title = argv[argv.index("--title") + 1] if "--title" in argv else "flame graph"
        sys.stdout.write(svg(read_folded(sys.stdin), title))
    else:
        sys.stdout.write(top(read_folded(sys.stdin), int(argv[2]) if len(argv) > 2 else 30))


if __name__ == "__main__":
    main(sys.argv)

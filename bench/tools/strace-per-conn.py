#!/usr/bin/env python3
"""Syscalls per connection from connpath-profile.sh's strace -c files, as one Markdown table.

  strace-per-conn.py LABEL=strace-FILE.txt [LABEL=...]

Each file is `strace -c -f` output with a last line "connections=N ..." (wrk's completed requests, one connection
each); every count is divided by its N. Rows are the syscalls of any file, the busiest first.
"""
import re
import sys


def read(path):
    counts, conns = {}, 0
    for line in open(path):
        m = re.match(r"connections=(\d+)", line)
        if m:
            conns = int(m.group(1))
            continue
        f = line.split()
        # "% time seconds usecs/call calls [errors] syscall"
        if len(f) in (5, 6) and re.match(r"^[\d.]+$", f[0]) and f[-1] != "total":
            counts[f[-1]] = int(f[3])
    return counts, conns


def main(argv):
    cols = []
    for arg in argv[1:]:
        label, _, path = arg.partition("=")
        cols.append((label, *read(path)))
    names = sorted({n for _, c, _ in cols for n in c}, key=lambda n: -max(c.get(n, 0) / max(k, 1) for _, c, k in cols))
    print("| syscall | " + " | ".join(label for label, _, _ in cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for n in names:
        vals = [c.get(n, 0) / k if k else 0 for _, c, k in cols]
        if max(vals) < 0.005:
            continue
        print("| %s | %s |" % (n, " | ".join("%.2f" % v for v in vals)))
    print("| **total** | %s |" % " | ".join("**%.2f**" % (sum(c.values()) / k if k else 0) for _, c, k in cols))
    print("| connections traced | %s |" % " | ".join(str(k) for _, _, k in cols))


if __name__ == "__main__":
    main(sys.argv)

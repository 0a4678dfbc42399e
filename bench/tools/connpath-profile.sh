#!/usr/bin/env bash
# Connection-path profiles: connection per request (wrk -t1 -c20 -H 'Connection: close') through portlocal with
# one event loop (--threads 1) to an nginx backend on loopback, for two portlocal jars (before, after) and HAProxy
# 2.6 with nbthread 1 on the same backend. Writes into OUTDIR:
#   rates.tsv            conn/s and proxy CPU per connection, ROUNDS interleaved 10-s rounds per target, no tracing,
#                        the default JVM settings, load average before each run
#   threads-LABEL.tsv    per thread of the daemon, over its first rate run: context switches and CPU per connection
#   strace-LABEL.txt     strace -c -f of the whole process over one 10-s wrk run (counts / connections in README)
#   jfr-LABEL.txt        jdk.ExecutionSample and jdk.ObjectAllocationSample summary (JFR settings=profile, 10 s)
#   perf-LABEL.svg       flame graph of perf record -F 999 -g over 10 s (-XX:+PreserveFramePointer, perf map at exit)
#   perf-LABEL-top.txt   its hottest frames; perf-LABEL-syscalls.txt its samples by syscall; perf-LABEL.folded the stacks
#   wrk-*.txt            every wrk output
#
#   bench/tools/connpath-profile.sh OUTDIR BEFORE_JAR AFTER_JAR [ROUNDS] [LABEL_BEFORE] [LABEL_AFTER]
#
# RATES_ONLY=1 stops after the conn/s rounds (rates.tsv, threads-*.tsv).
# Traffic is to 127.0.0.1 only; every child is bounded by timeout and stopped by PID at the end.
set -euo pipefail

out=$1; before_jar=$2; after_jar=$3; rounds=${4:-3}
lb=${5:-before}; la=${6:-after}
tools=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
run=$(mktemp -d /tmp/connpath-run.XXXXXX)
BACKEND=18080; HAPROXY=18090
declare -A PORT=([$lb]=18081 [$la]=18082 [haproxy]=$HAPROXY)
declare -A JAR=([$lb]=$before_jar [$la]=$after_jar)
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

wait_port() {
  for _ in $(seq 1 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "port $1 did not open" >&2; return 1
}

# wrk's completed requests (one connection each) and req/s
wrk_run() { # port file
  timeout 30 wrk -t1 -c20 -d10s -H 'Connection: close' "http://127.0.0.1:$1/" > "$2" 2>&1 || true
}
wrk_reqs() { awk '/requests in/ {print $1}' "$1"; }
wrk_rate() { awk '/^Requests\/sec/ {print $2}' "$1"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
threads_snapshot() { # pid -> "tid comm vcs nvcs ticks" per thread
  local t
  for t in /proc/"$1"/task/*; do
    local tid=${t##*/}
    printf '%s\t%s\t%s\t%s\t%s\n' "$tid" "$(tr ' ' '_' < "$t/comm")" \
      "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status")" \
      "$(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "$t/status")" \
      "$(awk '{print $14 + $15}' "$t/stat")"
  done 2>/dev/null
}

# --- the backend: nginx, one worker, a fixed 200 answer
mkdir -p "$run/nginx/logs"
cat > "$run/nginx/nginx.conf" <<NGX
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 20000;
pid $run/nginx/nginx.pid;
error_log $run/nginx/error.log warn;
events { worker_connections 19500; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$BACKEND;
        location / { return 200 "ok\n"; }
    }
}
NGX
timeout 1800 nginx -p "$run/nginx" -c "$run/nginx/nginx.conf" & pids+=($!)
wait_port $BACKEND

# --- HAProxy, nbthread 1, the bench's configuration (mode tcp, forced splice)
cat > "$run/haproxy.cfg" <<HAP
global
    nbthread 1
    maxconn 9600
    maxpipes 256

defaults
    mode tcp
    option splice-request
    option splice-response
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    maxconn 9600

listen conn
    bind 127.0.0.1:$HAPROXY
    server backend 127.0.0.1:$BACKEND
HAP
timeout 1800 haproxy -db -f "$run/haproxy.cfg" > "$run/haproxy.log" 2>&1 & pids+=($!)
hapid=$(pgrep -P $! haproxy)
wait_port $HAPROXY

start_portlocal() { # label [jvm options...] -> sets plpid
  local label=$1; shift
  local dir="$run/$label-$RANDOM"
  mkdir -p "$dir/state"
  printf 'endpoints:\n  - name: bench/conn\n    ip: 127.0.0.1\n    ports:\n      - port: %s\n        protocol: tcp\n        nodePort: %s\n' \
    "$BACKEND" "${PORT[$label]}" > "$dir/mappings.yaml"
  # exec: the PID is the JVM's, not a shell's
  timeout 1800 java "$@" -jar "${JAR[$label]}" run --mappings "$dir/mappings.yaml" \
    --port-range "${PORT[$label]}-${PORT[$label]}" --state-dir "$dir/state" --threads 1 \
    --listen-address 127.0.0.1 --node-ip 127.0.0.1 --drain-timeout 2s \
    --api "127.0.0.1:$((PORT[$label] + 100))" > "$dir/log" 2>&1 &
  local tpid=$!
  pids+=($tpid)
  wait_port "${PORT[$label]}"
  plpid=$(pgrep -P "$tpid" java)
  echo "$label: timeout pid $tpid, java pid $plpid, log $dir/log" >&2
}

stop_pid() { # pid
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

# --- 1. conn/s, interleaved rounds, default JVM settings, nothing attached
declare -A PROC
start_portlocal "$lb"; PROC[$lb]=$plpid
start_portlocal "$la"; PROC[$la]=$plpid
PROC[haproxy]=$hapid
for t in "$lb" "$la" haproxy; do wrk_run "${PORT[$t]}" "$out/wrk-warmup-$t.txt"; done
printf 'round\ttarget\tconn_per_s\tcpu_us_per_conn\tloadavg_before\n' > "$out/rates.tsv"
order=("$lb" "$la" haproxy)
for r in $(seq 1 "$rounds"); do
  for t in "${order[@]}"; do
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    [[ $r == 1 && $t != haproxy ]] && threads_snapshot "${PROC[$t]}" > "$run/threads-$t.0"
    c0=$(cpu_ticks "${PROC[$t]}")
    wrk_run "${PORT[$t]}" "$out/wrk-rate-$r-$t.txt"
    c1=$(cpu_ticks "${PROC[$t]}")
    n=$(wrk_reqs "$out/wrk-rate-$r-$t.txt")
    if [[ $r == 1 && $t != haproxy ]]; then
      threads_snapshot "${PROC[$t]}" > "$run/threads-$t.1"
      printf 'thread\tcontext_switches_per_conn\tcpu_us_per_conn\n' > "$out/threads-$t.tsv"
      join -t $'\t' <(sort "$run/threads-$t.0") <(sort "$run/threads-$t.1") | awk -F'\t' -v n="$n" -v hz="$(getconf CLK_TCK)" \
        '{cs = ($7 + $8) - ($3 + $4); cpu = ($9 - $5); if (cs > 0 || cpu > 0) printf "%s\t%.3f\t%.2f\n", $2, cs / n, cpu * 1e6 / hz / n}' \
        | sort -t $'\t' -k2,2 -gr >> "$out/threads-$t.tsv"
    fi
    awk -v r="$r" -v t="$t" -v rate="$(wrk_rate "$out/wrk-rate-$r-$t.txt")" -v c="$((c1 - c0))" -v n="$n" \
      -v hz="$(getconf CLK_TCK)" -v load="$load" 'BEGIN {printf "%s\t%s\t%s\t%.1f\t%s\n", r, t, rate, c * 1e6 / hz / n, load}' \
      >> "$out/rates.tsv"
  done
  order=("${order[@]:1}" "${order[0]}")
done
stop_pid "${PROC[$lb]}"; stop_pid "${PROC[$la]}"

if [[ ${RATES_ONLY:-0} == 1 ]]; then echo "done (rates only): $out"; exit 0; fi

# --- 2. strace -c -f of HAProxy
strace_run() { # label pid port
  timeout 40 strace -c -f -p "$2" -o "$out/strace-$1.txt" & local sp=$!
  sleep 1
  wrk_run "$3" "$out/wrk-strace-$1.txt"
  kill -INT "$sp"; wait "$sp" || true
  echo "connections=$(wrk_reqs "$out/wrk-strace-$1.txt") loadavg=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/strace-$1.txt"
}
strace_run haproxy "$hapid" $HAPROXY

# --- 3. per portlocal: strace, JFR, perf, on a daemon with frame pointers and the perf map at exit
for t in "$lb" "$la"; do
  start_portlocal "$t" -XX:+PreserveFramePointer -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit
  p=$plpid
  wrk_run "${PORT[$t]}" "$out/wrk-profwarmup-$t.txt"
  strace_run "$t" "$p" "${PORT[$t]}"
  jcmd "$p" JFR.start name=connpath settings=profile filename="$run/$t.jfr" > /dev/null
  wrk_run "${PORT[$t]}" "$out/wrk-jfr-$t.txt"
  jcmd "$p" JFR.stop name=connpath > /dev/null
  cp "$run/$t.jfr" "$out/jfr-$t.jfr"
  python3 "$tools/jfr-summary.py" "$run/$t.jfr" "$(wrk_reqs "$out/wrk-jfr-$t.txt")" > "$out/jfr-$t.txt"
  echo "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/jfr-$t.txt"
  timeout 40 perf record -F 999 -g -p "$p" -o "$run/perf-$t.data" -- sleep 11 2> "$run/perf-$t.log" & pp=$!
  sleep 0.5
  wrk_run "${PORT[$t]}" "$out/wrk-perf-$t.txt"
  wait "$pp" || true
  stop_pid "$p"
  if [[ ! -s /tmp/perf-$p.map ]]; then echo "no /tmp/perf-$p.map: JIT frames will not resolve" >&2; fi
  wc -l < "/tmp/perf-$p.map" > "$out/perf-$t-map-lines.txt" 2>/dev/null || true
  perf script -i "$run/perf-$t.data" 2> /dev/null | python3 "$tools/flamegraph.py" fold > "$out/perf-$t.folded"
  python3 "$tools/flamegraph.py" svg --title "portlocal $t: connection per request, wrk -t1 -c20, perf -F 999 -g" \
    < "$out/perf-$t.folded" > "$out/perf-$t.svg"
  python3 "$tools/flamegraph.py" top 40 < "$out/perf-$t.folded" > "$out/perf-$t-top.txt"
  python3 "$tools/flamegraph.py" syscalls < "$out/perf-$t.folded" > "$out/perf-$t-syscalls.txt"
  echo "connections=$(wrk_reqs "$out/wrk-perf-$t.txt") loadavg=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/perf-$t-top.txt"
done
echo "done: $out"

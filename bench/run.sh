#!/usr/bin/env bash
# The portlocal benchmark runner: direct vs portlocal vs HAProxy vs nginx, on loopback; or, with --topology netns,
# over veth between network namespaces, with NodePortLocal's kernel DNAT as a target too.
#
#   bench/run.sh --quick                    smoke test, under 2 minutes (figures are noisy: do not quote them)
#   bench/run.sh                            full run, under 15 minutes (3 interleaved rounds)
#   bench/run.sh --topology netns [--quick] the same over veth: lb -> node -> pod namespaces (root; about 17 min)
#   bench/run.sh --help                     every option
#
# Runner-only options (the rest go to dev.portlocal.bench.runner.BenchMain):
#   --no-install   do not apt-get the peers if they are missing
#   --build        rebuild bench/target/benchmarks.jar even if it exists
#
# Hygiene: all traffic is to 127.0.0.1, or inside the namespaces the run creates (198.18.0.0/15, nothing routed out
# of them, all removed at the end); every load loop is bounded in time by the harness; every child process runs
# under `timeout` and is stopped by PID when the run ends, also on Ctrl-C (the trap below forwards it to the JVM,
# whose shutdown hook stops the children).
set -euo pipefail

cd "$(dirname "$0")/.."
JAR=bench/target/benchmarks.jar

install=1
build=0
quick=0
netns=0
deadline=0
args=()
prev=
for arg in "$@"; do
  case "$arg" in
    --no-install) install=0 ;;
    --build) build=1 ;;
    --quick) quick=1; args+=("$arg") ;;
    *) args+=("$arg") ;;
  esac
  if [[ "$prev" == --topology && "$arg" == netns ]]; then netns=1; fi
  if [[ "$prev" == --deadline && "$arg" =~ ^[0-9]+$ ]]; then deadline=$arg; fi
  prev=$arg
done

install_peers() {
  local missing=()
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v nginx >/dev/null || missing+=(nginx)
  [[ -e /usr/lib/nginx/modules/ngx_stream_module.so ]] || missing+=(libnginx-mod-stream)
  command -v iperf3 >/dev/null || missing+=(iperf3)
  command -v wrk >/dev/null || missing+=(wrk)
  if ((netns)); then
    command -v ip >/dev/null || missing+=(iproute2)
    command -v nft >/dev/null || missing+=(nftables)
  fi
  if ((${#missing[@]})); then
    echo "run.sh: installing ${missing[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
    # Debian's packages may start system services on :80; this run starts its own instances only.
  fi
}

if ((install)) && [[ " ${args[*]-} " != *" --help "* ]]; then
  install_peers
fi

if ((build)) || [[ ! -f "$JAR" ]]; then
  echo "run.sh: building $JAR"
  # package, not install: the reactor builds proxy-core (the daemon's jar and the topology's test-jar) as well.
  mvn -q -B -pl bench -am package -DskipTests
fi

echo "run.sh: fd limit soft=$(ulimit -Sn) hard=$(ulimit -Hn)"

# A hard bound on the whole run, above the harness's own deadline (130 s quick, 840 s full; netns 300 s and 1500 s).
if ((netns)); then
  if ((quick)); then limit=480; else limit=1800; fi
elif ((quick)); then limit=240; else limit=1080; fi
if ((deadline + 240 > limit)); then limit=$((deadline + 240)); fi

timeout -k 10 "$limit" java -Xms512m -Xmx512m -XX:+UseParallelGC \
  -Dio.netty.leakDetection.level=disabled \
  -Dbench.command="bench/run.sh $*" \
  -cp "$JAR" dev.portlocal.bench.runner.BenchMain "${args[@]}" &
pid=$!
trap 'echo "run.sh: stopping pid $pid"; kill -TERM "$pid" 2>/dev/null || true; wait "$pid" || true; exit 130' INT TERM
set +e
wait "$pid"
rc=$?
set -e
trap - INT TERM
exit "$rc"

#!/usr/bin/env bash
# Idle footprint of the daemon with N TCP mappings (default 1,001), in the container image and on the host with the
# same jar and the same systemd/jvm.options: VmRSS and Threads from /proc/<pid>/status after SETTLE seconds (30).
#
#   bench/image-footprint.sh [N]        # needs the image (deploy/image/build.sh) and target/portlocal.jar; root
#
# Mappings point at closed loopback ports (nothing connects): this is the cost of the listeners and the state.
# Each mapping listens on 127.0.0.1 and ::1, like the default 0.0.0.0 and :: but on loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."

n="${1:-1001}"
settle="${SETTLE:-30}"
low="${LOW_PORT:-63000}"
image="$(deploy/image/build.sh --print-tag)"
jar="proxy-core/target/portlocal.jar"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/deploy/image/containers.conf}"

work="$(mktemp -d)"
name="portlocal-footprint-$$"
host_pid=""
cleanup() {
    podman rm --force --time 0 "$name" >/dev/null 2>&1 || true
    if [ -n "$host_pid" ]; then kill "$host_pid" 2>/dev/null || true; wait "$host_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

config() {  # $1: directory; $2: mapping file path as the daemon sees it; $3: state dir as the daemon sees it
    mkdir -p "$1"
    cat > "$1/config.yaml" <<EOF
mappings: $2
portRange: $low-$((low + n + 99))
listenAddresses: [127.0.0.1, "::1"]
api: 127.0.0.1:$((low - 1))
stateDir: $3
EOF
    {
        echo "endpoints:"
        for i in $(seq 1 "$n"); do
            printf '  - name: bench/e%d\n    ip: 127.0.0.1\n    ports:\n      - port: %d\n        protocol: tcp\n' \
                "$i" $((20000 + i))
        done
    } > "$1/endpoints.yaml"
}

await_ready() {  # waits for /readyz and all N mappings listening
    for _ in $(seq 1 600); do
        if curl -fs "http://127.0.0.1:$((low - 1))/readyz" >/dev/null 2>&1; then
            local listening
            listening="$(curl -fs "http://127.0.0.1:$((low - 1))/v1/mappings" | grep -o '"state":"listening"' | wc -l)"
            if [ "$listening" -eq "$n" ]; then
                return 0
            fi
        fi
        sleep 0.2
    done
    echo "not ready with $n listening mappings" >&2
    return 1
}

report() {  # $1: label, $2: pid
    sleep "$settle"
    printf '%s: pid %s, %s mappings, after %ss: %s %s\n' "$1" "$2" "$n" "$settle" \
        "$(grep -E '^VmRSS' "/proc/$2/status" | tr -s ' \t' ' ')" "$(grep -E '^Threads' "/proc/$2/status" | tr -s ' \t' ' ')"
}

# In the container: host network, read-only root, as the DaemonSet runs it.
config "$work/container" /etc/portlocal/endpoints.yaml /var/lib/portlocal
mkdir -p "$work/container-state"
podman run --detach --name "$name" --network host --ulimit host --read-only \
    --volume "$work/container:/etc/portlocal:ro" --volume "$work/container-state:/var/lib/portlocal:U" \
    "$image" >/dev/null
await_ready
report "container $image" "$(podman inspect --format '{{.State.Pid}}' "$name")"
podman stop --time 40 "$name" >/dev/null
podman rm "$name" >/dev/null

# On the host: the same jar and JVM options.
config "$work/host" "$work/host/endpoints.yaml" "$work/host-state"
java @systemd/jvm.options -jar "$jar" run --config "$work/host/config.yaml" > "$work/host.log" 2>&1 &
host_pid=$!
await_ready
report "host java @systemd/jvm.options" "$host_pid"
kill -TERM "$host_pid"
wait "$host_pid" || true
host_pid=""

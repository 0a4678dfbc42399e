#!/usr/bin/env bash
# Builds portlocal's container image, portlocal:<project version>, with buildah from deploy/image/Containerfile.
#
#   deploy/image/build.sh                   # base: a Debian 12 + OpenJDK 17 JRE made here, offline (no registry)
#   deploy/image/build.sh --base IMAGE      # base: IMAGE, e.g. docker.io/library/eclipse-temurin:17-jre
#   deploy/image/build.sh --rebuild-base    # remake the offline base even if the cached one is recent
#   deploy/image/build.sh --print-tag       # print the tag it builds and exit
#
# The offline base is `debootstrap --variant=minbase bookworm` with openjdk-17-jre-headless, upgraded from
# bookworm-updates and bookworm-security, imported as localhost/portlocal-base:bookworm-<recipe hash>. It is reused
# while younger than PORTLOCAL_BASE_MAX_AGE_DAYS (7) days, so a week-old base picks up Debian's security fixes.
# Needs root (debootstrap), buildah, podman (import) and the jar of `mvn -B package` (built if missing).
# Without CONTAINERS_CONF set, deploy/image/containers.conf is used (runc, cgroupfs, no forced ulimits).
# See docs/image.md.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

base=""
rebuild_base=false
print_tag=false
while [ "$#" -gt 0 ]; do
    case "$1" in
        --base) base="${2:?--base needs an image}"; shift 2 ;;
        --rebuild-base) rebuild_base=true; shift ;;
        --print-tag) print_tag=true; shift ;;
        -h|--help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

# The project version: the root pom's own <version> (the first one at the project's indentation).
version="$(sed -n 's|^  <version>\(.*\)</version>[[:space:]]*$|\1|p' "$root/pom.xml" | head -n 1)"
if [ -z "$version" ]; then
    echo "build.sh: no <version> in $root/pom.xml" >&2
    exit 1
fi
tag="portlocal:$version"
if "$print_tag"; then
    echo "$tag"
    exit 0
fi

for tool in buildah podman; do
    command -v "$tool" >/dev/null 2>&1 || { echo "build.sh: $tool is not installed" >&2; exit 1; }
done
if [ -z "${CONTAINERS_CONF:-}" ]; then
    export CONTAINERS_CONF="$here/containers.conf"
fi

log() {
    printf '%s build.sh event=%s\n' "$(date -u +%H:%M:%S)" "$*" >&2
}

jar="$root/proxy-core/target/portlocal.jar"
if [ ! -f "$jar" ]; then
    log "jar_missing action=\"mvn -B -q package -DskipTests\""
    (cd "$root" && mvn -B -q package -DskipTests)
fi
shim="META-INF/native/libportlocal_pipe_linux_x86_64.so"
if ! grep -q -a -F "$shim" "$jar"; then
    echo "build.sh: $jar has no $shim (was it built without gcc?); the image must carry the pipe shim" >&2
    exit 1
fi

# The offline base ---------------------------------------------------------------------------------------------
suite=bookworm
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
packages=openjdk-17-jre-headless
recipe="$suite minbase $packages updates+security slim $mirror $security_mirror 2"
max_age_days="${PORTLOCAL_BASE_MAX_AGE_DAYS:-7}"

# Removes a root filesystem: first unmounts whatever is mounted below it (debootstrap may leave /proc, /sys or a
# bind-mounted /dev behind when it fails), deepest first, and never crosses into another file system.
remove_rootfs() {
    local mounts
    mounts="$(awk -v r="$1/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r)"
    if [ -n "$mounts" ]; then
        printf '%s\n' "$mounts" | xargs -r -n 1 umount -l
    fi
    rm -rf --one-file-system "$1"
}

make_base() {
    local tag="$1" rootfs
    command -v debootstrap >/dev/null 2>&1 || { echo "build.sh: debootstrap is not installed" >&2; exit 1; }
    [ "$(id -u)" -eq 0 ] || { echo "build.sh: the offline base needs root (debootstrap, chroot)" >&2; exit 1; }
    rootfs="$(mktemp -d /var/tmp/portlocal-base.XXXXXX)"
    # shellcheck disable=SC2064 # expand now: the trap must remove this directory
    trap "remove_rootfs '$rootfs'" EXIT
    log "base_debootstrap suite=$suite mirror=$mirror"
    debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >&2
    cat > "$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security_mirror $suite-security main
SOURCES
    # As Debian's own slim images: no manuals, documentation (but the copyright files) or translations, also for
    # what a derived image installs later.
    cat > "$rootfs/etc/dpkg/dpkg.cfg.d/portlocal-slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
SLIM
    cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
    mount -t proc proc "$rootfs/proc"
    log "base_upgrade from=\"$suite-updates $suite-security\""
    chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get -q update >&2
    chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get -q -y upgrade >&2
    chroot "$rootfs" apt-get clean
    umount "$rootfs/proc"
    # What the package manager does not need at runtime; /var/lib/dpkg stays, so scanners see every package.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/* "$rootfs"/tmp/* \
        "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old
    find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
    find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/groff/* "$rootfs"/usr/share/info/* \
        "$rootfs"/usr/share/lintian/* "$rootfs"/usr/share/linda/*
    : > "$rootfs/etc/resolv.conf"
    : > "$rootfs/etc/machine-id"
    log "base_import tag=$tag"
    tar --numeric-owner -C "$rootfs" -c . | podman import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change "LABEL dev.portlocal.base.recipe=\"$recipe\"" \
        - "$tag" >/dev/null
    remove_rootfs "$rootfs"
    trap - EXIT
}

if [ -z "$base" ]; then
    base="localhost/portlocal-base:$suite-$(printf '%s' "$recipe" | sha256sum | cut -c1-12)"
    created="$(podman image inspect --format '{{.Created.Unix}}' "$base" 2>/dev/null || echo 0)"
    age_days=$(( ($(date +%s) - created) / 86400 ))
    if "$rebuild_base" || [ "$created" -eq 0 ] || [ "$age_days" -ge "$max_age_days" ]; then
        old_base="$(podman image inspect --format '{{.Id}}' "$base" 2>/dev/null || true)"
        make_base "$base"
        if [ -n "$old_base" ]; then
            podman rmi "$old_base" >/dev/null 2>&1 || true
        fi
    else
        log "base_reused tag=$base ageDays=$age_days maxAgeDays=$max_age_days"
    fi
fi

# The image ----------------------------------------------------------------------------------------------------
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp "$jar" "$root/systemd/jvm.options" "$context/"
revision="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
if [ "$revision" != unknown ] && [ -n "$(git -C "$root" status --porcelain 2>/dev/null)" ]; then
    revision="$revision-dirty"
fi
source_url="${PORTLOCAL_SOURCE:-$(git -C "$root" config --get remote.origin.url 2>/dev/null || echo unknown)}"
previous="$(podman image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
log "image_build tag=$tag base=$base revision=$revision"
buildah build -f "$here/Containerfile" \
    --build-arg BASE="$base" \
    --build-arg VERSION="$version" \
    --build-arg REVISION="$revision" \
    --build-arg SOURCE="$source_url" \
    -t "$tag" "$context" >&2
id="$(podman image inspect --format '{{.Id}}' "$tag")"
if [ -n "$previous" ] && [ "$previous" != "$id" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true  # the image this one replaces, unless a container uses it
fi
log "image_built tag=$tag id=${id:0:12} bytes=$(podman image inspect --format '{{.Size}}' "$tag")"
echo "$tag"

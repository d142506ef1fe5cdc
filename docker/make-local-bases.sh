#!/usr/bin/env bash
# STAND-INS for the official base images docker/Dockerfile starts from, for machines that cannot
# pull from Docker Hub (this repository's CI). With internet access you do not need this script:
# `docker build` pulls the real `swift:6.3-bookworm` and `debian:bookworm-slim`.
#
# For each base image named by a FROM line of docker/Dockerfile that the engine does not have, it
# builds a local image under exactly that name, so the Dockerfile builds unchanged:
#
#   debian:bookworm-slim  a minimal Debian 12 from `debootstrap --variant=minbase`, trimmed the
#                         way the official slim image is (no documentation, man pages or
#                         translations; the same apt settings and deb822 sources).
#   swift:6.3-bookworm    that Debian plus the packages of the official Swift image's Dockerfile
#                         (swiftlang/swift-docker, debian/12), plus this machine's Swift toolchain
#                         ($SWIFT_TOOLCHAIN, default /opt/swift) unpacked under /usr as the
#                         official image does. Left out, to keep the image small: the debugger,
#                         the IDE services and the Embedded-Swift libraries (lldb, sourcekit-lsp,
#                         sourcekitd, clangd, docc, swift-format, usr/lib/swift/embedded), which
#                         `swift build` does not use. SwiftPM cannot reach GitHub from here, so the
#                         image also carries this machine's package mirror ($SWIFT_PACKAGE_MIRROR,
#                         default /opt/swift-packages) and an /etc/gitconfig rewriting
#                         https://github.com/ to it. (The official image has neither.)
#
# Each image is one layer (`docker import`), which matters under the vfs storage driver, where
# every layer is a full copy. The debootstrap output is cached as a tarball in $CACHE_DIR
# (default /var/cache/flowkit-docker-bases), so making the images again takes a minute or two
# instead of a fresh debootstrap. Images already present are left alone (--force rebuilds them).
#
# Needs: root, a running Docker engine (containers and builds with --network host), debootstrap,
# a Debian mirror ($DEBIAN_MIRROR, default http://deb.debian.org/debian).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dockerfile="$here/Dockerfile"
CACHE_DIR=${FLOWKIT_DOCKER_CACHE:-/var/cache/flowkit-docker-bases}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SWIFT_TOOLCHAIN=${SWIFT_TOOLCHAIN:-/opt/swift}
SWIFT_PACKAGE_MIRROR=${SWIFT_PACKAGE_MIRROR:-/opt/swift-packages}
force=0
[ "${1:-}" = "--force" ] && force=1

say() { echo "make-local-bases: $*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, docker)"
docker info >/dev/null 2>&1 || die "no Docker engine answers (start dockerd first; docker/test.sh does)"

# The names come from the Dockerfile, so the stand-ins always match what it asks for.
swift_image=$(sed -n 's/^FROM[[:space:]]\{1,\}\(swift:[^[:space:]]*\).*/\1/p' "$dockerfile" | head -n 1)
debian_image=$(sed -n 's/^FROM[[:space:]]\{1,\}\(debian:[^[:space:]]*\).*/\1/p' "$dockerfile" | head -n 1)
{ [ -n "$swift_image" ] && [ -n "$debian_image" ]; } || die "cannot find the swift: and debian: FROM lines in $dockerfile"
suite=bookworm
case "$debian_image $swift_image" in
    *bookworm*bookworm*) ;;
    *) die "the stand-ins are Debian 12 (bookworm); $dockerfile names $debian_image and $swift_image" ;;
esac

have_image() { [ "$force" -eq 0 ] && docker image inspect "$1" >/dev/null 2>&1; }

if have_image "$debian_image" && have_image "$swift_image"; then
    say "$debian_image and $swift_image are present; nothing to do"
    exit 0
fi

mkdir -p "$CACHE_DIR"
work=$(mktemp -d "$CACHE_DIR/work.XXXXXX")
container=""
cleanup() {
    if [ -n "$container" ]; then docker rm -f "$container" >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# --- the minimal Debian (cached) -------------------------------------------------------------
rootfs_tar="$CACHE_DIR/debian-$suite-minbase.tar"
if [ ! -s "$rootfs_tar" ]; then
    command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
    say "debootstrap --variant=minbase $suite from $DEBIAN_MIRROR (a few minutes; cached in $rootfs_tar)"
    root="$work/rootfs"
    debootstrap --variant=minbase "$suite" "$root" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }

    # Trim it the way the official debian:*-slim images are (debuerreotype's --slimify and its
    # apt settings for Docker): no documentation, man pages or translations, now or later.
    mkdir -p "$root/etc/dpkg/dpkg.cfg.d" "$root/etc/apt/apt.conf.d"
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
EOF
    echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
    echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
    echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
    rm -rf "$root/usr/share/man/"* "$root/usr/share/info/"* "$root/usr/share/groff/"* "$root/usr/share/lintian/"* "$root/usr/share/linda/"*
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true

    # The official image's sources (deb822, with updates and security), on the mirror given.
    rm -f "$root/etc/apt/sources.list"
    security_mirror=${DEBIAN_SECURITY_MIRROR:-${DEBIAN_MIRROR%/debian}/debian-security}
    cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin "$root/var/cache/apt/archives/"*.deb "$root/var/log/"*.log \
        "$root/debootstrap" "$root/tmp/"*
    : >"$root/etc/resolv.conf"
    echo "flowkit-stand-in" >"$root/etc/hostname"
    tar --numeric-owner -C "$root" -cf "$rootfs_tar.partial" .
    mv "$rootfs_tar.partial" "$rootfs_tar"
    rm -rf "$root"
else
    say "using the cached minimal Debian $rootfs_tar"
fi

debian_changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["bash"]')
if ! have_image "$debian_image"; then
    say "importing $debian_image (stand-in)"
    docker import "${debian_changes[@]}" \
        --change "LABEL org.flowkit.stand-in=\"debootstrap --variant=minbase $suite; stand-in for the official $debian_image\"" \
        "$rootfs_tar" "$debian_image" >/dev/null
fi

# --- the Swift build image --------------------------------------------------------------------
if ! have_image "$swift_image"; then
    [ -x "$SWIFT_TOOLCHAIN/usr/bin/swift" ] || die "no Swift toolchain at $SWIFT_TOOLCHAIN (set SWIFT_TOOLCHAIN to the folder holding usr/bin/swift)"
    swift_version=$("$SWIFT_TOOLCHAIN/usr/bin/swift" --version 2>/dev/null | sed -n 's/.*Swift version \([0-9][0-9.]*\).*/\1/p' | head -n 1)
    wanted=${swift_image#swift:}; wanted=${wanted%%-*}
    case "$swift_version" in
        "$wanted"|"$wanted".*) ;;
        *) die "$swift_image wants Swift $wanted, but $SWIFT_TOOLCHAIN has Swift ${swift_version:-?}" ;;
    esac
    say "making $swift_image (stand-in): Debian + the official image's packages + Swift $swift_version from $SWIFT_TOOLCHAIN"

    # The packages of swiftlang/swift-docker's debian/12 Dockerfile, installed in a container of
    # the minimal Debian (imported again under a temporary name, in case $debian_image is real).
    base_tmp="flowkit-stand-in-base:tmp"
    docker import "${debian_changes[@]}" "$rootfs_tar" "$base_tmp" >/dev/null
    container="flowkit-stand-in-swift-$$"
    docker run --network host --name "$container" "$base_tmp" bash -c '
        set -e
        export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true
        apt-get -q update
        apt-get -q install -y binutils libicu-dev libcurl4-openssl-dev libedit-dev libsqlite3-dev libncurses-dev \
            libpython3-dev libxml2-dev pkg-config uuid-dev tzdata git gcc libstdc++-12-dev ca-certificates
        rm -rf /var/lib/apt/lists/*' >"$work/apt.log" 2>&1 || { tail -n 30 "$work/apt.log" >&2; die "installing the Swift image's packages failed"; }
    root="$work/swift-rootfs"
    mkdir -p "$root"
    docker export "$container" | tar --numeric-owner -C "$root" -xf -
    docker rm -f "$container" >/dev/null; container=""
    docker rmi "$base_tmp" >/dev/null

    # The toolchain under /usr, as the official image unpacks it (tar -C / --strip-components=1).
    tar -C "$SWIFT_TOOLCHAIN" -cf - \
        --exclude='usr/bin/lldb*' --exclude='usr/lib/liblldb*' --exclude='usr/bin/sourcekit-lsp' \
        --exclude='usr/lib/libsourcekitdInProc.so' --exclude='usr/lib/libSwiftSourceKit*' --exclude='usr/bin/clangd' \
        --exclude='usr/bin/docc' --exclude='usr/share/docc' --exclude='usr/bin/swift-format' --exclude='usr/lib/swift/embedded' \
        usr | tar -C "$root" -xf -
    chmod -R o+r "$root/usr/lib/swift"
    # The package mirror, and git told to use it for GitHub (SwiftPM clones with git).
    if [ -d "$SWIFT_PACKAGE_MIRROR" ]; then
        mkdir -p "$root/opt"
        cp -a "$SWIFT_PACKAGE_MIRROR" "$root/opt/swift-packages"
        cat >"$root/etc/gitconfig" <<'EOF'
# Stand-in image only: GitHub is unreachable here, so SwiftPM's clones come from a local mirror.
[url "/opt/swift-packages/"]
	insteadOf = https://github.com/
	insteadOf = git@github.com:
	insteadOf = ssh://git@github.com/
EOF
    else
        say "warning: no package mirror at $SWIFT_PACKAGE_MIRROR; swift build in the image will need GitHub"
    fi
    # One layer: the whole tree in one import.
    tar --numeric-owner -C "$root" -cf - . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change "ENV SWIFT_PLATFORM=debian12 SWIFT_VERSION=swift-$swift_version-RELEASE" \
        --change "LABEL org.flowkit.stand-in=\"Debian $suite + the Swift $swift_version toolchain of this machine; stand-in for the official $swift_image\"" \
        --change 'CMD ["bash"]' \
        - "$swift_image" >/dev/null
    rm -rf "$root"
    docker run --rm --network host "$swift_image" swift --version >&2 || die "swift does not run in $swift_image"
fi

docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E "^($debian_image|$swift_image) " >&2 || true
say "done"

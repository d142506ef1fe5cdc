#!/usr/bin/env bash
# Builds the carry bundle for a GPU host without a Swift toolchain or internet (issue 29): one
# compressed archive, under the 64 MiB such a host accepts, that runs scripts/gpu-check.sh there.
#
#   scripts/gpu-bundle.sh [--skip-build] [ARCHIVE]      (default .build-static/gpu-bundle.tar.gz)
#
# The archive holds gpu-bundle/ with
#   flowkit          a wrapper: runs bin/flowkit with lib/ on LD_LIBRARY_PATH (for flowkit alone)
#   bin/flowkit      `swift build -c release --static-swift-stdlib --product flowkit`, stripped
#   lib/             every library `ldd` lists for it that is not part of glibc (the OpenCL ICD
#                    loader libOpenCL.so.1, OpenBLAS with libgfortran and libquadmath, SQLite, zlib,
#                    libcurl and its dependencies...): the host may lack any of them, or have them
#                    under other sonames
#   gpu-check.sh     the run itself; bench/peers.py and bench/WORKLOADS.md
#   python/          safetensors and nflows (peers.py's needs besides PyTorch), pip-installed for
#                    any CPython 3.10+; gpu-check.sh adds it to PYTHONPATH
#   BUNDLE.txt       the commit, the build machine, and the newest GLIBC_ symbol version that the
#                    binary and the carried libraries need (the host's glibc must be at least that)
#
# The static build uses its own scratch folder, .build-static (its flags differ from the shared
# .build, which it would otherwise rebuild from scratch). NVRTC is not carried (libnvrtc.so.13 is
# 105 MB): the host's (a CUDA toolkit, or the nvidia-cuda-nvrtc wheel PyTorch brings) is used.
#
# On the GPU host:  tar xzf gpu-bundle.tar.gz && gpu-bundle/gpu-check.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$root/.build-static"
build=1
archive=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --skip-build) build=0 ;;
        -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "gpu-bundle.sh: unknown option $1" >&2; exit 2 ;;
        *) archive="$1" ;;
    esac
    shift
done
archive="${archive:-$scratch/gpu-bundle.tar.gz}"
limit=$((64 * 1024 * 1024))

if [[ $build -eq 1 ]]; then
    (cd "$root" && swift build -c release --static-swift-stdlib --product flowkit --scratch-path "$scratch")
fi
elf="$scratch/release/flowkit"
[[ -x "$elf" ]] || { echo "gpu-bundle.sh: no $elf (run without --skip-build)" >&2; exit 1; }

stage="$(mktemp -d "${TMPDIR:-/tmp}/gpu-bundle.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
bundle="$stage/gpu-bundle"
mkdir -p "$bundle/bin" "$bundle/lib" "$bundle/bench" "$bundle/python"
strip -o "$bundle/bin/flowkit" "$elf"

# glibc's own libraries come with the host's glibc and must never be carried (they must match the
# host's dynamic loader); everything else the binary loads is.
is_glibc() {
    case "$1" in
        ld-linux*.so.* | libc.so.* | libm.so.* | libdl.so.* | libpthread.so.* | librt.so.* | libutil.so.* \
            | libresolv.so.* | libanl.so.* | libmvec.so.* | libnss_*.so.* | libBrokenLocale.so.* | libthread_db.so.*) return 0 ;;
    esac
    return 1
}
while read -r soname path; do
    [[ -n "$path" && "$path" == /* ]] || continue
    is_glibc "$soname" && continue
    cp -L "$path" "$bundle/lib/$soname"
done < <(ldd "$elf" | awk '$2 == "=>" {print $1, $3}')
[[ -f "$bundle/lib/libOpenCL.so.1" ]] || { echo "gpu-bundle.sh: ldd lists no libOpenCL.so.1 (the ICD loader)" >&2; exit 1; }
strip --strip-unneeded "$bundle"/lib/* 2> /dev/null || true

cat > "$bundle/flowkit" << 'SH'
#!/bin/sh
# flowkit with the libraries carried beside it (lib/) found before the host's; for flowkit only.
here="$(cd "$(dirname "$0")" && pwd)"
LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$here/bin/flowkit" "$@"
SH
chmod +x "$bundle/flowkit"
cp "$root/scripts/gpu-check.sh" "$bundle/"
cp "$root/bench/peers.py" "$root/bench/WORKLOADS.md" "$bundle/bench/"
# peers.py's requirements besides torch and numpy, in the versions bench/requirements.txt pins.
safetensors_pin="$(grep -E '^safetensors==' "$root/bench/requirements.txt")"
nflows_pin="$(grep -E '^nflows==' "$root/bench/requirements.txt")"
python3 -m pip install --quiet --disable-pip-version-check --no-deps --no-compile --root-user-action=ignore \
    --only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.10 --implementation cp --target "$bundle/python" \
    "$safetensors_pin"
python3 -m pip install --quiet --disable-pip-version-check --no-deps --no-compile --root-user-action=ignore \
    --target "$bundle/python" "$nflows_pin"
find "$bundle/python" -name __pycache__ -prune -exec rm -rf {} +

newest_glibc() {  # files...: the newest GLIBC_x.y version any of them asks for
    objdump -T "$@" 2> /dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sort -uV | tail -n 1
}
{
    echo "commit: $(git -C "$root" rev-parse HEAD)$(git -C "$root" diff --quiet HEAD -- Sources Kernels Package.swift || echo ' (with uncommitted changes)')"
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(. /etc/os-release && echo "$PRETTY_NAME"), $(getconf GNU_LIBC_VERSION)"
    echo "swift: $(swift --version 2>&1 | head -n 1)"
    echo "newest GLIBC symbol: $(newest_glibc "$bundle/bin/flowkit")"
    echo "newest GLIBC symbol of the carried libraries: $(newest_glibc "$bundle"/lib/*)"
    echo "carried libraries: $(cd "$bundle/lib" && ls | tr '\n' ' ')"
} > "$bundle/BUNDLE.txt"

mkdir -p "$(dirname "$archive")"
tar czf "$archive" -C "$stage" gpu-bundle
size=$(stat -c %s "$archive")
cat "$bundle/BUNDLE.txt"
echo "binary: $(du -h "$bundle/bin/flowkit" | cut -f1) stripped; libraries: $(du -sh "$bundle/lib" | cut -f1); python: $(du -sh "$bundle/python" | cut -f1)"
echo "archive: $archive, $((size / 1024 / 1024)) MiB ($size bytes; the limit is $limit)"
if (( size >= limit )); then
    echo "gpu-bundle.sh: the archive is over 64 MiB" >&2
    exit 1
fi

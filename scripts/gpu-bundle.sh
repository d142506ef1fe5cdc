#!/usr/bin/env bash
# Builds the carry bundle for a GPU host without a Swift toolchain or internet (issue 29): one
# compressed archive, under the 64 MiB such a host accepts, that runs scripts/gpu-check.sh there.
#
#   scripts/gpu-bundle.sh [--commit REV | --working-tree] [--skip-build] [ARCHIVE]
#
# builds commit REV (default HEAD; exported with `git archive`, so edits not committed yet, yours
# or anyone's, never reach the host and BUNDLE.txt names exactly what was built), or with
# --working-tree the checkout as it is, and packs ARCHIVE (default .build-static/gpu-bundle.tar.gz).
#
# The archive holds gpu-bundle/ with
#   flowkit          a wrapper: runs bin/flowkit with lib/ on LD_LIBRARY_PATH (for flowkit alone)
#   bin/flowkit      `swift build -c release --static-swift-stdlib --product flowkit`, stripped
#   lib/             every library `ldd` lists for it that is not part of glibc (the OpenCL ICD
#                    loader libOpenCL.so.1, OpenBLAS with libgfortran and libquadmath, SQLite, zlib,
#                    libcurl and its dependencies...): the host may lack any of them, or have them
#                    under other sonames; GCC's libstdc++ and libgcc_s in lib/gcc/, used only where
#                    the host's libstdc++ is missing or too old
#   gpu-check.sh     the run itself; bench/peers.py and bench/WORKLOADS.md
#   python/          safetensors and nflows (peers.py's needs besides PyTorch), pip-installed for
#                    any CPython 3.10+; gpu-check.sh adds it to PYTHONPATH
#   BUNDLE.txt       the commit, the build machine, and the newest GLIBC_ symbol version that the
#                    binary and the carried libraries need (the host's glibc must be at least that)
#
# The static build uses its own scratch folder, .build-static/build (its flags differ from the
# shared .build, which it would otherwise rebuild from scratch). NVRTC is not carried (libnvrtc.so.13 is
# 105 MB): the host's (a CUDA toolkit, or the nvidia-cuda-nvrtc wheel PyTorch brings) is used.
#
# On the GPU host:  tar xzf gpu-bundle.tar.gz && gpu-bundle/gpu-check.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$root/.build-static"
build=1
archive=""
commit=HEAD
while [[ $# -gt 0 ]]; do
    case "$1" in
        --skip-build) build=0 ;;
        --commit) commit="${2:?--commit needs a revision}"; shift ;;
        --working-tree) commit="" ;;
        -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "gpu-bundle.sh: unknown option $1" >&2; exit 2 ;;
        *) archive="$1" ;;
    esac
    shift
done
archive="${archive:-$scratch/gpu-bundle.tar.gz}"
limit=$((64 * 1024 * 1024))

# The sources built: the commit's files in .build-static/source (Package.resolved, which git
# ignores, copied from the checkout so the dependencies are the ones the shared build uses).
if [[ -n "$commit" ]]; then
    revision="$(git -C "$root" rev-parse --verify "$commit^{commit}")"
    source="$scratch/source"
    if [[ $build -eq 1 ]]; then
        rm -rf "$source.new" && mkdir -p "$source.new"
        git -C "$root" archive "$revision" | tar x -C "$source.new"
        [[ -f "$root/Package.resolved" ]] && cp "$root/Package.resolved" "$source.new/"
        # Keep the folder (and so the build's incremental state) when the files are the same.
        if [[ -d "$source" ]] && diff -rq "$source.new" "$source" > /dev/null 2>&1; then
            rm -rf "$source.new"
        else
            rm -rf "$source" && mv "$source.new" "$source"
        fi
        echo "$revision" > "$scratch/source.commit"
    fi
    described="$revision"
else
    source="$root"
    described="$(git -C "$root" rev-parse HEAD)$(git -C "$root" diff --quiet HEAD -- Sources Kernels Package.swift || echo ' with uncommitted changes')"
    [[ $build -eq 1 ]] && echo "working tree" > "$scratch/source.commit"
fi
# A --static-swift-stdlib link pulls in FoundationNetworking's libcurl by name (-lcurl): the
# development package must be there (the swift images have it, a plain Debian does not).
if [[ $build -eq 1 ]] && ! compgen -G "/usr/lib/*/libcurl.so" > /dev/null && ! compgen -G "/usr/lib*/libcurl.so" > /dev/null; then
    echo "gpu-bundle.sh: the static link needs libcurl's development files: apt-get install libcurl4-openssl-dev" >&2
    exit 1
fi
if [[ $build -eq 1 ]]; then
    (cd "$source" && swift build -c release --static-swift-stdlib --product flowkit --scratch-path "$scratch/build")
fi
[[ -n "$commit" && "$(cat "$scratch/source.commit" 2> /dev/null)" != "$described" ]] \
    && { echo "gpu-bundle.sh: the last build in $scratch was of $(cat "$scratch/source.commit" 2> /dev/null), not $described" >&2; exit 1; }
elf="$scratch/build/release/flowkit"
[[ -x "$elf" ]] || { echo "gpu-bundle.sh: no $elf (run without --skip-build)" >&2; exit 1; }

stage="$(mktemp -d "${TMPDIR:-/tmp}/gpu-bundle.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
bundle="$stage/gpu-bundle"
mkdir -p "$bundle/bin" "$bundle/lib/gcc" "$bundle/bench" "$bundle/python"
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
# GCC's runtime (libstdc++, libgcc_s) goes to lib/gcc/, used only where the host's libstdc++ is
# missing or older than the binary needs: every host with PyTorch has one, often newer, and the
# driver's libraries loaded into flowkit may need it as new as it is.
while read -r soname path; do
    [[ -n "$path" && "$path" == /* ]] || continue
    is_glibc "$soname" && continue
    case "$soname" in
        libstdc++.so.* | libgcc_s.so.*) cp -L "$path" "$bundle/lib/gcc/$soname" ;;
        *) cp -L "$path" "$bundle/lib/$soname" ;;
    esac
done < <(ldd "$elf" | awk '$2 == "=>" {print $1, $3}')
[[ -f "$bundle/lib/libOpenCL.so.1" ]] || { echo "gpu-bundle.sh: ldd lists no libOpenCL.so.1 (the ICD loader)" >&2; exit 1; }
strip --strip-unneeded "$bundle"/lib/*.so.* "$bundle"/lib/gcc/* 2> /dev/null || true
newest_glibcxx="$(objdump -T "$bundle/bin/flowkit" 2> /dev/null | grep -o 'GLIBCXX_[0-9][0-9.]*' | sort -uV | tail -n 1)"

# The wrapper: flowkit with the carried libraries found before the host's, for flowkit only.
cat > "$bundle/flowkit" << SH
#!/bin/sh
# flowkit with the libraries carried beside it (lib/) found before the host's; GCC's runtime
# (lib/gcc/) only where the host's libstdc++.so.6 is missing or lacks ${newest_glibcxx:-GLIBCXX_3.4}.
here="\$(cd "\$(dirname "\$0")" && pwd)"
path="\$here/lib"
host_cxx="\$( (ldconfig -p 2> /dev/null || /sbin/ldconfig -p 2> /dev/null) | awk '\$1 == "libstdc++.so.6" && /x86-64/ {print \$NF; exit}')"
if [ -z "\$host_cxx" ] || ! grep -q "${newest_glibcxx:-GLIBCXX_3.4}" "\$host_cxx" 2> /dev/null; then path="\$path:\$here/lib/gcc"; fi
LD_LIBRARY_PATH="\$path\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "\$here/bin/flowkit" "\$@"
SH
chmod +x "$bundle/flowkit"
cp "$source/scripts/gpu-check.sh" "$bundle/"
cp "$source/bench/peers.py" "$source/bench/WORKLOADS.md" "$bundle/bench/"
# peers.py's requirements besides torch and numpy, in the versions bench/requirements.txt pins.
safetensors_pin="$(grep -E '^safetensors==' "$source/bench/requirements.txt")"
nflows_pin="$(grep -E '^nflows==' "$source/bench/requirements.txt")"
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
    echo "commit: $described"
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(. /etc/os-release && echo "$PRETTY_NAME"), $(getconf GNU_LIBC_VERSION)"
    echo "swift: $(swift --version 2>&1 | head -n 1)"
    echo "newest GLIBC symbol: $(newest_glibc "$bundle/bin/flowkit")"
    echo "newest GLIBC symbol of the carried libraries: $(newest_glibc "$bundle"/lib/*.so.*) (lib/), $(newest_glibc "$bundle"/lib/gcc/*) (lib/gcc/)"
    echo "newest GLIBCXX symbol: $newest_glibcxx"
    echo "carried libraries: $(cd "$bundle/lib" && ls -- *.so.* | tr '\n' ' ')+ gcc/: $(cd "$bundle/lib/gcc" && ls | tr '\n' ' ')"
} > "$bundle/BUNDLE.txt"

mkdir -p "$(dirname "$archive")"
tar czf "$archive" -C "$stage" gpu-bundle
size=$(stat -c %s "$archive")
if (( size >= limit )) && [[ "$archive" == *.tar.gz ]]; then
    # xz packs the binary's ICU data and OpenBLAS tighter than gzip, at the cost of needing xz there.
    rm -f "$archive"
    archive="${archive%.tar.gz}.tar.xz"
    tar cJf "$archive" -C "$stage" gpu-bundle
    size=$(stat -c %s "$archive")
fi
cat "$bundle/BUNDLE.txt"
echo "binary: $(du -h "$bundle/bin/flowkit" | cut -f1) stripped; libraries: $(du -sh "$bundle/lib" | cut -f1); python: $(du -sh "$bundle/python" | cut -f1)"
echo "archive: $archive, $((size / 1024 / 1024)) MiB ($size bytes; the limit is $limit)"
if (( size >= limit )); then
    echo "gpu-bundle.sh: the archive is over 64 MiB" >&2
    exit 1
fi

#!/usr/bin/env bash
# Builds flowkit's Docker images and runs the CPU image for real (docs/docker.md):
#
#   1. a Docker engine: the one running, else dockerd started here (vfs storage, no iptables, no
#      bridge: containers and builds use --network host) and stopped at the end;
#   2. the base images: docker/make-local-bases.sh makes stand-ins for swift:6.3-bookworm and
#      debian:bookworm-slim when the engine has none (this machine cannot pull them);
#   3. builds the CPU image (the default target, no PoCL), the CPU image with PoCL
#      (--build-arg POCL=1, which reuses the default build's layers) and the GPU image
#      (--target gpu); checks that a POCL value other than 0 or 1 is refused; checks what each CPU
#      image holds: the default one no PoCL, LLVM or clang (packages, files, OpenCL ICDs), the
#      PoCL one PoCL's package, library and ICD file;
#   4. runs the CPU image with a token and a state volume, waits for its health check, checks
#      that /v1 needs the token, submits two short jobs with the host's `flowkit jobs` (the toy
#      banana density, and a CSV data set uploaded with --data), waits for them to succeed,
#      fetches samples and lists the artifacts; checks `docker stop` is a clean exit (status 0);
#   5. starts a new container on the same volume: the jobs, their samples and artifacts are
#      still there, byte for byte;
#   6. one-off training without the server (`docker run … flowkit train` on a mounted folder);
#      `flowkit devices` in the three images (the default CPU one: the cpu device and no OpenCL
#      device; the PoCL one: PoCL's OpenCL device, and a short training on it; the GPU one cannot
#      see a GPU here, it must list the cpu device and the NVIDIA ICD must be registered);
#   7. cleans up: containers, the volume, the images this run built (FLOWKIT_DOCKER_KEEP_IMAGES=1
#      keeps them, so that a rerun rebuilds nothing), the engine if it started it. The stand-in
#      bases stay.
#
# The host's flowkit (the jobs client) is $FLOWKIT_BIN, else .build/release/flowkit, else the
# binary copied out of the CPU image. Prints the time of each phase; exits non-zero on any
# failure, naming it. Skips (exit 0) unless run as root on Linux.
set -euo pipefail

start_all=$(date +%s)
say() { echo "docker/test.sh: $*" >&2; }

if [ "$(uname -s)" != "Linux" ]; then
    say "skipped: needs Linux (Docker's engine runs here as root with the vfs driver); this is $(uname -s)"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    say "skipped: needs root (it starts dockerd, installs docker.io/debootstrap, runs debootstrap)"
    exit 0
fi

cd "$(dirname "$0")/.."
repo=$(pwd)
export DOCKER_BUILDKIT=0 # the classic builder: what the Debian engine runs without buildx
tag=${FLOWKIT_TEST_IMAGE:-flowkit-test}
cpu_image="$tag:cpu"
pocl_image="$tag:cpu-pocl"
gpu_image="$tag:gpu"
run_id="$$-$(date +%s)"
volume="flowkit-test-state-$run_id"
workdir=$(mktemp -d /tmp/flowkit-docker-test.XXXXXX)
containers=()
started_dockerd=""
images_before=""
failed=1

# ---- timings -----------------------------------------------------------------------------------
phase_name=""
phase_start=0
timings=()
phase() {
    local now
    now=$(date +%s)
    if [ -n "$phase_name" ]; then timings+=("$(printf '%-44s %5ds' "$phase_name" $((now - phase_start)))"); fi
    phase_name=$1
    phase_start=$now
    [ -n "$phase_name" ] && say "== $phase_name"
    return 0
}
print_timings() {
    phase ""
    say "timings:"
    local line
    for line in "${timings[@]}"; do echo "    $line" >&2; done
    printf '    %-44s %5ds\n' "total" $(($(date +%s) - start_all)) >&2
}

fail() {
    say "FAILED: $*"
    exit 1
}

dump_container() {
    local name=$1
    docker ps -a --filter "name=^/$name\$" --format '{{.Names}}' | grep -q . || return 0
    say "--- last lines of $name's log:"
    docker logs --tail 60 "$name" 2>&1 | sed 's/^/    /' >&2 || true
    say "--- its health check:"
    docker inspect -f '{{json .State.Health}}' "$name" 2>/dev/null | head -c 2000 >&2 || true
    echo >&2
}

cleanup() {
    local status=$?
    trap - EXIT
    set +e
    if [ "$failed" -ne 0 ]; then
        for c in "${containers[@]}"; do dump_container "$c"; done
    fi
    phase "clean up"
    for c in "${containers[@]}"; do docker rm -f -v "$c" >/dev/null 2>&1; done
    docker volume rm -f "$volume" >/dev/null 2>&1
    if [ -n "$started_dockerd" ]; then
        # An interrupted build goes on to finish its step, then removes its container: wait for
        # that (every container of this engine is ours) before removing images and stopping the
        # engine, which would otherwise leave layers behind (gigabytes each under vfs).
        local quiet=0
        for _ in $(seq 1 120); do
            if [ -z "$(docker ps -aq 2>/dev/null)" ]; then
                quiet=$((quiet + 1))
                [ "$quiet" -ge 5 ] && break
            else
                quiet=0
                docker ps -aq --filter status=exited --filter status=created | xargs -r docker rm -f -v >/dev/null 2>&1
            fi
            sleep 1
        done
    fi
    if [ "${FLOWKIT_DOCKER_KEEP_IMAGES:-0}" != "1" ] && [ -n "$images_before" ] && docker info >/dev/null 2>&1; then
        # What this run's builds added: the three images and the classic builder's intermediate
        # images (the build stage's are gigabytes under vfs). Newest first, so children go first.
        docker rmi "$cpu_image" "$pocl_image" "$gpu_image" >/dev/null 2>&1
        local id
        docker images -a -q --no-trunc | grep -vxF -f <(echo "$images_before") | while read -r id; do
            docker rmi "$id" >/dev/null 2>&1
        done
    fi
    rm -rf "$workdir"
    if [ -n "$started_dockerd" ]; then
        say "stopping the dockerd started here (pid $started_dockerd)"
        kill "$started_dockerd" 2>/dev/null
        for _ in $(seq 1 60); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 1; done
    fi
    print_timings
    if [ "$status" -eq 0 ] && [ "$failed" -eq 0 ]; then
        say "PASSED"
    else
        say "FAILED (exit status $status)"
        [ "$status" -eq 0 ] && status=1
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. engine ---------------------------------------------------------------------------------
phase "docker engine and tools"
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v docker >/dev/null || missing+=(docker.io)
if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } \
        || fail "apt-get install ${missing[*]}"
fi
if ! docker info >/dev/null 2>&1; then
    # shellcheck disable=SC2206
    dockerd_args=(${FLOWKIT_DOCKERD_ARGS:---storage-driver vfs --iptables=false --bridge=none})
    say "starting dockerd ${dockerd_args[*]} (log: /tmp/flowkit-docker-test-dockerd.log)"
    dockerd "${dockerd_args[@]}" >/tmp/flowkit-docker-test-dockerd.log 2>&1 &
    started_dockerd=$!
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { tail -n 20 /tmp/flowkit-docker-test-dockerd.log >&2; fail "dockerd did not come up in 60 s"; }
fi
say "engine: Docker $(docker version -f '{{.Server.Version}}' 2>/dev/null), storage driver $(docker info -f '{{.Driver}}')"

# ---- 2. bases ----------------------------------------------------------------------------------
phase "base images (stand-ins if missing)"
bash docker/make-local-bases.sh || fail "docker/make-local-bases.sh"
# Every image there is now (the bases included) stays; what the builds below add goes at the end.
images_before=$(docker images -a -q --no-trunc)
[ -n "$images_before" ] || images_before="none"

# ---- 3. images ---------------------------------------------------------------------------------
phase "build the CPU image (default target)"
docker build --network host --force-rm -f docker/Dockerfile -t "$cpu_image" . >"$workdir/build-cpu.log" 2>&1 \
    || { tail -n 60 "$workdir/build-cpu.log" >&2; fail "docker build (CPU image)"; }
phase "build the CPU image with PoCL (--build-arg POCL=1)"
docker build --network host --force-rm -f docker/Dockerfile --build-arg POCL=1 -t "$pocl_image" . >"$workdir/build-pocl.log" 2>&1 \
    || { tail -n 60 "$workdir/build-pocl.log" >&2; fail "docker build --build-arg POCL=1"; }
phase "build the GPU image (--target gpu)"
docker build --network host --force-rm -f docker/Dockerfile --target gpu -t "$gpu_image" . >"$workdir/build-gpu.log" 2>&1 \
    || { tail -n 60 "$workdir/build-gpu.log" >&2; fail "docker build --target gpu"; }
size_mb() { echo $(( $(docker image inspect -f '{{.Size}}' "$1") / 1000000 )); }
cpu_size=$(size_mb "$cpu_image")
pocl_size=$(size_mb "$pocl_image")
gpu_size=$(size_mb "$gpu_image")
sizes="$cpu_image ${cpu_size} MB, $pocl_image ${pocl_size} MB, $gpu_image ${gpu_size} MB"
say "image sizes: $sizes"

phase "what the CPU images hold (PoCL only with POCL=1)"
# A POCL value other than 0 or 1 is a build error naming it, not a silent default image.
docker build --network host --force-rm -f docker/Dockerfile --build-arg POCL=yes -t "$tag:pocl-refused" . \
    >"$workdir/build-pocl-refused.log" 2>&1 && fail "docker build --build-arg POCL=yes succeeded; it must be refused"
grep -q "POCL must be 0 .* or 1 .*, not 'yes'" "$workdir/build-pocl-refused.log" \
    || { tail -n 20 "$workdir/build-pocl-refused.log" >&2; fail "the refusal of POCL=yes does not say what POCL must be"; }
# One line per trace of PoCL and its compiler in an image: installed packages named like pocl,
# llvm or clang, OpenCL ICD files, and PoCL, LLVM and clang libraries anywhere on its file system.
opencl_stack() {
    docker run --rm -i --network host --user 0 "$1" sh -s <<'EOF'
dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" && $2 ~ /pocl|llvm|clang/ { print "package " $2 }'
for icd in /etc/OpenCL/vendors/*.icd; do [ -e "$icd" ] && echo "icd $icd: $(cat "$icd")"; done
find / -xdev \( -name 'libpocl*' -o -name 'libLLVM*' -o -name 'libclang*' \) -print 2>/dev/null | sed 's/^/file /'
exit 0
EOF
}
opencl_stack "$cpu_image" >"$workdir/stack-cpu.txt" || fail "looking for PoCL in $cpu_image"
opencl_stack "$pocl_image" >"$workdir/stack-pocl.txt" || fail "looking for PoCL in $pocl_image"
if [ -s "$workdir/stack-cpu.txt" ]; then
    head -n 20 "$workdir/stack-cpu.txt" | sed 's/^/    /' >&2
    fail "the default CPU image holds PoCL, LLVM, clang or an OpenCL ICD ($(wc -l <"$workdir/stack-cpu.txt") items, the first above); they belong only in the POCL=1 image"
fi
for wanted in '^package pocl-opencl-icd$' '^icd /etc/OpenCL/vendors/pocl\.icd: .*libpocl' '^file .*/libpocl\.so' '^file .*/libLLVM'; do
    grep -q "$wanted" "$workdir/stack-pocl.txt" \
        || { sed 's/^/    /' "$workdir/stack-pocl.txt" >&2; fail "the POCL=1 image lacks '$wanted' (of PoCL, LLVM, clang and ICDs it holds the $(grep -c . "$workdir/stack-pocl.txt") items above)"; }
done
label() { docker image inspect -f '{{index .Config.Labels "org.flowkit.pocl"}}' "$1"; }
[ "$(label "$cpu_image")" = "0" ] || fail "the default CPU image's label org.flowkit.pocl is '$(label "$cpu_image")', not 0"
[ "$(label "$pocl_image")" = "1" ] || fail "the POCL=1 image's label org.flowkit.pocl is '$(label "$pocl_image")', not 1"
say "$cpu_image: no PoCL, LLVM, clang or ICD; $pocl_image: $(grep -c . "$workdir/stack-pocl.txt") PoCL/LLVM/clang items, $(grep '^icd' "$workdir/stack-pocl.txt")"

# The host's jobs client.
flowkit=${FLOWKIT_BIN:-}
if [ -z "$flowkit" ] && [ -x .build/release/flowkit ]; then flowkit="$repo/.build/release/flowkit"; fi
if [ -z "$flowkit" ] || ! "$flowkit" --help >/dev/null 2>&1; then
    c="flowkit-test-copy-$run_id"
    docker create --name "$c" "$cpu_image" >/dev/null
    docker cp "$c:/usr/local/bin/flowkit" "$workdir/flowkit" >/dev/null
    docker rm -v "$c" >/dev/null
    flowkit="$workdir/flowkit"
    "$flowkit" --help >/dev/null 2>&1 || fail "no host flowkit (FLOWKIT_BIN, .build/release/flowkit) and the image's does not run here"
fi
say "jobs client: $flowkit"

# ---- 4. the service ------------------------------------------------------------------------------
phase "start the service, wait for healthy"
free_port() {
    local candidate
    for _ in $(seq 1 50); do
        candidate=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then echo "$candidate"; return 0; fi
    done
    fail "no free port found"
}
port=$(free_port)
token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export FLOWKIT_SERVER="http://127.0.0.1:$port" FLOWKIT_TOKEN="$token"

start_service() {
    local name=$1
    containers+=("$name")
    # --network host: the container's port is the host's; FLOWKIT_PORT moves the server and the
    # health check together. The health check runs every 2 s here (the image's default is 15 s).
    docker run -d --name "$name" --network host -e FLOWKIT_TOKEN="$token" -e FLOWKIT_PORT="$port" \
        -v "$volume:/var/lib/flowkit" --health-interval 2s --health-start-period 60s "$cpu_image" >/dev/null \
        || fail "docker run $cpu_image"
    local status=""
    for _ in $(seq 1 120); do
        status=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}} {{.State.Status}}' "$name")
        case "$status" in
            healthy*) return 0 ;;
            *exited*|*dead*) fail "the container $name stopped before it was healthy ($status)" ;;
        esac
        sleep 1
    done
    fail "the container $name was not healthy after 120 s (status: $status)"
}
# A call to the API from inside the container (the image has curl; the host need not).
api() { docker exec "${containers[-1]}" curl -fsS --max-time 30 -H "Authorization: Bearer $token" "$FLOWKIT_SERVER/$1"; }

start_service "flowkit-test-$run_id-a"
say "healthy on port $port: $(docker exec "${containers[-1]}" curl -sS "$FLOWKIT_SERVER/healthz")"
code=$(docker exec "${containers[-1]}" curl -s -o /dev/null -w '%{http_code}' "$FLOWKIT_SERVER/v1/jobs")
[ "$code" = "401" ] || fail "GET /v1/jobs without the token answered $code, not 401"
timeout 120 docker run --rm --network host -e FLOWKIT_PORT="$(free_port)" "$cpu_image" >"$workdir/notoken.log" 2>&1 \
    && fail "the server started on 0.0.0.0 without a token"
grep -qi token "$workdir/notoken.log" || { cat "$workdir/notoken.log" >&2; fail "the server's refusal without a token does not mention the token"; }

phase "submit two jobs, wait for them to succeed"
cat >"$workdir/banana.json" <<'EOF'
{"data": {"kind": "toy", "name": "banana", "evaluationSize": 500},
 "model": {"kind": "realnvp", "layers": 2, "hidden": 8},
 "train": {"steps": 200, "batchSize": 64, "checkpointEvery": 50, "evalEvery": 100, "logEvery": 10, "seed": 1}}
EOF
cat >"$workdir/tabular.json" <<'EOF'
{"data": {"kind": "csv"},
 "model": {"kind": "maf", "layers": 2, "hidden": 16},
 "train": {"steps": 150, "batchSize": 32, "checkpointEvery": 50, "evalEvery": 50, "logEvery": 10, "seed": 2}}
EOF
awk 'BEGIN { srand(7); print "x,y"; for (i = 0; i < 400; i++) { x = 4 * rand() - 2; printf "%.6f,%.6f\n", x, 0.5 * x + 0.6 * rand() - 0.3 } }' \
    >"$workdir/points.csv"
banana=$("$flowkit" jobs submit "$workdir/banana.json" --name docker-test-banana) || fail "flowkit jobs submit (banana)"
tabular=$("$flowkit" jobs submit "$workdir/tabular.json" --data "$workdir/points.csv" --name docker-test-csv) \
    || fail "flowkit jobs submit --data points.csv"
say "submitted $banana and $tabular"

job_status() {
    local table
    table=$("$flowkit" jobs list --limit 500) || fail "flowkit jobs list"
    awk -v id="$1" '$1 == id { print $2 }' <<<"$table"
}
wait_for() {
    local id=$1 status=""
    for _ in $(seq 1 300); do
        status=$(job_status "$id")
        case "$status" in
            succeeded) return 0 ;;
            failed|cancelled) "$flowkit" jobs show "$id" >&2 || true; fail "job $id ended $status" ;;
        esac
        sleep 1
    done
    "$flowkit" jobs show "$id" >&2 || true
    fail "job $id is still '$status' after 300 s"
}
wait_for "$banana"
wait_for "$tabular"
"$flowkit" jobs list >&2

phase "samples and artifacts"
snapshot() { # $1: a suffix; the samples, the artifact list, and the bytes of two artifacts
    local id
    for id in "$banana" "$tabular"; do
        "$flowkit" jobs samples "$id" -n 100 --seed 3 --out "$workdir/$id-samples-$1.csv" || fail "flowkit jobs samples $id"
        "$flowkit" jobs samples "$id" -n 100 --seed 3 --out "$workdir/$id-samples-$1.npy" || fail "flowkit jobs samples $id (npy)"
        api "v1/jobs/$id/artifacts" >"$workdir/$id-artifacts-$1.json" || fail "GET /v1/jobs/$id/artifacts"
        api "v1/jobs/$id/artifacts/best.safetensors" | sha256sum >"$workdir/$id-best-$1.sha256" || fail "GET best.safetensors of $id"
        api "v1/jobs/$id/artifacts/metrics.jsonl" | sha256sum >"$workdir/$id-metrics-$1.sha256" || fail "GET metrics.jsonl of $id"
        "$flowkit" jobs show "$id" | grep -q '"status" *: *"succeeded"' || fail "job $id does not show as succeeded"
    done
}
snapshot before
for id in "$banana" "$tabular"; do
    rows=$(grep -c '[0-9]' "$workdir/$id-samples-before.csv" || true)
    [ "$rows" -ge 100 ] || fail "job $id: $rows sample rows, not 100"
    grep -q 'best.safetensors' "$workdir/$id-artifacts-before.json" || fail "job $id lists no best.safetensors: $(cat "$workdir/$id-artifacts-before.json")"
    grep -q 'samples.svg' "$workdir/$id-artifacts-before.json" || fail "job $id lists no samples.svg: $(cat "$workdir/$id-artifacts-before.json")"
done
say "samples: $(head -n 3 "$workdir/$banana-samples-before.csv" | tr '\n' ' ')…"
say "artifacts of $banana: $(cat "$workdir/$banana-artifacts-before.json")"

phase "stop (SIGTERM), restart on the same volume"
docker stop -t 60 "${containers[-1]}" >/dev/null
exit_code=$(docker inspect -f '{{.State.ExitCode}}' "${containers[-1]}")
[ "$exit_code" = "0" ] || fail "the server exited with status $exit_code on docker stop, not 0"
docker rm "${containers[-1]}" >/dev/null
start_service "flowkit-test-$run_id-b"

phase "the jobs and artifacts survived"
snapshot after
for id in "$banana" "$tabular"; do
    for what in samples-@.csv samples-@.npy artifacts-@.json best-@.sha256 metrics-@.sha256; do
        cmp -s "$workdir/$id-${what/@/before}" "$workdir/$id-${what/@/after}" \
            || fail "job $id: ${what/@/*} differs after the restart"
    done
done
"$flowkit" jobs list >&2
docker stop -t 60 "${containers[-1]}" >/dev/null

# ---- 6. one-off training, devices --------------------------------------------------------------
phase "one-off flowkit train, flowkit devices"
mkdir -p "$workdir/oneoff"
cp "$workdir/banana.json" "$workdir/oneoff/config.json"
chmod -R a+rwX "$workdir/oneoff"
docker run --rm --network host --user "$(id -u):$(id -g)" -v "$workdir/oneoff:/work" "$cpu_image" \
    flowkit train /work/config.json --run-dir /work/run >"$workdir/oneoff.log" 2>&1 \
    || { tail -n 30 "$workdir/oneoff.log" >&2; fail "docker run … flowkit train"; }
for file in config.json metrics.jsonl best.safetensors loss.svg samples.svg; do
    [ -s "$workdir/oneoff/run/$file" ] || fail "flowkit train in the container left no run/$file"
done
say "one-off run directory: $(cd "$workdir/oneoff/run" && echo *)"
docker run --rm --network host "$cpu_image" devices >"$workdir/devices-cpu.txt" 2>&1 \
    || { cat "$workdir/devices-cpu.txt" >&2; fail "flowkit devices in $cpu_image"; }
sed 's/^/    /' "$workdir/devices-cpu.txt" >&2
grep -q '^cpu ' "$workdir/devices-cpu.txt" || fail "flowkit devices in $cpu_image lists no cpu device"
grep -q '^opencl' "$workdir/devices-cpu.txt" && fail "flowkit devices in the default CPU image $cpu_image lists an OpenCL device"
docker run --rm --network host "$pocl_image" devices >"$workdir/devices-pocl.txt" 2>&1 \
    || { cat "$workdir/devices-pocl.txt" >&2; fail "flowkit devices in $pocl_image"; }
sed 's/^/    /' "$workdir/devices-pocl.txt" >&2
grep -q '^cpu ' "$workdir/devices-pocl.txt" || fail "flowkit devices in $pocl_image lists no cpu device"
# No GPU here: an OpenCL device in the PoCL image is PoCL's.
grep -q '^opencl' "$workdir/devices-pocl.txt" || fail "flowkit devices in $pocl_image lists no OpenCL (PoCL) device"
# PoCL works there, not only lists itself: it compiles the kernels with its clang and links them
# with ld at run time, which a short training on its device needs (as the image's own user).
mkdir -p "$workdir/oneoff-pocl"
cat >"$workdir/oneoff-pocl/config.json" <<'EOF'
{"data": {"kind": "toy", "name": "banana", "evaluationSize": 200},
 "model": {"kind": "realnvp", "layers": 2, "hidden": 8},
 "train": {"steps": 20, "batchSize": 64, "checkpointEvery": 10, "evalEvery": 10, "logEvery": 5, "seed": 1}}
EOF
chmod -R a+rwX "$workdir/oneoff-pocl"
timeout 600 docker run --rm --network host -v "$workdir/oneoff-pocl:/work" "$pocl_image" \
    flowkit train /work/config.json --run-dir /work/run --device opencl >"$workdir/oneoff-pocl.log" 2>&1 \
    || { tail -n 30 "$workdir/oneoff-pocl.log" >&2; fail "docker run $pocl_image flowkit train --device opencl"; }
grep -q '^training on opencl' "$workdir/oneoff-pocl.log" \
    || { tail -n 30 "$workdir/oneoff-pocl.log" >&2; fail "flowkit train --device opencl in $pocl_image did not train on an OpenCL device"; }
[ -s "$workdir/oneoff-pocl/run/best.safetensors" ] || fail "flowkit train --device opencl in $pocl_image left no run/best.safetensors"
say "PoCL image: $(grep -m 1 '^training on' "$workdir/oneoff-pocl.log")"
docker run --rm --network host "$gpu_image" devices >"$workdir/devices-gpu.txt" 2>&1 \
    || { cat "$workdir/devices-gpu.txt" >&2; fail "flowkit devices in $gpu_image"; }
sed 's/^/    /' "$workdir/devices-gpu.txt" >&2
grep -q '^cpu ' "$workdir/devices-gpu.txt" || fail "flowkit devices in $gpu_image lists no cpu device"
icd=$(docker run --rm --network host "$gpu_image" cat /etc/OpenCL/vendors/nvidia.icd)
[ "$icd" = "libnvidia-opencl.so.1" ] || fail "the GPU image's nvidia.icd holds '$icd'"
env_gpu=$(docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$gpu_image")
grep -qx 'NVIDIA_VISIBLE_DEVICES=all' <<<"$env_gpu" || fail "the GPU image lacks NVIDIA_VISIBLE_DEVICES=all"
grep -qx 'NVIDIA_DRIVER_CAPABILITIES=compute,utility' <<<"$env_gpu" || fail "the GPU image lacks NVIDIA_DRIVER_CAPABILITIES=compute,utility"
user=$(docker run --rm --network host "$cpu_image" id -un)
[ "$user" = "flowkit" ] || fail "the image runs as '$user', not the flowkit user"

say "image sizes: $sizes"
docker image ls "$tag" >&2
failed=0

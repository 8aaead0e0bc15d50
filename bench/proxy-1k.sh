#!/usr/bin/env bash
# Quick measurement of 1 KB HTTP/1.1 GETs: direct to nginx vs through one Causeway sidecar (its outbound listener),
# the NativeAOT causeway-proxy fed by a control plane (CAUSEWAY_BENCH_RUNTIME=jit: the JIT build in static mode).
# The proxy is pinned to core 0; nginx (1 worker), the control plane and wrk (1 thread, 16 connections) to core 1.
# Reports the proxy's idle RSS, requests/s, its CPU time per request (user+system from /proc, divided by requests
# served) and its RSS after load. Usage: bench/proxy-1k.sh [seconds]; bench/run is the full comparison.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/common.sh"
secs="${1:-10}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; rm -rf "$work"' EXIT
bench_start_backend "$work"

mkdir -p "$work/cfg"
bench_mesh_yaml > "$work/cfg/mesh.yaml"
bench_build_causeway "$root"   # outside the measurement
bench_start_sidecar "$root" "$work" "$work/cfg" client.bench "$work/proxy.log" 0
proxy=$BENCH_PROXY_PID
sleep 2
idle_rss=$(awk '/VmRSS/ {print $2}' "/proc/$proxy/status")

cpu() { proc_cpu_ticks "$1"; }
hz=$(getconf CLK_TCK)
warm=$(bench_warmup_seconds 40)
echo "warming up the proxy (${warm} s)..."
taskset -c 1 wrk -t1 -c16 -d"${warm}s" -H "Host: web" http://127.0.0.1:9080/1k >/dev/null

check() { if echo "$1" | grep -q "Non-2xx"; then echo "error: $2 answered non-2xx responses:" >&2; echo "$1" >&2; exit 1; fi; }
direct_out=$(taskset -c 1 wrk -t1 -c16 -d"${secs}s" http://127.0.0.1:18000/1k)
check "$direct_out" "nginx"
direct=$(echo "$direct_out" | awk '/Requests\/sec/ {print $2}')
ctx() { awk '/ctxt_switches/ {s += $2} END {print s}' "/proc/$1/task/"*/status 2>/dev/null; }
before=$(cpu $proxy); ctx_before=$(ctx $proxy)
out=$(taskset -c 1 wrk -t1 -c16 -d"${secs}s" -H "Host: web" http://127.0.0.1:9080/1k)
after=$(cpu $proxy); ctx_after=$(ctx $proxy)
check "$out" "the proxy"
rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
total=$(echo "$out" | awk '/requests in/ {print $1}')
rss=$(awk '/VmRSS/ {print $2}' "/proc/$proxy/status")
echo "runtime:               ${CAUSEWAY_BENCH_RUNTIME:-aot}"
echo "proxy RSS idle:        $((idle_rss / 1024)) MB"
echo "direct (nginx):        $direct requests/s"
echo "through the proxy:     $rps requests/s ($total requests in ${secs}s)"
echo "proxy CPU per request: $(awk -v t=$((after - before)) -v hz="$hz" -v n="$total" 'BEGIN {printf "%.1f us", t / hz / n * 1e6}')"
echo "proxy RSS after load:  $((rss / 1024)) MB (peak $(( $(awk '/VmHWM/ {print $2}' "/proc/$proxy/status") / 1024 )) MB)"
echo "proxy threads: $(ls /proc/$proxy/task | wc -l), context switches per request: $(awk -v c=$((ctx_after - ctx_before)) -v n="$total" 'BEGIN {printf "%.2f", c / n}')"
echo "$out" | grep -E "Latency|Non-2xx|Socket errors" || true

#!/usr/bin/env bash
# Quick measurement of 1 KB HTTP/1.1 GETs: direct to nginx vs through one Causeway proxy (sidecar outbound listener).
# The proxy is pinned to core 0; nginx (1 worker) and wrk (1 thread, 16 connections) to core 1.
# Reports requests/s and the proxy's CPU time per request (user+system from /proc, divided by requests served).
# Usage: bench/proxy-1k.sh [seconds]    (the full comparison harness, bench/run, comes with the benchmark work)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/common.sh"
secs="${1:-10}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; rm -rf "$work"' EXIT
bench_start_backend "$work"

mkdir -p "$work/cfg"
bench_mesh_yaml > "$work/cfg/mesh.yaml"
"$root/causeway" --help >/dev/null   # build first, outside the measurement
DOTNET_TieredPGO=1 taskset -c 0 dotnet "$root/.artifacts/cli/causeway.dll" proxy --config "$work/cfg" --workload client.bench --admin-port 0 > "$work/proxy.log" 2>&1 &
proxy=$!
for _ in $(seq 1 100); do grep -q "applied snapshot" "$work/proxy.log" && break; sleep 0.2; done
if grep -q "could not bind" "$work/proxy.log"; then echo "error: the proxy could not bind its listener (another process on the port?):" >&2; cat "$work/proxy.log" >&2; exit 1; fi

cpu() { proc_cpu_ticks "$1"; }
hz=$(getconf CLK_TCK)
echo "warming up the proxy (40 s)..."
taskset -c 1 wrk -t1 -c16 -d40s -H "Host: web" http://127.0.0.1:9080/1k >/dev/null   # tiered compilation with PGO settles after about 35 s of load

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
echo "direct (nginx):        $direct requests/s"
echo "through the proxy:     $rps requests/s ($total requests in ${secs}s)"
echo "proxy CPU per request: $(awk -v t=$((after - before)) -v hz="$hz" -v n="$total" 'BEGIN {printf "%.1f us", t / hz / n * 1e6}')"
echo "proxy RSS after load:  $((rss / 1024)) MB"
echo "proxy threads: $(ls /proc/$proxy/task | wc -l), context switches per request: $(awk -v c=$((ctx_after - ctx_before)) -v n="$total" 'BEGIN {printf "%.2f", c / n}')"
echo "$out" | grep -E "Latency|Non-2xx|Socket errors" || true

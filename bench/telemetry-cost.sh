#!/usr/bin/env bash
# What telemetry costs per request: proxy CPU per 1 KB HTTP/1.1 GET with Istio's standard metrics, Envoy-format
# access log and tracing switched on one by one, as ratios to all of them off (issue 6's targets: under 10% extra
# with metrics on, under 25% with all three).
# Modes: off (Telemetry disables metrics), metrics (Istio's default), metrics+log (access log to the proxy's stdout, a file),
# metrics+log+trace1% (Istio's default sampling) and metrics+log+trace100% (every request a span, exported over
# OTLP/HTTP to an nginx sink that answers 200).
# The proxy is pinned to core 0; nginx (1 worker) and wrk (1 thread, 16 connections) to core 1. Each mode runs
# ROUNDS times, interleaved (so drift on a noisy machine hits every mode alike); medians are reported.
# Usage: bench/telemetry-cost.sh [seconds per run, default 10] [rounds, default 3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/common.sh"
secs="${1:-10}"
rounds="${2:-3}"
work="$(mktemp -d)"
proxy=""
cleanup() { [ -n "$proxy" ] && kill "$proxy" 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
bench_start_backend "$work" 'server { listen 127.0.0.1:18001; client_max_body_size 64m; location / { return 200; } }'

mesh() { bench_mesh_yaml; echo "---"; }
telemetry() { # $1: metrics on? $2: access log? $3: tracing?
  echo "apiVersion: telemetry.istio.io/v1"
  echo "kind: Telemetry"
  echo "metadata: {name: bench, namespace: istio-system}"
  echo "spec:"
  if [ "$1" = 1 ]; then echo "  metrics: [{providers: [{name: prometheus}]}]"; else echo "  metrics: [{providers: [{name: prometheus}], overrides: [{disabled: true}]}]"; fi
  if [ "$2" = 1 ]; then echo "  accessLogging: [{providers: [{name: envoy}]}]"; fi
  if [ "$3" = 1 ]; then echo "  tracing: [{providers: [{name: otel}], randomSamplingPercentage: 100}]"; fi
  if [ "$3" = 2 ]; then echo "  tracing: [{providers: [{name: otel}], randomSamplingPercentage: 1}]"; fi
}
modes=(off metrics metrics+log metrics+log+trace1% metrics+log+trace100%)
flags=("0 0 0" "1 0 0" "1 1 0" "1 1 2" "1 1 1")
for i in "${!modes[@]}"; do
  { mesh; telemetry ${flags[$i]}; } > "$work/${modes[$i]}.yaml"
done
mkdir -p "$work/cfg"
cp "$work/${modes[0]}.yaml" "$work/cfg/mesh.yaml"

"$root/causeway" --help >/dev/null   # build first, outside the measurement
cpu() { proc_cpu_ticks "$1"; }
hz=$(getconf CLK_TCK)

# One proxy for every mode, warmed once: a fresh .NET proxy needs about 35 s of load before tiered compilation with
# PGO settles (about 140 µs CPU per request at first, 40 µs after), which would swamp the differences measured here.
# Modes are switched by rewriting its config file (the proxy reloads it); the access log goes to its stdout, a file.
DOTNET_TieredPGO=1 taskset -c 0 dotnet "$root/.artifacts/cli/causeway.dll" proxy --config "$work/cfg" \
  --workload client.bench --admin-port 0 --tracing-endpoint http://127.0.0.1:18001 > "$work/proxy.log" 2>&1 &
proxy=$!
for _ in $(seq 1 100); do grep -q "applied snapshot" "$work/proxy.log" && break; sleep 0.2; done
echo "warming up the proxy (40 s)..." >&2
taskset -c 1 wrk -t1 -c16 -d40s -H "Host: web" http://127.0.0.1:9080/1k >/dev/null

run() { # $1: mode index; prints CPU microseconds per request
  local mode="${modes[$1]}" applied
  applied=$(grep -c "applied snapshot" "$work/proxy.log")
  cp "$work/$mode.yaml" "$work/cfg/mesh.yaml"
  for _ in $(seq 1 100); do [ "$(grep -c "applied snapshot" "$work/proxy.log")" -gt "$applied" ] && break; sleep 0.1; done
  local before after out total
  before=$(cpu "$proxy")
  out=$(taskset -c 1 wrk -t1 -c16 -d"${secs}s" -H "Host: web" http://127.0.0.1:9080/1k)
  after=$(cpu "$proxy")
  if echo "$out" | grep -q "Non-2xx"; then echo "error: $mode answered non-2xx responses" >&2; echo "$out" >&2; exit 1; fi
  total=$(echo "$out" | awk '/requests in/ {print $1}')
  awk -v t=$((after - before)) -v hz="$hz" -v n="$total" 'BEGIN {printf "%.2f\n", t / hz / n * 1e6}'
}

declare -A results
for round in $(seq 1 "$rounds"); do
  for i in "${!modes[@]}"; do
    us=$(run "$i")
    results[$i]="${results[$i]:-} $us"
    echo "round $round ${modes[$i]}: $us us/request" >&2
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
base=$(echo "${results[0]}" | median)
echo
printf "%-20s %-28s %-10s %s\n" "mode" "CPU us/request (runs)" "median" "vs off"
for i in "${!modes[@]}"; do
  m=$(echo "${results[$i]}" | median)
  printf "%-20s %-28s %-10s %s\n" "${modes[$i]}" "$(echo ${results[$i]})" "$m" "$(awk -v m="$m" -v b="$base" 'BEGIN {printf "%+.1f%%", (m / b - 1) * 100}')"
done
echo "access log lines written (all modes that log): $(grep -c '^\[' "$work/proxy.log" || true)"

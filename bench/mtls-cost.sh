#!/usr/bin/env bash
# What mutual TLS between sidecars costs, against nginx with a TLS upstream in the same run. Two hops each way:
#   nginx-plain     nginx hop 1 -> nginx hop 2 -> backend (one worker serves both hops, as bench/run's two-hops)
#   nginx-tls       the same, hop 1 -> hop 2 over TLS 1.3 with client certificates both ways (ECDSA P-256, as Istio's
#                   workload certificates), upstream keep-alive and session reuse
#   causeway-plain  client sidecar -> server sidecar (PERMISSIVE, the workload not labelled for mTLS: plaintext)
#   causeway-mtls   the same with the server labelled security.istio.io/tlsMode=istio and PeerAuthentication STRICT:
#                   auto mTLS with workload certificates from the control plane's CA
# Measures: CPU per 1 KB GET of both hops summed (wrk 1 thread, 16 connections, closed loop) and latency at 1,000 rps
# (open loop, 64 connections: Causeway.Bench.Run openloop). Hops on core 0; backend nginx, load tools and the control
# plane on core 1. Modes run ROUNDS times interleaved; medians are printed. Not a test: nothing fails on a slow machine.
# Usage: bench/mtls-cost.sh [seconds per run, default 8] [rounds, default 3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/bench/common.sh"
secs="${1:-8}"
rounds="${2:-3}"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in "$work"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq openssl >/dev/null; }
bench_start_backend "$work"
bench_build_causeway "$root"
dotnet build "$root/bench/Causeway.Bench.Run" -c Release -o "$work/tool" --nologo -v quiet >/dev/null

# nginx's certificates: a CA, hop 2's server certificate and hop 1's client certificate, ECDSA P-256.
cert() { # name cn
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$2" -keyout "$work/$1.key" -out "$work/$1.csr" 2>/dev/null
  printf "subjectAltName=DNS:%s\n" "$2" > "$work/$1.ext"
  openssl x509 -req -in "$work/$1.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial -days 2 -extfile "$work/$1.ext" -out "$work/$1.crt" 2>/dev/null
}
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=bench-ca" -days 2 -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
cert hop2 hop2.bench
cert hop1 hop1.bench
cat > "$work/proxy-nginx.conf" <<NGINX
worker_processes 1;
pid $work/proxy-nginx.pid;
error_log $work/proxy-nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:18000; keepalive 64; }
  upstream hop2 { server 127.0.0.1:18101; keepalive 64; }
  upstream hop2tls { server 127.0.0.1:18102; keepalive 64; }
  server { listen 127.0.0.1:18120; location / { proxy_pass http://hop2; proxy_http_version 1.1; proxy_set_header Connection ""; } }
  server { listen 127.0.0.1:18121; location / {
    proxy_pass https://hop2tls; proxy_http_version 1.1; proxy_set_header Connection "";
    proxy_ssl_protocols TLSv1.3; proxy_ssl_session_reuse on; proxy_ssl_name hop2.bench; proxy_ssl_server_name on;
    proxy_ssl_verify on; proxy_ssl_trusted_certificate $work/ca.crt;
    proxy_ssl_certificate $work/hop1.crt; proxy_ssl_certificate_key $work/hop1.key; } }
  server { listen 127.0.0.1:18101; location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } }
  server { listen 127.0.0.1:18102 ssl; ssl_protocols TLSv1.3; ssl_certificate $work/hop2.crt; ssl_certificate_key $work/hop2.key;
    ssl_client_certificate $work/ca.crt; ssl_verify_client on;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
NGINX
taskset -c 0 nginx -c "$work/proxy-nginx.conf"
nginx_pid=$(pgrep -P "$(cat "$work/proxy-nginx.pid")" | head -1)

# Causeway: web (the server workload, inbound 127.0.0.2:9080 -> the backend) and client (outbound 127.0.0.1:9080).
mesh() { # $1: 1 = mTLS (label + STRICT)
  local label=""; [ "$1" = 1 ] && label=", security.istio.io/tlsMode: istio"
  cat <<YAML
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: web, namespace: bench}
spec:
  hosts: [web.bench.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 9080, name: http, protocol: HTTP}]
  workloadSelector: {labels: {app: web}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: web, namespace: bench}
spec: {address: 127.0.0.2, serviceAccount: web, labels: {app: web$label}}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: web, namespace: bench}
spec:
  workloadSelector: {labels: {app: web}}
  ingress: [{port: {number: 9080, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:18000"}]
  egress: [{port: {number: 9080, protocol: HTTP, name: http}, bind: 127.0.0.3, captureMode: NONE, hosts: ["./*"]}]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: client, namespace: bench}
spec: {address: 127.0.0.1, serviceAccount: client, labels: {app: client$label}}
YAML
  if [ "$1" = 1 ]; then
    printf -- "---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec: {mtls: {mode: STRICT}}\n"
  fi
}
mkdir -p "$work/mesh"
mesh 0 > "$work/plain.yaml"; mesh 1 > "$work/mtls.yaml"
cp "$work/plain.yaml" "$work/mesh/mesh.yaml"
push=$(bench_free_port); status=$(bench_free_port)
taskset -c 1 "$root/.artifacts/bin/causeway" control-plane --config "$work/mesh" --token-key "$work/token.key" \
  --push-address "127.0.0.1:$push" --status-address "127.0.0.1:$status" > "$work/control-plane.log" 2>&1 &
BENCH_CP_PID=$!; pids+=("$BENCH_CP_PID"); BENCH_CP_URL="http://127.0.0.1:$push"
for _ in $(seq 1 100); do grep -q "proxies connect to" "$work/control-plane.log" && break; sleep 0.1; done
for w in client web; do "$root/.artifacts/bin/causeway" token --key "$work/token.key" --workload "$w.bench" > "$work/$w.token"; done
bench_start_sidecar "$root" "$work" "$work/mesh" client.bench "$work/client.log" 0 --token-file "$work/client.token"; client_pid=$BENCH_PROXY_PID; pids+=("$client_pid")
bench_start_sidecar "$root" "$work" "$work/mesh" web.bench "$work/web.log" 0 --token-file "$work/web.token"; web_pid=$BENCH_PROXY_PID; pids+=("$web_pid")

hz=$(getconf CLK_TCK)
cpu() { local sum=0; for p in ${1//,/ }; do sum=$((sum + $(proc_cpu_ticks "$p"))); done; echo $sum; }
modes=(nginx-plain nginx-tls causeway-plain causeway-mtls)
declare -A url=([nginx-plain]=http://127.0.0.1:18120 [nginx-tls]=http://127.0.0.1:18121 [causeway-plain]=http://127.0.0.1:9080 [causeway-mtls]=http://127.0.0.1:9080)
declare -A who=([nginx-plain]=$nginx_pid [nginx-tls]=$nginx_pid [causeway-plain]=$client_pid,$web_pid [causeway-mtls]=$client_pid,$web_pid)
switch() { # $1: plain or mtls; waits until both sidecars applied it
  cmp -s "$work/$1.yaml" "$work/mesh/mesh.yaml" && return
  local before; before=$(( $(grep -c "applied snapshot" "$work/client.log") + $(grep -c "applied snapshot" "$work/web.log") ))
  cp "$work/$1.yaml" "$work/mesh/mesh.yaml"
  for _ in $(seq 1 100); do [ $(( $(grep -c "applied snapshot" "$work/client.log") + $(grep -c "applied snapshot" "$work/web.log") )) -ge $((before + 2)) ] && break; sleep 0.1; done
  sleep 0.5
}
prepare() { case "$1" in causeway-plain) switch plain ;; causeway-mtls) switch mtls ;; esac; }
check() { # the mode answers 200 through both hops (and, for mTLS, the server saw a mutual TLS caller)
  local code; code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: web.bench.svc.cluster.local" "${url[$1]}/1k")
  [ "$code" = 200 ] || { echo "error: $1 answered $code" >&2; exit 1; }
}

echo "warming up every mode (5 s each)..." >&2
for m in "${modes[@]}"; do prepare "$m"; check "$m"; taskset -c 1 wrk -t1 -c16 -d5s -H "Host: web.bench.svc.cluster.local" "${url[$m]}/1k" >/dev/null; done
admin=$(grep -o 'admin on [^ ]*' "$work/web.log" | head -1 | awk '{print $3}')

declare -A cpus p50 p90 p99
for round in $(seq 1 "$rounds"); do
  for m in "${modes[@]}"; do
    prepare "$m"
    before=$(cpu "${who[$m]}")
    out=$(taskset -c 1 wrk -t1 -c16 -d"${secs}s" -H "Host: web.bench.svc.cluster.local" "${url[$m]}/1k")
    after=$(cpu "${who[$m]}")
    if echo "$out" | grep -q "Non-2xx"; then echo "error: $m answered non-2xx responses" >&2; echo "$out" >&2; exit 1; fi
    total=$(echo "$out" | awk '/requests in/ {print $1}')
    us=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$total" 'BEGIN {printf "%.1f", t / hz / n * 1e6}')
    line=$(taskset -c 1 dotnet "$work/tool/Causeway.Bench.Run.dll" openloop --url "${url[$m]}/1k" --host web.bench.svc.cluster.local --rate 1000 --seconds "$secs" --connections 64)
    get() { echo "$line" | grep -o "\"$1\":[0-9.]*" | cut -d: -f2; }
    cpus[$m]="${cpus[$m]:-} $us"; p50[$m]="${p50[$m]:-} $(get p50_us)"; p90[$m]="${p90[$m]:-} $(get p90_us)"; p99[$m]="${p99[$m]:-} $(get p99_us)"
    echo "round $round $m: $us us CPU/request (both hops); at 1000 rps p50 $(get p50_us) p90 $(get p90_us) p99 $(get p99_us) us" >&2
  done
done
if [ -n "$admin" ]; then
  echo "server sidecar, requests it saw over mutual TLS: $(curl -s "$admin/stats/prometheus" | grep '^istio_requests_total{reporter="destination"' | grep 'connection_security_policy="mutual_tls"' | awk '{s += $NF} END {print s + 0}')" >&2
fi

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo
printf "%-16s %-22s %-10s %-10s %-10s %s\n" "mode" "CPU us/req (runs)" "median" "p50 us" "p90 us" "p99 us"
for m in "${modes[@]}"; do
  printf "%-16s %-22s %-10s %-10s %-10s %s\n" "$m" "$(echo ${cpus[$m]})" "$(echo "${cpus[$m]}" | median)" "$(echo "${p50[$m]}" | median)" "$(echo "${p90[$m]}" | median)" "$(echo "${p99[$m]}" | median)"
done
ratio() { awk -v a="$(echo "${cpus[$1]}" | median)" -v b="$(echo "${cpus[$2]}" | median)" 'BEGIN {printf "%.2f", a / b}'; }
echo
echo "TLS adds, CPU per request: nginx x$(ratio nginx-tls nginx-plain), Causeway x$(ratio causeway-mtls causeway-plain); Causeway mTLS / nginx TLS: x$(ratio causeway-mtls nginx-tls)"

# Shared by the bench scripts (sourced, not run).

# The one-service mesh the single-proxy scripts measure: web (ServiceEntry, port 9080 -> the backend on 18000, one
# WorkloadEntry at 127.0.0.1) and the calling workload client; the proxy under test is client's sidecar.
bench_mesh_yaml() {
  cat <<YAML
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: web, namespace: bench}
spec:
  hosts: [web.bench.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 9080, name: http, protocol: HTTP, targetPort: 18000}]
  workloadSelector: {labels: {app: web}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: web, namespace: bench}
spec: {address: 127.0.0.1, labels: {app: web}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: client, namespace: bench}
spec: {address: 127.0.0.1, labels: {app: client}}
YAML
}

# User + system CPU ticks of a process (divide by `getconf CLK_TCK` for seconds).
proc_cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Installs wrk and nginx if missing, writes a 1 KB file into WORK ($1) and starts nginx as the backend: 1 worker on
# core 1, serving WORK on 127.0.0.1:18000, plus any extra server blocks ($2). Stop it with the pid in WORK/nginx.pid.
bench_start_backend() {
  local work=$1 extra=${2:-}
  for tool in wrk nginx; do command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk nginx >/dev/null; }; done
  chmod 755 "$work"   # nginx's worker must read it
  head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 > "$work/1k"
  chmod 644 "$work/1k"
  cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:18000; location / { root $work; } }
  $extra
}
NGINX
  taskset -c 1 nginx -c "$work/nginx.conf"
}

# Publishes the binaries (NativeAOT) and, for CAUSEWAY_BENCH_RUNTIME=jit, builds the JIT CLI too, outside any
# measurement.
bench_build_causeway() {
  local root=$1
  "$root/scripts/publish"
  if [ "${CAUSEWAY_BENCH_RUNTIME:-aot}" = jit ]; then
    dotnet build "$root/src/Causeway.Cli/Causeway.Cli.csproj" -c Release -o "$root/.artifacts/jit" --nologo -v quiet >/dev/null
  fi
}

# Starts a Causeway sidecar for WORKLOAD ($4) from the config directory CFG ($3), writing its log to LOG ($5), pinned
# to CORE ($6), as the mesh runs one: a control plane (causeway control-plane, on the load core) pushing to the
# NativeAOT causeway-proxy. CAUSEWAY_BENCH_RUNTIME=jit runs the JIT build in static mode instead (causeway proxy
# --config, translation in the proxy process), as before the lean sidecar. Extra proxy flags follow in $7...
# Sets BENCH_PROXY_PID, and BENCH_CP_PID when a control plane was started. ROOT is $1, WORK $2. CAUSEWAY_BENCH_PROXY
# names another causeway-proxy binary to measure (a variant build).
bench_start_sidecar() {
  local root=$1 work=$2 cfg=$3 workload=$4 log=$5 core=$6
  shift 6
  if [ "${CAUSEWAY_BENCH_RUNTIME:-aot}" = jit ]; then
    DOTNET_TieredPGO=1 taskset -c "$core" dotnet "$root/.artifacts/jit/causeway.dll" proxy --config "$cfg" --workload "$workload" --admin-port 0 "$@" > "$log" 2>&1 &
    BENCH_PROXY_PID=$!
  else
    if [ -z "${BENCH_CP_PID:-}" ]; then
      local push status
      push=$(bench_free_port); status=$(bench_free_port)
      taskset -c 1 "$root/.artifacts/bin/causeway" control-plane --config "$cfg" --push-address "127.0.0.1:$push" --status-address "127.0.0.1:$status" > "$work/control-plane.log" 2>&1 &
      BENCH_CP_PID=$!
      BENCH_CP_URL="http://127.0.0.1:$push"
      for _ in $(seq 1 100); do grep -q "proxies connect to" "$work/control-plane.log" && break; sleep 0.1; done
    fi
    taskset -c "$core" "${CAUSEWAY_BENCH_PROXY:-$root/.artifacts/bin/causeway-proxy}" --control-plane "$BENCH_CP_URL" --workload "$workload" --admin-port 0 "$@" > "$log" 2>&1 &
    BENCH_PROXY_PID=$!
  fi
  for _ in $(seq 1 100); do grep -q "applied snapshot" "$log" && break; sleep 0.1; done
  if grep -q "could not bind" "$log"; then echo "error: $workload could not bind a listener (another process on the port?):" >&2; cat "$log" >&2; exit 1; fi
  if ! grep -q "applied snapshot" "$log"; then echo "error: $workload did not get its configuration:" >&2; cat "$log" >&2; exit 1; fi
}

# A free TCP port on 127.0.0.1.
bench_free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Seconds of warm-up load a fresh proxy needs: the JIT's tiered compilation with PGO settles after about 35 s of
# load; NativeAOT code is compiled already, so only connection pools and buffers need warming.
bench_warmup_seconds() { if [ "${CAUSEWAY_BENCH_RUNTIME:-aot}" = jit ]; then echo "${1:-40}"; else echo 5; fi; }

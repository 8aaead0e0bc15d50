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

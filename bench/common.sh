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

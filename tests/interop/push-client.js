// An independent client of Causeway's push protocol (@grpc/grpc-js, which knows nothing of Causeway): opens the
// ProxyConfig/Stream bidi stream, says Hello as a sidecar, decodes the first snapshot, ACKs it and prints a summary
// as one JSON line.
// Usage: node push-client.js HOST:PORT WORKLOAD NAMESPACE
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const path = require('path');

const [target, name, namespace] = process.argv.slice(2);
const protos = path.join(__dirname, '..', '..', 'src', 'Causeway.Protocol');
const definition = loader.loadSync('Protos/push.proto', { includeDirs: [protos], keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
const v1 = grpc.loadPackageDefinition(definition).causeway.v1;
const client = new v1.ProxyConfig(target, grpc.credentials.createInsecure());
const call = client.Stream();
const timer = setTimeout(() => { console.log(JSON.stringify({ error: 'no snapshot within 10 s' })); process.exit(1); }, 10000);

call.on('data', (message) => {
  if (message.kind !== 'snapshot') {
    return;
  }
  const s = message.snapshot;
  call.write({ ack: { version: s.version } });
  console.log(JSON.stringify({
    version: s.version,
    role: s.proxy.role,
    listeners: s.listeners.map((l) => `${l.name}:${l.protocol}`),
    clusters: s.clusters.map((c) => c.name),
    endpoints: s.endpoints.reduce((n, e) => n + e.endpoints.length, 0),
  }));
  clearTimeout(timer);
  setTimeout(() => { call.end(); client.close(); }, 300);
});
call.on('error', (e) => { if (e.code !== grpc.status.CANCELLED) { console.log(JSON.stringify({ error: e.message })); process.exit(1); } });
call.write({ hello: { role: 'SIDECAR', name, namespace } });

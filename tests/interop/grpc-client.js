// An independent gRPC client (@grpc/grpc-js) for the proxy's interop tests: calls Say and Fail through the given
// address with the given :authority and prints the outcomes as one JSON line.
// Usage: node grpc-client.js HOST:PORT AUTHORITY
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const path = require('path');

const [target, authority] = process.argv.slice(2);
const proto = grpc.loadPackageDefinition(loader.loadSync(path.join(__dirname, 'echo.proto'))).causeway.interop;
const client = new proto.Echo(target, grpc.credentials.createInsecure(), { 'grpc.default_authority': authority });
const deadline = () => new Date(Date.now() + 10000);

client.Say({ message: 'hello' }, { deadline: deadline() }, (err, reply) => {
  const say = err ? { error: err.code, details: err.details } : reply;
  client.Fail({ code: 14, details: 'try elsewhere' }, { deadline: deadline() }, (failErr) => {
    console.log(JSON.stringify({ say, fail: { code: failErr ? failErr.code : 0, details: failErr ? failErr.details : '' } }));
    client.close();
  });
});

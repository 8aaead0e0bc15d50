// An independent gRPC server (@grpc/grpc-js) for the proxy's interop tests.
// Usage: node grpc-server.js PORT NAME     (prints "listening PORT" when ready)
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const path = require('path');

const [port, name] = process.argv.slice(2);
const proto = grpc.loadPackageDefinition(loader.loadSync(path.join(__dirname, 'echo.proto'))).causeway.interop;
const server = new grpc.Server();
server.addService(proto.Echo.service, {
  Say: (call, callback) => {
    const authority = typeof call.getHost === 'function' ? call.getHost() : call.getPeer();
    callback(null, { message: `${name}: ${call.request.message}`, authority: String(authority) });
  },
  Fail: (call, callback) => {
    callback({ code: call.request.code, details: call.request.details });
  },
});
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
  if (err) {
    console.error(err.message);
    process.exit(1);
  }
  console.log(`listening ${bound}`);
});

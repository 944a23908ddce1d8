// A bare Node.js socket relay, in a process of its own: bytes from each client are piped to a new
// connection to the target and back, with nothing read, parsed or recorded. pgbench.js measures it
// beside Warden as the ceiling of any proxy on Node.js on the same machine: what is left between
// the two is Warden's own work. Started with fork(): reports its port, stops on disconnect.
import { connect, createServer } from 'node:net';

const [host, port] = [process.argv[2], Number(process.argv[3])];
const server = createServer({ noDelay: true }, (client) => {
  const target = connect({ host, port, noDelay: true });
  client.pipe(target).on('error', () => client.destroy());
  target.pipe(client).on('error', () => target.destroy());
  client.on('error', () => target.destroy());
  target.on('error', () => client.destroy());
});
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
process.on('disconnect', () => process.exit(0));

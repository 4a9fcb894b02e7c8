// `node --import <this>`: prints `LOADED [urls…]` on stderr at exit, every module the process resolved (the
// CLI load test checks which parts of the package a command pulls into memory).
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const seen = new Set();
port1.on('message', (url) => seen.add(url));
port1.unref();
register('./hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
process.on('exit', () => process.stderr.write(`LOADED ${JSON.stringify([...seen])}\n`));

import { processIo } from './io.js';
import { runCli } from './program.js';

// A reader that stops early (`dlstate clauses | head`) closes the pipe: that ends the output, not in a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});
const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;

// Preloaded into the agent process by the benchmark: prints its peak RSS (KiB) on exit.
process.on('exit', () => {
  process.stderr.write(`BENCH_MAXRSS ${process.resourceUsage().maxRSS}\n`);
});

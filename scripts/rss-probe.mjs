// Preloaded by `npm run bench` (NODE_OPTIONS=--import=…) in untimed runs: on exit, writes this process's
// peak resident set size (ru_maxrss, KiB) and its CPU time (user + system, ms) to the file named by
// BENCH_RSS_FILE, as "RSS CPU". CPU time is what a busy, shared machine distorts least.
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_RSS_FILE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, `${u.maxRSS} ${((u.userCPUTime + u.systemCPUTime) / 1000).toFixed(1)}`);
  });
}

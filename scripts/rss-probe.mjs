// Preloaded by `npm run bench` (NODE_OPTIONS=--import=…) in untimed runs: on exit, writes this process's
// peak resident set size (ru_maxrss, KiB) to the file named by BENCH_RSS_FILE.
import { writeFileSync } from 'node:fs';

const out = process.env.BENCH_RSS_FILE;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));

/**
 * A runner that reads late: run by the harness as a step's entry, it starts the real entry
 * (SLOW_ENTRY) with stdout on an OS pipe (a FIFO: 64 KiB on Linux, like the runner's anonymous
 * pipe) that it leaves unread until the file SLOW_GO_FILE appears (the test creates it once the
 * step has made no progress for a second) or the entry exits; then it forwards everything to its
 * own stdout. With SLOW_NONBLOCKING=1 the entry's stdout is made non-blocking first (as touching
 * `process.stdout` does for a pipe on POSIX), so a full pipe answers EAGAIN to a write. POSIX only.
 */
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const entry = process.env.SLOW_ENTRY;
const go = process.env.SLOW_GO_FILE;
const preload = fileURLToPath(new URL('./nonblocking-stdout.cjs', import.meta.url));
const args = process.env.SLOW_NONBLOCKING === '1' ? ['--require', preload, entry] : [entry];

const dir = mkdtempSync(join(tmpdir(), 'slow-reader-'));
const fifo = join(dir, 'stdout');
execFileSync('mkfifo', [fifo]);
// The read end first, non-blocking, so opening the write end does not wait for a reader.
const rfd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
const wfd = openSync(fifo, constants.O_WRONLY);
const child = spawn(process.execPath, args, { stdio: ['ignore', wfd, 'inherit'] });
closeSync(wfd);

let reading = false;
const buf = Buffer.alloc(65536);
function drain() {
  for (;;) {
    let n;
    try {
      n = readSync(rfd, buf, 0, buf.length, null);
    } catch (err) {
      if (err.code === 'EAGAIN') return void setTimeout(drain, 5);
      throw err;
    }
    if (n === 0) {
      // Every writer is gone: the entry exited and everything it wrote is forwarded.
      closeSync(rfd);
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    process.stdout.write(Buffer.from(buf.subarray(0, n)));
  }
}
const startReading = () => {
  if (reading) return;
  reading = true;
  clearInterval(poll);
  drain();
};
const poll = setInterval(() => existsSync(go) && startReading(), 50);
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 128 : 1);
  startReading();
});

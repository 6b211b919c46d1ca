/**
 * Runs a config's `credential_process` command the way a careful supervisor does: no shell, its own
 * process group (so a timeout stops everything it started), stdout capped, only the tail of stderr
 * kept, and a bounded wait for pipes a forked daemon may hold open after the command itself exits.
 * At the timeout the group gets SIGTERM, then SIGKILL after a grace period (Windows: taskkill /T /F).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { MAX_PROCESS_STDERR_BYTES, MAX_PROCESS_STDOUT_BYTES, PIPE_DRAIN_MS, PROCESS_KILL_GRACE_MS } from '../net/limits.js';

export type ProcessOutcome =
  | { readonly kind: 'exited'; readonly exitCode: number | null; readonly signal: NodeJS.Signals | null; readonly stdout: string; readonly stderr: string }
  /** Could not start (`code` is node's, e.g. ENOENT). */
  | { readonly kind: 'not-started'; readonly code: string }
  | { readonly kind: 'timed-out'; readonly stderr: string }
  | { readonly kind: 'too-much-output'; readonly stderr: string };

const isWindows = process.platform === 'win32';

/**
 * What the command must not inherit from the step (a checked-in config is not trusted):
 * - ACTIONS_*: ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN mint a GitHub OIDC token for any audience (the
 *   endpoint allow-list would mean nothing), ACTIONS_RUNTIME_TOKEN reaches the cache and artifacts;
 * - INPUT_*: this step's inputs (mfa-totp-secret, keys); STATE_*: the post step's state;
 * - the runner's file-command files, through which it could set variables, outputs or the PATH of
 *   later steps, or write the job summary.
 * AWS_* stays, as botocore passes it (a helper may rely on AWS_PROFILE, AWS_REGION or keys the
 * workflow set). This narrows what the command is handed; it still runs as the job's user.
 */
const WITHHELD_PREFIXES = ['ACTIONS_', 'INPUT_', 'STATE_'];
const WITHHELD_NAMES = new Set(['GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY']);

/** The step's environment minus what the command must not have (names compared upper-cased, as Windows does). */
export function childEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    const upper = name.toUpperCase();
    if (value === undefined || WITHHELD_NAMES.has(upper) || WITHHELD_PREFIXES.some((p) => upper.startsWith(p))) continue;
    out[name] = value;
  }
  return out;
}

export function runProcess(argv: readonly string[], timeoutMs: number): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: !isWindows,
      windowsHide: true,
      env: childEnvironment(process.env),
    });
    const stdout = new Capture(MAX_PROCESS_STDOUT_BYTES, 'head');
    const stderr = new Capture(MAX_PROCESS_STDERR_BYTES, 'tail');
    let done = false;
    let stopping = false;
    const finish = (outcome: ProcessOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(outcome);
    };
    const stop = (outcome: () => ProcessOutcome) => {
      if (stopping || done) return;
      stopping = true;
      void killGroup(child).then(() => finish(outcome()));
    };

    const timer = setTimeout(() => stop(() => ({ kind: 'timed-out', stderr: stderr.text() })), timeoutMs);
    stdout.attach(child.stdout!, () => stop(() => ({ kind: 'too-much-output', stderr: stderr.text() })));
    stderr.attach(child.stderr!);
    child.on('error', (err: NodeJS.ErrnoException) => finish({ kind: 'not-started', code: err.code ?? err.name }));
    child.on('exit', (exitCode, signal) => {
      if (stopping) return; // the timeout or the output cap decides the outcome
      // The pipes close when the last holder lets go; a daemon the command forked may never do so.
      const exited = () => finish({ kind: 'exited', exitCode, signal, stdout: stdout.text(), stderr: stderr.text() });
      const grace = setTimeout(exited, PIPE_DRAIN_MS);
      let open = 2;
      const closed = () => {
        if (--open === 0) {
          clearTimeout(grace);
          exited();
        }
      };
      for (const pipe of [child.stdout!, child.stderr!]) {
        if (pipe.readableEnded || pipe.destroyed) closed();
        else pipe.once('close', closed);
      }
    });
  });
}

/** Keeps the first (stdout) or last (stderr) `cap` bytes; a head capture reports overflow once. */
class Capture {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly cap: number,
    private readonly keep: 'head' | 'tail',
  ) {}

  attach(stream: Readable, onOverflow?: () => void): void {
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.size += chunk.length;
      if (this.size <= this.cap) return;
      if (this.keep === 'head') {
        stream.destroy();
        onOverflow?.();
        return;
      }
      const all = Buffer.concat(this.chunks);
      this.chunks = [all.subarray(all.length - this.cap)];
      this.size = this.cap;
    });
    stream.on('error', () => undefined);
  }

  text(): string {
    return Buffer.concat(this.chunks).subarray(0, this.cap).toString('utf8');
  }
}

/** SIGTERM to the whole group, SIGKILL to what is left after the grace period; resolves when done. */
function killGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return Promise.resolve();
  if (isWindows) {
    return new Promise((resolve) => {
      execFile('taskkill', ['/pid', String(child.pid), '/T', '/F'], () => resolve());
    });
  }
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  };
  signalGroup('SIGTERM');
  return new Promise((resolve) => {
    const kill = () => {
      clearTimeout(timer);
      // Whatever the leader left behind in its group goes too.
      signalGroup('SIGKILL');
      resolve();
    };
    const timer = setTimeout(kill, PROCESS_KILL_GRACE_MS);
    if (child.exitCode !== null || child.signalCode !== null) kill();
    else child.once('exit', kill);
  });
}

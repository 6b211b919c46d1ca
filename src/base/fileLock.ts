/**
 * A cross-process advisory lock on a file: `<file>.lock`, created with O_CREAT|O_EXCL.
 *
 * The lock file holds `{pid, host, token, created}`. A lock is stale when its holder is a process on
 * this host that no longer exists, or when it is older than `staleMs` (a holder on another host or in
 * another pid namespace, e.g. a container step). A stale lock is moved aside under a unique name and
 * deleted only if it is still the one judged stale; if another process replaced it meanwhile, it is
 * put back. Waiting backs off from a few milliseconds up to 100 ms, until `timeoutMs`.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsc, type Stats } from 'node:fs';
import { link, lstat, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { UserError } from './errors.js';
import { errCode } from './fsProbe.js';

export interface LockOptions {
  /** Give up waiting after this long. Default 10 s. */
  readonly timeoutMs?: number;
  /** A lock older than this is taken to be abandoned. Default 8 s (holders keep it for milliseconds). */
  readonly staleMs?: number;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
export const DEFAULT_STALE_LOCK_MS = 8_000;

interface LockInfo {
  pid?: number;
  host?: string;
  token?: string;
}

export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
}

const O_NOFOLLOW = fsc.O_NOFOLLOW ?? 0;

export { errCode };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errCode(e) === 'EPERM';
  }
}

async function readInfo(path: string): Promise<LockInfo | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const o = parsed as Record<string, unknown>;
    return {
      pid: typeof o.pid === 'number' ? o.pid : undefined,
      host: typeof o.host === 'string' ? o.host : undefined,
      token: typeof o.token === 'string' ? o.token : undefined,
    };
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    return {}; // being written, or garbage: judged by age only
  }
}

/** Why the lock at `path` is stale, or undefined if it is not (or is gone). */
async function staleness(path: string, staleMs: number): Promise<{ ino: number; info: LockInfo } | undefined> {
  let st: Stats;
  try {
    st = await lstat(path);
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  const info = (await readInfo(path)) ?? {};
  const deadHolder = info.host === hostname() && info.pid !== undefined && info.pid !== process.pid && !processAlive(info.pid);
  const tooOld = Date.now() - st.mtimeMs > staleMs;
  return deadHolder || tooOld ? { ino: st.ino, info } : undefined;
}

/** Move a stale lock aside and delete it, unless it was replaced by a live one meanwhile. */
async function breakStale(path: string, judged: { ino: number; info: LockInfo }): Promise<void> {
  const aside = `${path}.stale.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (e) {
    if (errCode(e) === 'ENOENT') return; // someone else broke it
    throw e;
  }
  const st = await lstat(aside);
  const info = (await readInfo(aside)) ?? {};
  const same = st.ino === judged.ino && info.token === judged.info.token;
  if (!same) {
    // We moved a lock that was taken after our judgement: put it back if the name is still free.
    try {
      await link(aside, path);
    } catch {
      // The name was taken again; the moved lock's holder has lost exclusivity in a triple race.
    }
  }
  await unlink(aside).catch(() => undefined);
}

/**
 * Take the lock for `file`. Fails with a UserError after the timeout, and rethrows filesystem errors
 * (e.g. EACCES, ENOENT when the directory is missing) with their code for the caller to word.
 */
export async function acquireLock(file: string, opts: LockOptions = {}): Promise<HeldLock> {
  const path = `${file}.lock`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const staleMs = opts.staleMs ?? DEFAULT_STALE_LOCK_MS;
  const token = randomBytes(12).toString('hex');
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    try {
      const fh = await open(path, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY | O_NOFOLLOW, 0o600);
      try {
        await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), token, created: new Date().toISOString() }));
      } finally {
        await fh.close();
      }
      return { path, release: () => releaseLock(path, token) };
    } catch (e) {
      if (errCode(e) !== 'EEXIST') throw e;
    }
    const stale = await staleness(path, staleMs);
    if (stale) {
      await breakStale(path, stale);
      continue;
    }
    if (Date.now() >= deadline) {
      const info = (await readInfo(path)) ?? {};
      const holder = info.pid === undefined ? '' : ` (held by process ${info.pid}${info.host ? ` on ${info.host}` : ''})`;
      throw new UserError(
        `Timed out after ${Math.round(timeoutMs / 1000)}s waiting for the lock file ${path}${holder}. ` +
          `If no other process is writing AWS profiles, delete the lock file.`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(100, delay * 1.5);
  }
}

async function releaseLock(path: string, token: string): Promise<void> {
  const info = await readInfo(path);
  if (info?.token !== token) return; // gone, or broken as stale and taken by another process
  await unlink(path).catch((e: unknown) => {
    if (errCode(e) !== 'ENOENT') throw e;
  });
}

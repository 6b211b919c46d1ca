/**
 * The step's private directory: `RUNNER_TEMP/aws-assume-chain-XXXXXX`, 0700, owned by this user. It
 * holds a random key (`key`, 0600), the manifest of what the step wrote (`manifest.json`, 0600; the
 * post step acts on it only), and with `refresh` the helper's plan and credentials caches.
 *
 * The runner's state names the directory and carries an HMAC of the manifest under that key, so the
 * state stays a few hundred bytes whatever the number of targets, and a forged state cannot make the
 * post step act: it would need the key, which only this user can read.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { constants as fsc, type Stats } from 'node:fs';
import { chmod, lstat, mkdtemp, open, realpath, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { UserError } from './errors.js';
import { errCode } from './fileLock.js';
import { dirTrustProblem, fsError, POSIX_OWNERSHIP, writeTemp } from './safeFiles.js';

export const PRIVATE_DIR_PREFIX = 'aws-assume-chain-';
/** What mkdtemp appends: six characters from [A-Za-z0-9]. */
const NAME_RE = /^aws-assume-chain-[A-Za-z0-9]{6}$/;
const KEY_FILE = 'key';
const MANIFEST_FILE = 'manifest.json';
const KEY_BYTES = 32;
/** A manifest lists names, hashes and replaced sections: far below this even for thousands of targets. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const O_NOFOLLOW = fsc.O_NOFOLLOW ?? 0;

export interface PrivateDir {
  /** Absolute path (parent resolved with realpath). */
  readonly path: string;
  /** The directory's own name, as the state carries it. */
  readonly name: string;
  readonly key: Buffer;
}

/** Where private directories live: RUNNER_TEMP (emptied by the runner for each job), else the OS temp dir. */
async function privateParent(env: NodeJS.ProcessEnv): Promise<string> {
  const configured = env['RUNNER_TEMP'] || tmpdir();
  try {
    return await realpath(configured);
  } catch (e) {
    throw fsError('find the runner temporary directory', configured, e);
  }
}

/** A new private directory with a fresh key. */
export async function createPrivateDir(env: NodeJS.ProcessEnv): Promise<PrivateDir> {
  const parent = await privateParent(env);
  const st = await stat(parent).catch((e: unknown) => {
    throw fsError('inspect the directory', parent, e);
  });
  if (!st.isDirectory()) throw new UserError(`Cannot create the private directory: ${parent} (RUNNER_TEMP) is not a directory.`);
  const problem = dirTrustProblem(st, true);
  if (problem) throw new UserError(`Refusing to create the private directory in ${parent} (RUNNER_TEMP): the directory ${problem}.`);
  let path: string;
  try {
    path = await mkdtemp(join(parent, PRIVATE_DIR_PREFIX));
    await chmod(path, 0o700);
  } catch (e) {
    throw fsError('create a private directory in', parent, e);
  }
  const key = randomBytes(KEY_BYTES);
  try {
    await writePrivateFile(join(path, KEY_FILE), key);
  } catch (e) {
    await rm(path, { recursive: true, force: true });
    throw e;
  }
  return { path, name: basename(path), key };
}

export function macFor(dir: PrivateDir, manifest: string): string {
  return createHmac('sha256', dir.key).update(`aws-assume-chain manifest v1\0${dir.name}\0`).update(manifest, 'utf8').digest('hex');
}

/** Writes the manifest; returns its MAC for the state. */
export async function writeManifest(dir: PrivateDir, manifest: string): Promise<string> {
  await writePrivateFile(join(dir.path, MANIFEST_FILE), Buffer.from(manifest, 'utf8'));
  return macFor(dir, manifest);
}

/** A 0600 file in the private directory, replaced atomically. */
export async function writePrivateFile(path: string, data: Buffer | string): Promise<void> {
  const tmp = await writeTemp(path, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  await rename(tmp, path).catch((e: unknown) => {
    throw fsError('write', path, e);
  });
}

/** The bytes of a regular file of this user's with exactly `mode` (POSIX), opened without following links. */
async function readOwnFile(path: string, mode: number, maxBytes: number): Promise<Buffer> {
  const fh = await open(path, fsc.O_RDONLY | O_NOFOLLOW);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`${basename(path)} is not a regular file`);
    if (POSIX_OWNERSHIP && (st.uid !== process.getuid!() || (st.mode & 0o777) !== mode)) {
      throw new Error(`${basename(path)} has the wrong owner or mode`);
    }
    if (st.size > maxBytes) throw new Error(`${basename(path)} is too large`);
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/**
 * The private directory a state names, and its manifest, only when everything checks out: the name is
 * one mkdtemp gives, the directory is directly inside RUNNER_TEMP, a real directory (not a link) of
 * this user's with mode 0700, and the manifest's MAC under the directory's key matches. Throws an
 * Error saying what did not (a phrase, never file contents).
 */
export async function openPrivateDir(env: NodeJS.ProcessEnv, name: string, mac: string): Promise<{ dir: PrivateDir; manifest: string }> {
  if (!NAME_RE.test(name)) throw new Error('it does not name a private directory of this action');
  const path = join(await privateParent(env), name);
  if (dirname(path) !== (await privateParent(env))) throw new Error('the directory is not directly inside RUNNER_TEMP');
  let st: Stats;
  try {
    st = await lstat(path);
  } catch (e) {
    throw new Error(errCode(e) === 'ENOENT' ? 'the private directory is gone' : `the private directory cannot be read (${errCode(e) ?? 'error'})`);
  }
  if (st.isSymbolicLink() || !st.isDirectory()) throw new Error('the private directory is not a real directory');
  if (POSIX_OWNERSHIP && (st.uid !== process.getuid!() || (st.mode & 0o777) !== 0o700)) {
    throw new Error('the private directory has the wrong owner or mode');
  }
  let key: Buffer;
  let manifestBytes: Buffer;
  try {
    key = await readOwnFile(join(path, KEY_FILE), 0o600, KEY_BYTES);
    manifestBytes = await readOwnFile(join(path, MANIFEST_FILE), 0o600, MAX_MANIFEST_BYTES);
  } catch (e) {
    throw new Error(errCode(e) ? `a private file cannot be read (${errCode(e)})` : e instanceof Error ? e.message : String(e));
  }
  if (key.length !== KEY_BYTES) throw new Error('the key has the wrong size');
  const dir: PrivateDir = { path, name, key };
  const manifest = manifestBytes.toString('utf8');
  const expected = Buffer.from(macFor(dir, manifest), 'hex');
  const given = Buffer.from(/^[0-9a-f]{64}$/.test(mac) ? mac : '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('the manifest does not match the state (wrong MAC)');
  return { dir, manifest };
}

/** Removes a private directory this process created or verified with `openPrivateDir`. */
export async function removePrivateDir(dir: PrivateDir): Promise<void> {
  await rm(dir.path, { recursive: true, force: true });
}

/**
 * The helper's private files, inside the step's private directory (base/privateDir.ts: 0700 under
 * RUNNER_TEMP, removed by the post step through its verified manifest): the plan (0600) and one
 * credentials cache file per profile (0600), each replaced atomically. Cache files are named by a hash
 * of the profile name, never by the name itself. The plan can name a command to run (a profile's
 * credential_process), so it is read only if this user owns it and nobody else can write it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../base/errors.js';
import type { AwsCredentials } from '../base/types.js';
import { errCode } from '../base/fileLock.js';
import { writePrivateFile, type PrivateDir } from '../base/privateDir.js';
import { lstatIfExists, privateFileProblem } from '../base/safeFiles.js';
import { credentialProcessCommand, serializeRefreshPlan, type RefreshPlan } from './refreshPlan.js';

export { writePrivateFile };

export const PLAN_FILE = 'plan.json';

export interface CachedCredentials {
  readonly credentials: AwsCredentials & { readonly expiration: Date };
  readonly obtainedAt: Date;
}

export function cacheFileFor(dir: string, profile: string): string {
  // A hash, not the name: no text from a config or input ever becomes part of a path.
  return join(dir, `cache-${createHash('sha256').update(profile, 'utf8').digest('hex').slice(0, 32)}.json`);
}

/** The file's text, after checking it is a regular file of ours that only we can write. */
export async function readPrivateFile(path: string): Promise<string | undefined> {
  const st = await lstatIfExists(path, (e) => new UserError(`cannot read ${path}: ${errCode(e) ?? String(e)}`));
  if (!st) return undefined;
  if (!st.isFile()) throw new UserError(`${path} is not a regular file`);
  // Owner and mode bits only where the platform has them (base/safeFiles.ts says why not on Windows).
  const problem = privateFileProblem(st);
  if (problem) throw new UserError(`${path} ${problem}`);
  return readFile(path, 'utf8');
}

export async function writeCache(file: string, cached: CachedCredentials): Promise<void> {
  await writePrivateFile(file, JSON.stringify(cached));
}

/** Cached credentials, or undefined when there are none or they cannot be read back. */
export async function readCache(file: string): Promise<CachedCredentials | undefined> {
  const text = await readPrivateFile(file);
  if (text === undefined) return undefined;
  try {
    const raw = JSON.parse(text) as { credentials?: Record<string, unknown>; obtainedAt?: unknown };
    const c = raw.credentials ?? {};
    if (typeof c['accessKeyId'] !== 'string' || typeof c['secretAccessKey'] !== 'string' || typeof c['expiration'] !== 'string') return undefined;
    const expiration = new Date(c['expiration']);
    const obtainedAt = new Date(typeof raw.obtainedAt === 'string' ? raw.obtainedAt : NaN);
    if (Number.isNaN(expiration.getTime()) || Number.isNaN(obtainedAt.getTime())) return undefined;
    return {
      credentials: {
        accessKeyId: c['accessKeyId'],
        secretAccessKey: c['secretAccessKey'],
        sessionToken: typeof c['sessionToken'] === 'string' ? c['sessionToken'] : undefined,
        expiration,
      },
      obtainedAt,
    };
  } catch {
    return undefined;
  }
}

/** A refresh plan on disk, and the credential_process line of each of its profiles. */
export interface InstalledRefresh {
  readonly dir: string;
  commandFor(profile: string): string;
}

/**
 * The plan and a cache seeded with this step's credentials (so the first call makes no STS call), in
 * the step's private directory. The command runs the runner's node on this bundle, as the step was
 * started: both stay in place for the whole job. On failure the caller removes the whole directory.
 */
export async function installRefresh(
  plan: RefreshPlan,
  seeds: ReadonlyArray<{ readonly profile: string; readonly credentials: AwsCredentials }>,
  dir: PrivateDir,
): Promise<InstalledRefresh> {
  const planFile = join(dir.path, PLAN_FILE);
  await writePrivateFile(planFile, serializeRefreshPlan(plan));
  const obtainedAt = new Date();
  for (const { profile, credentials } of seeds) {
    const { expiration } = credentials;
    if (expiration) await writeCache(cacheFileFor(dir.path, profile), { credentials: { ...credentials, expiration }, obtainedAt });
  }
  const entry = resolve(process.argv[1] ?? '');
  return { dir: dir.path, commandFor: (profile) => credentialProcessCommand(process.execPath, entry, planFile, profile) };
}

/**
 * Reading the helper's private files: the plan and one credentials cache file per profile, in the
 * step's private directory (store.ts writes them). Cache files are named by a hash of the profile
 * name, never by the name itself. The plan can name a command to run (a profile's
 * credential_process), so a file is read only if this user owns it and nobody else can write it.
 * Kept free of node:crypto and of everything that re-runs a chain: a cache hit loads only this
 * (refresh/cacheHit.ts).
 */
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../base/errors.js';
import { errCode, lstatIfExists, privateFileProblem, readText } from '../base/fsProbe.js';
import { sha256Hex } from '../base/sha256.js';
import type { AwsCredentials } from '../base/types.js';

export interface CachedCredentials {
  readonly credentials: AwsCredentials & { readonly expiration: Date };
  readonly obtainedAt: Date;
}

export function cacheFileFor(dir: string, profile: string): string {
  // A hash, not the name: no text from a config or input ever becomes part of a path.
  return join(dir, `cache-${sha256Hex(profile).slice(0, 32)}.json`);
}

/** Why `path` (a private file, or the directory that holds them) cannot be trusted, or undefined. */
export function ownershipProblem(path: string, st: Stats): string | undefined {
  // Owner and mode bits only where the platform has them (base/fsProbe.ts says why not on Windows).
  const problem = privateFileProblem(st);
  return problem === undefined ? undefined : `${path} ${problem}`;
}

/** The file's text, after checking it is a regular file of ours that only we can write. */
export async function readPrivateFile(path: string): Promise<string | undefined> {
  const st = await lstatIfExists(path, (e) => new UserError(`cannot read ${path}: ${errCode(e) ?? String(e)}`));
  if (!st) return undefined;
  if (!st.isFile()) throw new UserError(`${path} is not a regular file`);
  const problem = ownershipProblem(path, st);
  if (problem) throw new UserError(problem);
  return readText(path);
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

/**
 * Writing the helper's private files, inside the step's private directory (base/privateDir.ts: 0700
 * under RUNNER_TEMP, removed by the post step through its verified manifest): the plan (0600) and one
 * credentials cache file per profile (0600), each replaced atomically. cacheFile.ts reads them back.
 */
import { dirname, join, resolve } from 'node:path';
import type { AwsCredentials } from '../base/types.js';
import { writePrivateFile, type PrivateDir } from '../base/privateDir.js';
import { type CachedCredentials, cacheFileFor } from './cacheFile.js';
import { credentialProcessCommand, serializeRefreshPlan, type RefreshPlan } from './refreshPlan.js';

export { writePrivateFile };
export { type CachedCredentials, cacheFileFor, readCache, readPrivateFile } from './cacheFile.js';

export const PLAN_FILE = 'plan.json';

export async function writeCache(file: string, cached: CachedCredentials): Promise<void> {
  await writePrivateFile(file, JSON.stringify(cached));
}

/** A refresh plan on disk, and the credential_process line of each of its profiles. */
export interface InstalledRefresh {
  readonly dir: string;
  commandFor(profile: string): string;
}

/**
 * The plan and a cache seeded with this step's credentials (so the first call makes no STS call), in
 * the step's private directory. The command runs the runner's node, as the step was started, on the
 * helper's bundle next to this one (dist/refresh/index.js): both stay in place for the whole job. On
 * failure the caller removes the whole directory.
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
  // The helper's own small bundle, next to this one (see src/refreshHelper.ts).
  const entry = join(dirname(resolve(process.argv[1] ?? '')), 'refresh', 'index.js');
  return { dir: dir.path, commandFor: (profile) => credentialProcessCommand(process.execPath, entry, planFile, profile) };
}

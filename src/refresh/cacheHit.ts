/**
 * The credential_process helper's fast path: answer from the cache without loading the code that can
 * re-run a chain (the SDK, the sources, the planner). Every AWS CLI or SDK process start runs the
 * helper, and nearly every run is a hit, so a hit reads exactly what it needs: the plan (to know the
 * profile is one of this job's) and the profile's cache file, both through the same owner and mode
 * checks as the full helper (cacheFile.ts readPrivateFile), and the same freshness rule (stillFresh).
 *
 * Anything short of a clean hit (no plan, a file that fails a check, no such profile, no cache, an
 * unreadable or stale cache) is not decided here: the full helper runs, checks everything again,
 * refreshes or refuses in its own words. So a refusal reads the same whichever entry was started.
 * No lock is taken: cache files are replaced by rename, so a reader sees the old or the new file whole.
 */
import { dirname } from 'node:path';
import type { AwsCredentials } from '../base/types.js';
import { parseRefreshPlan, stillFresh } from './refreshPlan.js';
import { cacheFileFor, readCache, readPrivateFile } from './cacheFile.js';

/** What every line the helper writes to stderr starts with. */
export const HELPER_LABEL = 'aws-assume-chain credential-process: ';
export const HELPER_USAGE = 'usage: credential-process <plan file> <profile>';

/** The Version 1 JSON the AWS SDKs read from a credential_process. */
export interface CredentialProcessOutput {
  readonly Version: 1;
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly SessionToken: string | undefined;
  readonly Expiration: string | undefined;
}

export function credentialProcessOutput(credentials: AwsCredentials): CredentialProcessOutput {
  return {
    Version: 1,
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: credentials.expiration?.toISOString(),
  };
}

/** The cached answer for `profile` while it is fresh; undefined for anything else (see above). */
export async function answerFromCache(planFile: string, profile: string, now: () => number = Date.now): Promise<CredentialProcessOutput | undefined> {
  try {
    const text = await readPrivateFile(planFile);
    if (text === undefined) return undefined;
    const plan = parseRefreshPlan(text, planFile);
    // Own properties only: a profile named "constructor" is not a target of every plan.
    if (!Object.hasOwn(plan.targets, profile)) return undefined;
    const cached = await readCache(cacheFileFor(dirname(planFile), profile));
    if (!cached || !stillFresh(cached.credentials.expiration, cached.obtainedAt, now())) return undefined;
    return credentialProcessOutput(cached.credentials);
  } catch {
    return undefined;
  }
}

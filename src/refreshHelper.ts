/**
 * dist/refresh/index.js: what a refreshing profile's credential_process line runs
 * (`node dist/refresh/index.js credential-process <plan file> <profile>`). A bundle of its own, so a
 * cache hit (nearly every run: the AWS CLI and the SDKs start the helper in every process) loads only
 * refresh/cacheHit.ts and prints the cached credentials. Anything else (a miss, an expired or unreadable
 * cache, any refusal) hands over to the full helper in dist/index.js, with Node's compile cache in the
 * step's private directory enabled first, so the action and the SDK compile once per job.
 */
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as core from './base/runner.js';
import { answerFromCache, HELPER_LABEL, HELPER_USAGE } from './refresh/cacheHit.js';
import { enableCompileCacheIn } from './refresh/compileCache.js';

const [command, planFile, profile, ...extra] = process.argv.slice(2);
core.detachFromRunner(HELPER_LABEL);
if (command !== 'credential-process') {
  // dist/index.js without these arguments would run the action itself: never hand over.
  core.error(HELPER_USAGE);
  process.exitCode = 1;
} else {
  const hit = planFile && profile && extra.length === 0 ? await answerFromCache(planFile, profile) : undefined;
  if (hit) core.printCredentialProcessResult(hit);
  else {
    if (planFile) enableCompileCacheIn(dirname(resolve(planFile)));
    // The full helper reads the same process.argv; it is the action's own entry, one folder up, and
    // is loaded at run time (not bundled here), so the fast path stays small.
    const main = pathToFileURL(join(dirname(resolve(process.argv[1] ?? '')), '..', 'index.js')).href;
    await import(/* webpackIgnore: true */ main);
  }
}

/**
 * Post step: undo what main did, acting only on what it can verify. The state names the step's
 * private directory and carries a MAC of the manifest there; unless the directory and the MAC check
 * out, one warning and nothing is touched. Then: profile sections are removed (or the sections an
 * overwrite replaced put back) only where they are still exactly as written; only the AWS variables
 * this action manages are reset, and only while they still hold the value it exported; the private
 * directory goes last.
 */
import * as core from './base/runner.js';
import { fingerprint, MANAGED_VARS } from './export/env.js';
import { openPrivateDir, removePrivateDir } from './base/privateDir.js';
import { removeProfiles } from './export/profileFiles.js';
import { loadCleanupState, parseManifest, type Manifest } from './export/state.js';
import * as input from './settings/inputs.js';

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';

export async function cleanup(env: NodeJS.ProcessEnv): Promise<void> {
  if (!input.boolean('cleanup', true) || env['AWS_SKIP_CLEANUP_STEP'] === 'true') {
    core.info('Cleanup turned off; credentials and profiles written by this step are left in place.');
    return;
  }
  const state = loadCleanupState();
  if (state === undefined) return; // the main step exported nothing (or failed and undid its writes)
  let opened: Awaited<ReturnType<typeof openPrivateDir>>;
  let manifest: Manifest;
  try {
    if (typeof state === 'string') throw new Error(state);
    opened = await openPrivateDir(env, state.dir, state.mac);
    manifest = parseManifest(opened.manifest);
  } catch (e) {
    core.warning(`aws-assume-chain cleanup: the saved state cannot be verified (${firstLine(e)}); nothing was cleaned up.`);
    return;
  }

  if (manifest.profiles) {
    try {
      const { left } = await removeProfiles(manifest.profiles);
      const removed = manifest.profiles.profiles.filter((p) => !left.some((l) => l.profile === p));
      if (removed.length > 0) core.info(`Removed profile(s) ${removed.join(', ')}`);
      if (left.length > 0) {
        core.warning(
          `aws-assume-chain cleanup: left ${left.length} profile section(s) in place because they changed after this step wrote them: ` +
            left.map((l) => `${l.profile} (${l.file})`).join(', '),
        );
      }
    } catch (e) {
      core.warning(`aws-assume-chain cleanup: profiles were not removed: ${firstLine(e)}`);
    }
  }
  resetEnv(manifest, env);
  await removePrivateDir(opened.dir);
}

/** Blank (or restore) the managed variables that still hold what this step exported. */
function resetEnv(manifest: Manifest, env: NodeJS.ProcessEnv): void {
  const done = new Set<string>();
  for (const { name, fingerprint: ours } of [...manifest.exported].reverse()) {
    if (done.has(name) || !MANAGED_VARS.includes(name)) continue;
    done.add(name);
    // A later step changed it: that value is not ours to clear.
    if (fingerprint(env[name] ?? '') !== ours) continue;
    const previous = manifest.previous[name];
    core.exportVariable(name, typeof previous === 'string' ? previous : '');
  }
}

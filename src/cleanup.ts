/** Post step: undo what main did — the profile sections it wrote, the env it exported (if still ours). */
import * as core from './runner.js';
import { fingerprint } from './export/env.js';
import { removeProfiles } from './export/profileFiles.js';
import { loadCleanupState } from './state.js';
import { removeRefreshDir } from './refresh/store.js';
import * as input from './settings/inputs.js';

export async function cleanup(env: NodeJS.ProcessEnv): Promise<void> {
  if (!input.boolean('cleanup', true) || env['AWS_SKIP_CLEANUP_STEP'] === 'true') {
    core.info('Cleanup turned off; credentials and profiles written by this step are left in place.');
    return;
  }
  const state = loadCleanupState();
  if (!state) return;
  if (state.profiles) {
    await removeProfiles(state.profiles);
    core.info(`Removed profile(s) ${state.profiles.profiles.join(', ')}`);
  }
  if (state.refreshDir) await removeRefreshDir(state.refreshDir);
  const done = new Set<string>();
  for (const { name, fingerprint: ours } of [...state.exported].reverse()) {
    if (done.has(name)) continue;
    done.add(name);
    const current = env[name] ?? '';
    // A later step changed it: that value is not ours to clear.
    if (fingerprint(current) !== ours) continue;
    const previous = state.previous[name];
    core.exportVariable(name, previous ?? '');
  }
}

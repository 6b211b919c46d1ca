/** What main hands to post (through the runner's GITHUB_STATE): no secrets, only names and paths. */
import * as core from './runner.js';
import type { WrittenProfiles } from './export/profileFiles.js';

export interface CleanupState {
  /** Env vars this step exported, with the value's fingerprint (not the value) so post only blanks unchanged ones. */
  readonly exported: Array<{ name: string; fingerprint: string }>;
  /** Non-secret variables as they were before this step, restored by post. */
  readonly previous: Record<string, string | null>;
  readonly profiles?: WrittenProfiles;
  /** The refresh helper's private directory (plan and credentials cache), removed by post. */
  readonly refreshDir?: string;
}

const KEY = 'cleanup';

export function saveCleanupState(state: CleanupState): void {
  core.saveState(KEY, JSON.stringify(state));
}

export function loadCleanupState(): CleanupState | undefined {
  const raw = core.getState(KEY);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as CleanupState;
  } catch {
    return undefined;
  }
}

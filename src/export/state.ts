/**
 * What main hands to post. The runner's state (GITHUB_STATE) carries only the name of the step's
 * private directory and a MAC of the manifest kept there (about 120 bytes, whatever the number of
 * targets: the runner passes state to the post step as one environment variable, which Linux caps at
 * 128 KiB). The manifest lists what the step wrote; the post step acts on it only once the directory
 * and the MAC check out (base/privateDir.ts).
 */
import * as core from '../base/runner.js';
import type { WrittenProfiles } from './profileFiles.js';

/** What the step wrote, kept in its private directory. */
export interface Manifest {
  readonly version: 1;
  /** Env vars this step exported, with the value's fingerprint (not the value) so post only blanks unchanged ones. */
  readonly exported: Array<{ name: string; fingerprint: string }>;
  /** Non-secret variables as they were before this step, restored by post. */
  readonly previous: Record<string, string | null>;
  readonly profiles?: WrittenProfiles;
}

export interface CleanupState {
  readonly version: 1;
  /** The private directory's name (directly inside RUNNER_TEMP). */
  readonly dir: string;
  /** HMAC-SHA256 (hex) of the manifest under the directory's key. */
  readonly mac: string;
}

const KEY = 'cleanup';

export function saveCleanupState(state: CleanupState): void {
  core.saveState(KEY, JSON.stringify(state));
}

/** The saved state; undefined when there is none; a string saying why when it is not one this action writes. */
export function loadCleanupState(): CleanupState | undefined | string {
  const raw = core.getState(KEY);
  if (!raw) return undefined;
  if (raw.length > 1024) return 'it is larger than any state this action saves';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return 'it is not JSON';
  }
  const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (o['version'] !== 1 || typeof o['dir'] !== 'string' || typeof o['mac'] !== 'string' || Object.keys(o).length !== 3) {
    return 'it is not a state this version of the action saves';
  }
  return { version: 1, dir: o['dir'], mac: o['mac'] };
}

/** The manifest's text, as stored and MACed. */
export function serializeManifest(manifest: Manifest): string {
  return JSON.stringify(manifest);
}

/**
 * The manifest from its (already authenticated) text, checked for shape so a bug or an old version
 * cannot make post act on something unexpected. Throws an Error saying what is wrong.
 */
export function parseManifest(text: string): Manifest {
  const m = JSON.parse(text) as Partial<Manifest>;
  if (m.version !== 1 || !Array.isArray(m.exported) || typeof m.previous !== 'object' || m.previous === null) {
    throw new Error('the manifest is not one this version of the action writes');
  }
  const p = m.profiles;
  if (p !== undefined && (typeof p.credentialsFile !== 'string' || typeof p.configFile !== 'string' || !Array.isArray(p.sections))) {
    throw new Error('the manifest lists profiles in an unknown form');
  }
  return m as Manifest;
}

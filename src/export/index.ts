/**
 * Export successful results as one transaction:
 *  1. prepare (pure): the env target, profile entries, every output value, every env value, the
 *     summary — everything that can fail on the results themselves fails here, before any write;
 *  2. write files: the private directory, the refresh plan and caches, the profile files, the manifest;
 *  3. write the runner's files last: env (GITHUB_ENV), outputs (GITHUB_OUTPUT), the post step's state;
 *  4. any failure in 2 or 3, expected or not, undoes every write made so far, newest first (profile
 *     files restored byte for byte, the private directory removed, the runner's files truncated back
 *     to their size before the step wrote to them) and is then reported as the step's failure.
 * The job summary is written after the transaction: it is a courtesy that may fail on its own.
 */
import * as core from '../base/runner.js';
import { truncateSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { UserError } from '../base/errors.js';
import type { Settings } from '../settings/settings.js';
import type { TargetOutcome, TargetSuccess } from '../run/execute.js';
import { saveCleanupState, serializeManifest } from './state.js';
import { EnvExport, MANAGED_VARS } from './env.js';
import { identityOutputs, profilesJson } from './outputs.js';
import { userHome } from '../config/homePath.js';
import { defaultProfilePaths, inputProfilePath, writeProfilesUndoable, type ProfileEntry, type WrittenProfiles } from './profileFiles.js';
import { validateEntries } from './profilePaths.js';
import { createPrivateDir, removePrivateDir, writeManifest } from '../base/privateDir.js';
import { resultsMarkdown } from './summary.js';
import { writeJobSummary } from './jobSummary.js';
import type { RefreshPlan } from '../refresh/refreshPlan.js';
import { installRefresh } from '../refresh/store.js';
import { outputChoices } from '../plan/outputChoices.js';

/** The points after which the export has written something; a test hook can fail at each. */
export const EXPORT_POINTS = ['private-dir', 'refresh', 'profiles', 'manifest', 'env', 'outputs', 'state'] as const;
export type ExportPoint = (typeof EXPORT_POINTS)[number];

export interface ExportContext {
  readonly settings: Settings;
  /** The plan's region; undefined when none is known (then nothing region-shaped is exported). */
  readonly region?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly maskAccount: (id: string) => string;
  /** With `refresh`: profiles get a credential_process that re-runs this plan. */
  readonly refresh?: RefreshPlan;
  /**
   * For in-process tests only: called after each write point; a throw exercises the undo. Nothing in
   * the bundle sets it (no input or environment variable reaches it), so it cannot be triggered on a runner.
   */
  readonly afterWrite?: (point: ExportPoint) => void | Promise<void>;
}

interface Prepared {
  readonly results: TargetSuccess[];
  readonly paths?: { readonly credentialsFile: string; readonly configFile: string };
  readonly entries: ProfileEntry[];
  readonly env: EnvExport;
  readonly outputs: Array<[string, string]>;
  readonly summary?: string;
}

export async function exportResults(outcomes: readonly TargetOutcome[], ctx: ExportContext): Promise<void> {
  const prepared = prepare(outcomes, ctx);
  const undo: Array<() => Promise<void> | void> = [];
  let written: WrittenProfiles | undefined;
  try {
    written = await commit(prepared, ctx, undo);
  } catch (err) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (e) {
        core.warning(`Could not undo part of the export: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
    }
    throw err;
  }
  if (written)
    core.info(`Wrote ${written.profiles.length} ${ctx.refresh ? 'refreshing ' : ''}profile(s) to ${written.credentialsFile} and ${written.configFile}`);
  if (prepared.summary !== undefined) writeJobSummary(prepared.summary);
}

/** Everything decided, nothing written. */
function prepare(outcomes: readonly TargetOutcome[], ctx: ExportContext): Prepared {
  const { settings, env } = ctx;
  const results = outcomes.filter((o): o is TargetSuccess => o.ok);
  const envTarget = chooseEnvTarget(outcomes, settings);
  // The defaults follow the plan's target count (outcomes has one per target), failed targets included.
  const choices = outputChoices(settings, outcomes.length);
  const write = choices.writeProfiles && results.length > 0;
  let paths: Prepared['paths'];
  const entries: ProfileEntry[] = results.map((r) => ({ name: r.target.name, credentials: r.credentials, region: r.target.region ?? ctx.region }));
  if (write) {
    // `~` is the user's home as botocore reads it on this platform (config/homePath.ts).
    const home = userHome(env, process.platform) ?? homedir();
    const defaults = defaultProfilePaths(env, home);
    const typed = (value: string | undefined) => (value === undefined ? undefined : inputProfilePath(value, env, home));
    paths = {
      credentialsFile: typed(settings.profileOutput.credentialsFile) ?? defaults.credentialsFile,
      configFile: typed(settings.profileOutput.configFile) ?? defaults.configFile,
    };
    validateEntries(entries);
  }

  const exports = new EnvExport(env);
  if (settings.unsetCurrentCredentials) exports.unsetCurrent();
  if (paths) {
    if (settings.profileOutput.credentialsFile) exports.set('AWS_SHARED_CREDENTIALS_FILE', paths.credentialsFile);
    if (settings.profileOutput.configFile) exports.set('AWS_CONFIG_FILE', paths.configFile);
  }
  if (envTarget && choices.envCredentials) exports.credentials(envTarget.credentials);
  // The region is exported whenever one is known, whichever target (if any) is in the environment.
  const region = envTarget?.target.region ?? ctx.region;
  if (region !== undefined && choices.envRegion) exports.region(region);
  if (envTarget && choices.exportAwsProfile && paths) exports.set('AWS_PROFILE', envTarget.target.name);

  // The outputs describe the env target; with none (env-profile: none), the plan's first, only if it succeeded.
  const primary = envTarget ?? (outcomes[0]?.ok ? outcomes[0] : undefined);
  const outputs = primary ? identityOutputs(primary, settings.outputCredentials) : [];
  outputs.push(['profiles', profilesJson(results)]);
  const summary = settings.jobSummary ? resultsMarkdown(outcomes, ctx.maskAccount) : undefined;
  return { results, paths, entries, env: exports, outputs, summary };
}

/** The writes, each registering its undo before the next can fail. Returns what was written to profile files. */
async function commit(p: Prepared, ctx: ExportContext, undo: Array<() => Promise<void> | void>): Promise<WrittenProfiles | undefined> {
  const { settings } = ctx;
  const hook = async (point: ExportPoint) => ctx.afterWrite?.(point);
  const dir = await createPrivateDir(ctx.env);
  undo.push(() => removePrivateDir(dir));
  await hook('private-dir');

  let entries = p.entries;
  if (ctx.refresh && p.paths) {
    const refresh = await installRefresh(
      ctx.refresh,
      p.results.map((r) => ({ profile: r.target.name, credentials: r.credentials })),
      dir,
    );
    entries = entries.map((e) => ({ ...e, credentials: { credentialProcess: refresh.commandFor(e.name) } }));
    await hook('refresh');
  }

  let written: WrittenProfiles | undefined;
  if (p.paths) {
    const w = await writeProfilesUndoable(p.paths, entries, { overwrite: settings.profileOutput.overwrite }).catch((err: unknown) => {
      throw namingTheInput(err, p.paths!, settings);
    });
    undo.push(() => w.undo());
    written = w.written;
    await hook('profiles');
  }

  const mac = settings.cleanup
    ? await writeManifest(dir, serializeManifest({ version: 1, exported: p.env.exported, previous: p.env.previous, profiles: written }))
    : undefined;
  await hook('manifest');

  undo.push(runnerFilesSnapshot());
  p.env.apply();
  await hook('env');
  for (const [name, value] of p.outputs) core.setOutput(name, value);
  await hook('outputs');
  if (mac !== undefined) saveCleanupState({ version: 1, dir: dir.name, mac });
  await hook('state');

  // Without cleanup nothing will remove the directory later: keep it only when the refresh helper needs it.
  if (!settings.cleanup && !ctx.refresh) await removePrivateDir(dir);
  return written;
}

/**
 * A refusal about a path the user typed names that input (`Input 'profiles-config-file': …`): the
 * input whose path, or nearest folder of it, the message quotes — unless the other file's path
 * matches as closely (then the message is about that one, or about both).
 */
function namingTheInput(err: unknown, paths: NonNullable<Prepared['paths']>, settings: Settings): unknown {
  if (!(err instanceof UserError) || err.message.startsWith('Input ')) return err;
  const closeness = (file: string): number => {
    for (let p = file; dirname(p) !== p; p = dirname(p)) if (err.message.includes(p)) return p.length;
    return 0;
  };
  const files = [
    { input: 'profiles-credentials-file', typed: settings.profileOutput.credentialsFile !== undefined, score: closeness(paths.credentialsFile) },
    { input: 'profiles-config-file', typed: settings.profileOutput.configFile !== undefined, score: closeness(paths.configFile) },
  ].sort((a, b) => b.score - a.score);
  const [best, other] = files as [(typeof files)[0], (typeof files)[0]];
  if (!best.typed || best.score === 0 || best.score === other.score) return err;
  return new UserError(`Input '${best.input}': ${err.message}`, err.origin);
}

/**
 * The runner reads GITHUB_ENV, GITHUB_OUTPUT and GITHUB_STATE only after the step ends, so what this
 * step appended can still be taken back: the returned undo truncates each to its size now, and puts
 * this process's managed variables back as they were.
 */
function runnerFilesSnapshot(): () => void {
  const sizes: Array<[string, number]> = [];
  for (const name of ['GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_STATE']) {
    const file = process.env[name];
    if (!file) continue;
    try {
      sizes.push([file, statSync(file).size]);
    } catch {
      // missing: the write to it will fail, and there is nothing to take back
    }
  }
  const envBefore = MANAGED_VARS.map((name) => [name, process.env[name]] as const);
  return () => {
    for (const [name, value] of envBefore) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    for (const [file, size] of sizes) if (statSync(file).size > size) truncateSync(file, size);
  };
}

function chooseEnvTarget(outcomes: readonly TargetOutcome[], settings: Settings): TargetSuccess | undefined {
  const wanted = settings.profileOutput.envProfile;
  if (wanted === 'none') return undefined;
  // The first target of the plan, not the first that succeeded: when it failed (fail-on-target-error:
  // false), another account's keys in its place would be used by steps written for it.
  const chosen = wanted === undefined ? outcomes[0] : outcomes.find((o) => o.target.name === wanted);
  if (!chosen) throw new UserError(`Input 'env-profile': no target named "${wanted}" (targets: ${outcomes.map((o) => o.target.name).join(', ')})`);
  if (chosen.ok) return chosen;
  if (wanted !== undefined) throw new UserError(`Input 'env-profile': the target "${wanted}" failed, so it cannot be in the environment; nothing was exported`);
  core.warning(`No credentials are in the environment: its target "${chosen.target.name}" (the first) failed; the other targets are in their profiles`);
  return undefined;
}

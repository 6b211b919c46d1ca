/**
 * Export successful results: profile files first (they can still fail, and then nothing else is
 * exported), then env, outputs, job summary, and the state the post step cleans up with.
 */
import * as core from '../runner.js';
import { homedir } from 'node:os';
import { UserError } from '../errors.js';
import type { Settings } from '../settings/settings.js';
import type { TargetOutcome, TargetSuccess } from '../sts/execute.js';
import { saveCleanupState } from '../state.js';
import { EnvExport } from './env.js';
import { profilesJson, setIdentityOutputs } from './outputs.js';
import { defaultProfilePaths, writeProfiles, type WrittenProfiles } from './profileFiles.js';
import { resultsMarkdown } from './summary.js';
import { writeJobSummary } from './jobSummary.js';
import type { RefreshPlan } from '../refresh/refreshPlan.js';
import { installRefresh, removeRefreshDir, type InstalledRefresh } from '../refresh/store.js';

export interface ExportContext {
  readonly settings: Settings;
  readonly region: string;
  readonly env: NodeJS.ProcessEnv;
  readonly maskAccount: (id: string) => string;
  /** With `refresh`: profiles get a credential_process that re-runs this plan. */
  readonly refresh?: RefreshPlan;
}

export async function exportResults(outcomes: readonly TargetOutcome[], ctx: ExportContext): Promise<void> {
  const { settings, env } = ctx;
  const results = outcomes.filter((o): o is TargetSuccess => o.ok);
  const envTarget = chooseEnvTarget(results, settings);

  let written: WrittenProfiles | undefined;
  let refresh: InstalledRefresh | undefined;
  if (settings.profileOutput.write && results.length > 0) {
    const defaults = defaultProfilePaths(env, env['HOME'] ?? homedir());
    const paths = {
      credentialsFile: settings.profileOutput.credentialsFile ?? defaults.credentialsFile,
      configFile: settings.profileOutput.configFile ?? defaults.configFile,
    };
    if (ctx.refresh) refresh = await installRefresh(ctx.refresh, results.map((r) => ({ profile: r.target.name, credentials: r.credentials })), env);
    try {
      written = await writeProfiles(
        paths,
        results.map((r) => ({
          name: r.target.name,
          credentials: refresh ? { credentialProcess: refresh.commandFor(r.target.name) } : r.credentials,
          region: r.target.region ?? ctx.region,
        })),
        { overwrite: settings.profileOutput.overwrite },
      );
    } catch (err) {
      if (refresh) await removeRefreshDir(refresh.dir);
      throw err;
    }
    core.info(`Wrote ${written.profiles.length} ${ctx.refresh ? 'refreshing ' : ''}profile(s) to ${paths.credentialsFile} and ${paths.configFile}`);
  }

  const exports = new EnvExport(env);
  if (settings.unsetCurrentCredentials) exports.unsetCurrent();
  if (written) {
    if (settings.profileOutput.credentialsFile) exports.set('AWS_SHARED_CREDENTIALS_FILE', written.credentialsFile);
    if (settings.profileOutput.configFile) exports.set('AWS_CONFIG_FILE', written.configFile);
  }
  if (envTarget && settings.outputEnvCredentials) exports.credentials(envTarget.credentials);
  if (envTarget && (settings.outputEnvCredentials || ctx.refresh)) exports.region(envTarget.target.region ?? ctx.region);
  if (envTarget && settings.profileOutput.exportAwsProfile && written) exports.set('AWS_PROFILE', envTarget.target.name);

  const primary = envTarget ?? results[0];
  if (primary) setIdentityOutputs(primary, settings.outputCredentials);
  core.setOutput('profiles', profilesJson(results));
  if (settings.jobSummary) writeJobSummary(resultsMarkdown(outcomes, ctx.maskAccount));
  saveCleanupState({
    exported: exports.exported,
    previous: exports.previous,
    profiles: settings.cleanup ? written : undefined,
    refreshDir: settings.cleanup ? refresh?.dir : undefined,
  });
}

function chooseEnvTarget(results: readonly TargetSuccess[], settings: Settings): TargetSuccess | undefined {
  const wanted = settings.profileOutput.envProfile;
  if (wanted === 'none') return undefined;
  if (wanted === undefined) return results[0];
  const found = results.find((r) => r.target.name === wanted);
  if (!found) throw new UserError(`Input 'env-profile': no target named "${wanted}" (targets: ${results.map((r) => r.target.name).join(', ')})`);
  return found;
}

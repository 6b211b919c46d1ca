/** Settings → Plan, in input mode or config-profile mode; every profile name to be written is checked here. */
import { InputError } from '../base/errors.js';
import type { LoadedConfig } from '../settings/loadConfig.js';
import type { Settings } from '../settings/settings.js';
import { buildInputPlan } from './buildInputPlan.js';
import { githubContextFromEnv } from './github.js';
import { checkTargetNames } from '../config/profileName.js';
import type { Plan } from '../base/types.js';
import { outputChoices } from './outputChoices.js';
import { closestNames } from '../config/closestNames.js';

/**
 * Pure: `config` is what settings/loadConfig.ts read for config mode (undefined in input mode); `env`
 * is only looked at, for the GitHub context.
 */
export async function buildPlan(settings: Settings, env: NodeJS.ProcessEnv, config?: LoadedConfig): Promise<Plan> {
  const github = githubContextFromEnv(env);
  if (settings.mode.kind === 'config' && !config) throw new Error('buildPlan needs the config files loaded in config mode');
  // Config mode's resolver is loaded on use: a run from inputs never compiles it.
  const plan =
    settings.mode.kind === 'inputs' || !config
      ? buildInputPlan(settings, github)
      : (await import('./buildConfigPlan.js')).buildConfigPlan(settings, github, env, config);
  const { writeProfiles } = outputChoices(settings, plan.targets.length);
  checkTargetNames(plan, { mode: settings.mode, profileOutput: { write: writeProfiles, awsProfile: settings.profileOutput.awsProfile } });
  checkEnvProfile(plan, settings.profileOutput.envProfile);
  // Keys in the environment say nothing about profiles: a run asked to write them must not end early
  // and report success with none written (review 4).
  if (settings.useExistingCredentials && writeProfiles) {
    throw new InputError(
      'use-existing-credentials',
      'valid keys in the environment cannot stand in for the profiles this run writes (write-profiles, aws-profile, refresh or a fan-out); drop one of them',
    );
  }
  return plan;
}

/** `env-profile` must name one of the targets (or be `none`), known before any call. */
function checkEnvProfile(plan: Plan, envProfile: string | undefined): void {
  if (envProfile === undefined || envProfile === 'none') return;
  const names = plan.targets.map((t) => t.name);
  if (names.includes(envProfile)) return;
  const close = closestNames(envProfile, names);
  const listed = names.length <= MAX_LISTED ? `targets: ${names.join(', ')}` : `${names.length} targets`;
  const guess = close.length > 0 ? `; did you mean ${close.join(', ')}?` : '';
  throw new InputError('env-profile', `no target named "${envProfile}" (${listed}, or none)${guess}`);
}

/** More targets than this are counted, not listed, in the env-profile error. */
const MAX_LISTED = 8;

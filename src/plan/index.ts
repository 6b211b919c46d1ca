/** Settings → Plan, in input mode or config-profile mode; every profile name to be written is checked here. */
import { InputError } from '../base/errors.js';
import type { Settings } from '../settings/settings.js';
import { buildConfigPlan } from './buildConfigPlan.js';
import { buildInputPlan } from './buildInputPlan.js';
import { githubContextFromEnv } from './github.js';
import { checkTargetNames, profileNameProblem } from '../config/profileName.js';
import type { Plan } from '../base/types.js';

export async function buildPlan(settings: Settings, env: NodeJS.ProcessEnv): Promise<Plan> {
  const github = githubContextFromEnv(env);
  if (settings.mode.kind === 'config') checkRename(settings.profileOutput.awsProfile);
  const plan = settings.mode.kind === 'inputs' ? buildInputPlan(settings, github) : await buildConfigPlan(settings, github, env);
  checkTargetNames(plan, settings);
  checkEnvProfile(plan, settings.profileOutput.envProfile);
  return plan;
}

/** Config mode writes the one profile under `aws-profile` as typed: checked now, not after the STS calls. */
function checkRename(awsProfile: string | undefined): void {
  const problem = awsProfile === undefined ? undefined : profileNameProblem(awsProfile);
  if (problem) throw new InputError('aws-profile', `the profile name ${JSON.stringify(awsProfile)} ${problem}`);
}

/** `env-profile` must name one of the targets (or be `none`), known before any call. */
function checkEnvProfile(plan: Plan, envProfile: string | undefined): void {
  if (envProfile === undefined || envProfile === 'none') return;
  if (plan.targets.some((t) => t.name === envProfile)) return;
  throw new InputError('env-profile', `no target named "${envProfile}" (targets: ${plan.targets.map((t) => t.name).join(', ')})`);
}

/** Settings → Plan, in input mode or config-profile mode; every profile name to be written is checked here. */
import type { Settings } from '../settings/settings.js';
import { buildConfigPlan } from './buildConfigPlan.js';
import { buildInputPlan } from './buildInputPlan.js';
import { githubContextFromEnv } from './github.js';
import { checkTargetNames } from './profileNames.js';
import type { Plan } from './types.js';

export async function buildPlan(settings: Settings, env: NodeJS.ProcessEnv): Promise<Plan> {
  const github = githubContextFromEnv(env);
  const plan = settings.mode.kind === 'inputs' ? buildInputPlan(settings, github) : await buildConfigPlan(settings, github, env);
  checkTargetNames(plan, settings);
  return plan;
}

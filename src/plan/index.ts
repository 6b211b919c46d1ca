/** Settings → Plan, in input mode or config-profile mode. */
import type { Settings } from '../settings/settings.js';
import { buildConfigPlan } from './buildConfigPlan.js';
import { buildInputPlan } from './buildInputPlan.js';
import { githubContextFromEnv } from './github.js';
import type { Plan } from './types.js';

export async function buildPlan(settings: Settings, env: NodeJS.ProcessEnv): Promise<Plan> {
  const github = githubContextFromEnv(env);
  return settings.mode.kind === 'inputs' ? buildInputPlan(settings, github) : buildConfigPlan(settings, github, env);
}

import { UserError } from '../errors.js';
import type { Settings } from '../settings/settings.js';
import type { GithubContext } from './github.js';
import type { Plan } from './types.js';

export async function buildConfigPlan(_settings: Settings, _github: GithubContext, _env: NodeJS.ProcessEnv): Promise<Plan> {
  throw new UserError('config-file mode is not available yet');
}

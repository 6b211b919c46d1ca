/**
 * `use-existing-credentials` (configure-aws-credentials' input): when the environment already holds
 * keys that STS accepts, the step has nothing to do. One GetCallerIdentity decides; any refusal
 * (expired, invalid, unreachable) means "get new ones", so it is logged and the step goes on.
 */
import * as core from '../base/runner.js';
import type { AwsCredentials } from '../base/types.js';
import { maskCredentials } from '../sources/credentials.js';
import { getCallerIdentity, type CallerIdentity, type StsConnection } from '../sts/client.js';
import { StsError } from '../sts/errors.js';

export async function existingIdentity(env: NodeJS.ProcessEnv, conn: StsConnection): Promise<CallerIdentity | undefined> {
  const accessKeyId = env['AWS_ACCESS_KEY_ID'] || undefined;
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'] || undefined;
  if (!accessKeyId || !secretAccessKey) {
    core.info('use-existing-credentials: no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment; getting new credentials');
    return undefined;
  }
  const credentials: AwsCredentials = { accessKeyId, secretAccessKey, sessionToken: env['AWS_SESSION_TOKEN'] || undefined };
  maskCredentials(credentials);
  try {
    return await getCallerIdentity(conn, credentials);
  } catch (err) {
    // StsError messages carry STS's code and redacted text, never the keys.
    const why = err instanceof StsError ? err.code : 'the call failed';
    core.info(`use-existing-credentials: the credentials in the environment were refused (${why}); getting new credentials`);
    return undefined;
  }
}

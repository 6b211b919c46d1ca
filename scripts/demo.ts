/**
 * `npm run demo`: the bundled action as a workflow step, end to end, with no AWS account.
 * Starts the STS emulator and the GitHub OIDC stand-in, runs dist/index.js the way the runner does
 * (OIDC → hub role → deploy role), shows the step log as the runner would (masked), then asks the
 * emulator who the exported credentials are — as a later step's AWS client would.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Scenario, HUB, DEPLOY } from '../__tests__/support/scenario.js';

const s = await Scenario.start();
try {
  const step = await s.main({
    inputs: {
      'aws-region': 'eu-west-1',
      'role-chain': `${HUB}\n${DEPLOY} external-id=deploy-ext-42 session-name=demo-deploy`,
    },
    env: s.oidcEnv,
  });
  console.log('── step log, as the runner shows it (masked) ──────────────────────────');
  console.log(step.maskedLog.trimEnd());
  console.log('───────────────────────────────────────────────────────────────────────');
  if (step.exitCode !== 0) throw new Error(`the action failed with exit code ${step.exitCode}`);
  console.log(`exit code: ${step.exitCode}; outputs: aws-account-id=${step.outputs['aws-account-id']} aws-role-arn=${step.outputs['aws-role-arn']}`);
  console.log(
    `STS calls made: ${s
      .calls()
      .map((c) => `${c.action}(${c.params['RoleArn']})`)
      .join(' → ')}`,
  );

  const env = s.job.env;
  const sts = new STSClient({
    region: env['AWS_REGION'],
    endpoint: s.sts.url,
    credentials: {
      accessKeyId: env['AWS_ACCESS_KEY_ID']!,
      secretAccessKey: env['AWS_SECRET_ACCESS_KEY']!,
      sessionToken: env['AWS_SESSION_TOKEN'],
    },
  });
  const me = await sts.send(new GetCallerIdentityCommand({}));
  console.log(`Assumed identity (GetCallerIdentity with the exported credentials): ${me.Arn}`);
  s.noLeaks(step);
  console.log('Leak check: no secret appears unmasked in the log, summary, errors or files.');
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await s.stop();
}

/** Step outputs: identity, expiry and a secret-free description of the chain and profiles. */
import * as core from '../runner.js';
import type { TargetSuccess } from '../sts/execute.js';

export function chainJson(result: TargetSuccess): string {
  return JSON.stringify(
    result.hops.map((h) => ({
      roleArn: h.hop.roleArn,
      assumedRoleArn: h.assumedRoleArn,
      accountId: h.accountId,
      action: h.hop.action,
      sessionName: h.hop.roleSessionName,
      expiration: h.credentials.expiration?.toISOString(),
    })),
  );
}

export function profilesJson(results: readonly TargetSuccess[]): string {
  return JSON.stringify(
    results.map((r) => ({
      profile: r.target.name,
      accountId: r.accountId,
      roleArn: r.hops[r.hops.length - 1]?.hop.roleArn ?? r.arn,
      expiration: r.credentials.expiration?.toISOString(),
    })),
  );
}

export function setIdentityOutputs(result: TargetSuccess, withCredentials: boolean): void {
  const lastHop = result.hops[result.hops.length - 1];
  core.setOutput('aws-account-id', result.accountId);
  core.setOutput('authenticated-arn', result.arn);
  core.setOutput('aws-role-arn', lastHop?.hop.roleArn ?? '');
  // A plain ISO 8601 string: core.setOutput would JSON-quote a Date.
  if (result.credentials.expiration) core.setOutput('aws-expiration', result.credentials.expiration.toISOString());
  core.setOutput('chain', chainJson(result));
  if (withCredentials) {
    core.setOutput('aws-access-key-id', result.credentials.accessKeyId);
    core.setOutput('aws-secret-access-key', result.credentials.secretAccessKey);
    if (result.credentials.sessionToken) core.setOutput('aws-session-token', result.credentials.sessionToken);
  }
}

/**
 * Step outputs: identity, expiry and a secret-free description of the chain and profiles. Computed
 * first (every value that can fail to format fails here, before anything is written), set last.
 */
import * as core from '../base/runner.js';
import { UserError } from '../base/errors.js';
import type { TargetSuccess } from '../run/execute.js';

/** An expiration as ISO 8601, or a one-line error naming the target when it is not a real date. */
function iso(expiration: Date | undefined, target: string): string | undefined {
  if (expiration === undefined) return undefined;
  if (!(expiration instanceof Date) || Number.isNaN(expiration.getTime())) {
    throw new UserError(`The credentials for "${target}" have an expiration that is not a valid date; nothing was exported.`);
  }
  return expiration.toISOString();
}

export function chainJson(result: TargetSuccess): string {
  return JSON.stringify(
    result.hops.map((h) => ({
      roleArn: h.hop.roleArn,
      assumedRoleArn: h.assumedRoleArn,
      accountId: h.accountId,
      action: h.hop.action,
      sessionName: h.hop.roleSessionName,
      expiration: iso(h.credentials.expiration, result.target.name),
    })),
  );
}

export function profilesJson(results: readonly TargetSuccess[]): string {
  return JSON.stringify(
    results.map((r) => ({
      profile: r.target.name,
      accountId: r.accountId,
      roleArn: r.hops[r.hops.length - 1]?.hop.roleArn ?? r.arn,
      expiration: iso(r.credentials.expiration, r.target.name),
    })),
  );
}

/** The identity outputs of one target, in the order they are set. */
export function identityOutputs(result: TargetSuccess, withCredentials: boolean): Array<[string, string]> {
  const lastHop = result.hops[result.hops.length - 1];
  const out: Array<[string, string]> = [
    ['aws-account-id', result.accountId],
    ['authenticated-arn', result.arn],
    ['aws-role-arn', lastHop?.hop.roleArn ?? ''],
  ];
  // A plain ISO 8601 string: core.setOutput would JSON-quote a Date.
  const expiration = iso(result.credentials.expiration, result.target.name);
  if (expiration) out.push(['aws-expiration', expiration]);
  out.push(['chain', chainJson(result)]);
  if (withCredentials) {
    out.push(['aws-access-key-id', result.credentials.accessKeyId]);
    out.push(['aws-secret-access-key', result.credentials.secretAccessKey]);
    if (result.credentials.sessionToken) out.push(['aws-session-token', result.credentials.sessionToken]);
  }
  return out;
}

export function setIdentityOutputs(result: TargetSuccess, withCredentials: boolean): void {
  for (const [name, value] of identityOutputs(result, withCredentials)) core.setOutput(name, value);
}

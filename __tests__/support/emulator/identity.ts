/** World identities: who a session or key is, and whether a role's trust policy lets a caller in. */
import { parseArn, roleNameOf, type WorldOidcTrust, type WorldRole } from '../world.js';
import { uniqueId } from './codes.js';
import type { IssuedSession, Principal } from './types.js';

export function principalFromSession(s: IssuedSession): Principal {
  return {
    accessKeyId: s.accessKeyId,
    secretAccessKey: s.secretAccessKey,
    sessionToken: s.sessionToken,
    expiresAt: s.expiresAt,
    arn: s.principalArn,
    account: s.account,
    partition: s.partition,
    userId: s.userId,
    ...(s.roleArn !== undefined ? { roleArn: s.roleArn } : {}),
    ...(s.sourceIdentity !== undefined ? { sourceIdentity: s.sourceIdentity } : {}),
    transitiveTags: s.tags.filter((t) => s.transitiveTagKeys.some((k) => k.toLowerCase() === t.key.toLowerCase())),
  };
}

/** User id and (for `assumed-role` ARNs) role ARN of a world identity. */
export function describeArn(arn: string): { userId: string; roleArn?: string } {
  const p = parseArn(arn)!;
  const m = /^assumed-role\/([^/]+)\/(.+)$/.exec(p.resource);
  if (p.service === 'sts' && m) {
    const roleArn = `arn:${p.partition}:iam::${p.account}:role/${m[1]}`;
    return { userId: `${uniqueId('AROA', roleArn)}:${m[2]}`, roleArn };
  }
  if (p.resource === 'root') return { userId: p.account };
  return { userId: uniqueId('AIDA', arn) };
}

export function trustAllows(role: WorldRole, caller: Principal): boolean {
  const roleArn = parseArn(role.arn)!;
  if (roleArn.partition !== caller.partition) return false;
  const callerRoleName = caller.roleArn ? roleNameOf(caller.roleArn) : undefined;
  return (role.trust.principals ?? []).some((p) => {
    if (p === '*') return true;
    if (/^\d{12}$/.test(p)) return p === caller.account;
    if (p === caller.arn) return true;
    const pa = parseArn(p);
    if (!pa || pa.partition !== caller.partition || pa.account !== caller.account) return false;
    if (pa.resource === 'root') return true;
    if (caller.roleArn !== undefined && pa.service === 'iam' && pa.resource.startsWith('role/')) {
      return p === caller.roleArn || roleNameOf(p) === callerRoleName;
    }
    return false;
  });
}

export const oidcTrusts = (role: WorldRole): WorldOidcTrust[] =>
  role.trust.oidc === undefined ? [] : Array.isArray(role.trust.oidc) ? role.trust.oidc : [role.trust.oidc];

/** `https://x/` → `x`: issuers compare without scheme and trailing slash. */
export const normIssuer = (iss: string): string => iss.replace(/^https?:\/\//i, '').replace(/\/+$/, '');

/**
 * IAM role trust policies (the JSON you attach to a role in IAM) turned into the emulator's world format.
 * Development/test only; never imported by `src/`.
 *
 * The emulator enforces a subset of IAM's policy language, the part a GitHub-to-AWS role chain uses:
 *   - Effect "Allow" statements only;
 *   - Action sts:AssumeRole with Principal {"AWS": ARN | account ID | "*"} and an optional
 *     StringEquals {"sts:ExternalId": "…"};
 *   - Action sts:AssumeRoleWithWebIdentity with Principal {"Federated": "arn:…:oidc-provider/HOST"} and
 *     StringEquals / StringLike on "HOST:aud" and "HOST:sub" (a list = any of them);
 *   - sts:TagSession (absent ⇒ the role refuses session tags, as IAM does).
 * Anything else (Deny, NotPrincipal, other condition keys or operators, …) is refused with a message naming it,
 * so a policy is never half-enforced: what loads is exactly what the emulator checks.
 *
 * A web-identity provider's HOST is mapped to a local issuer URL through `issuers` (the emulator CLI maps
 * `token.actions.githubusercontent.com` to its GitHub OIDC stand-in); other hosts are taken as `https://HOST`.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { WorldOidcTrust, WorldRole, WorldTrust } from './world.js';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

export interface TrustPolicyOptions {
  /** OIDC provider host → issuer URL the emulator should accept for it. */
  issuers?: Readonly<Record<string, string>>;
}

/** The role fields a trust policy determines. */
export type TrustFields = Pick<WorldRole, 'trust' | 'allowTagSession'> & { externalId?: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const strings = (v: unknown, at: string): string[] => {
  const l = list(v);
  if (l.length === 0 || !l.every((s) => typeof s === 'string' && s.length > 0)) throw new Error(`${at}: must be a string or a list of strings`);
  return l as string[];
};

/** IAM's StringEquals compares literally; the world's subject is a glob, so glob characters are refused there. */
function literalAsGlob(s: string, at: string): string {
  if (/[*?]/.test(s)) throw new Error(`${at}: "${s}" has * or ? under StringEquals (use StringLike for a pattern)`);
  return s;
}

interface Conditions {
  externalId?: string;
  aud: string[];
  sub: string[];
}

function readConditions(cond: unknown, at: string, host: string | undefined): Conditions {
  const out: Conditions = { aud: [], sub: [] };
  if (cond === undefined) return out;
  if (!isObj(cond)) throw new Error(`${at}: must be an object`);
  for (const [op, keys] of Object.entries(cond)) {
    if (op !== 'StringEquals' && op !== 'StringLike') throw new Error(`${at}.${op}: operator not enforced by the emulator`);
    if (!isObj(keys)) throw new Error(`${at}.${op}: must be an object`);
    for (const [key, value] of Object.entries(keys)) {
      const here = `${at}.${op}["${key}"]`;
      const values = strings(value, here);
      if (key === 'sts:ExternalId' && op === 'StringEquals' && host === undefined && values.length === 1) {
        out.externalId = values[0]!;
      } else if (host !== undefined && (key === `${host}:aud` || key === `${host}:sub`)) {
        const globs = op === 'StringLike' ? values : values.map((v) => literalAsGlob(v, here));
        out[key.endsWith(':aud') ? 'aud' : 'sub'].push(...globs);
      } else {
        throw new Error(`${here}: condition not enforced by the emulator`);
      }
    }
  }
  return out;
}

function webIdentityTrusts(principal: string, c: Conditions, at: string, opts: TrustPolicyOptions): WorldOidcTrust[] {
  const m = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:oidc-provider\/(.+)$/.exec(principal);
  if (!m) throw new Error(`${at}.Principal.Federated: not an IAM OIDC provider ARN: ${principal}`);
  // A policy that leaves the subject open trusts every repository (for GitHub's provider): refused for every provider.
  if (c.sub.length === 0) throw new Error(`${at}.Condition: a web-identity statement must restrict "${m[1]}:sub"`);
  if (c.aud.length === 0) throw new Error(`${at}.Condition: a web-identity statement must name "${m[1]}:aud"`);
  if (c.aud.some((a) => /[*?]/.test(a))) throw new Error(`${at}.Condition: the emulator needs a literal ":aud"`);
  const issuer = opts.issuers?.[m[1]!] ?? `https://${m[1]}`;
  return c.aud.flatMap((audience) => c.sub.map((subject) => ({ issuer, audience, subject })));
}

/** Converts one trust policy document; throws an Error naming the first statement or key it cannot enforce. */
export function trustFromPolicy(doc: unknown, opts: TrustPolicyOptions = {}): TrustFields {
  if (!isObj(doc)) throw new Error('trust policy: must be a JSON object');
  if (doc.Version !== '2012-10-17') throw new Error('trust policy: Version must be "2012-10-17"');
  const principals: string[] = [];
  const oidc: WorldOidcTrust[] = [];
  const externalIds = new Set<string | undefined>();
  let tagSession = false;
  list(doc.Statement).forEach((st, i) => {
    const at = `Statement[${i}]`;
    if (!isObj(st)) throw new Error(`${at}: must be an object`);
    const unknown = Object.keys(st).filter((k) => !['Sid', 'Effect', 'Principal', 'Action', 'Condition'].includes(k));
    if (unknown.length > 0) throw new Error(`${at}.${unknown[0]}: not enforced by the emulator`);
    if (st.Effect !== 'Allow') throw new Error(`${at}.Effect: only "Allow" is enforced by the emulator`);
    const actions = strings(st.Action, `${at}.Action`);
    const bad = actions.find((a) => !['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity', 'sts:TagSession'].includes(a));
    if (bad) throw new Error(`${at}.Action: ${bad} is not enforced by the emulator`);
    if (!isObj(st.Principal)) throw new Error(`${at}.Principal: must be an object ({"AWS": …} or {"Federated": …})`);
    const { AWS: aws, Federated: fed, ...other } = st.Principal;
    if (Object.keys(other).length > 0) throw new Error(`${at}.Principal.${Object.keys(other)[0]}: not enforced by the emulator`);
    if (actions.includes('sts:TagSession')) tagSession = true;
    if (aws !== undefined) {
      if (!actions.includes('sts:AssumeRole')) throw new Error(`${at}: an AWS principal needs sts:AssumeRole`);
      const c = readConditions(st.Condition, `${at}.Condition`, undefined);
      principals.push(...strings(aws, `${at}.Principal.AWS`));
      externalIds.add(c.externalId);
    }
    if (fed !== undefined) {
      if (!actions.includes('sts:AssumeRoleWithWebIdentity')) throw new Error(`${at}: a Federated principal needs sts:AssumeRoleWithWebIdentity`);
      for (const p of strings(fed, `${at}.Principal.Federated`)) {
        const host = /oidc-provider\/(.+)$/.exec(p)?.[1];
        oidc.push(...webIdentityTrusts(p, readConditions(st.Condition, `${at}.Condition`, host), at, opts));
      }
    }
  });
  // The world keeps one external ID per role: statements that disagree about it cannot be expressed.
  if (externalIds.size > 1) throw new Error('trust policy: statements disagree about sts:ExternalId');
  const externalId = [...externalIds][0];
  const trust: WorldTrust = { ...(principals.length > 0 ? { principals } : {}), ...(oidc.length > 0 ? { oidc } : {}) };
  return { trust, allowTagSession: tagSession, ...(externalId !== undefined ? { externalId } : {}) };
}

/**
 * A world (raw JSON) whose roles may give `trustPolicy` (an IAM document) or `trustPolicyFile` (a path relative to
 * `baseDir`) instead of `trust`: returns the world with those replaced by the emulator's fields. Errors name the role.
 */
export function expandTrustPolicies(raw: unknown, baseDir: string, opts: TrustPolicyOptions = {}): unknown {
  if (!isObj(raw) || !Array.isArray(raw.roles)) return raw;
  const roles = raw.roles.map((r: unknown, i) => {
    if (!isObj(r) || (r.trustPolicy === undefined && r.trustPolicyFile === undefined)) return r;
    const { trustPolicy, trustPolicyFile, ...rest } = r;
    const at = `roles[${i}] (${String(r.arn)})`;
    if (rest.trust !== undefined || rest.externalId !== undefined || rest.allowTagSession !== undefined) {
      throw new Error(`${at}: give trust/externalId/allowTagSession or a trust policy, not both`);
    }
    try {
      const doc: unknown = trustPolicyFile !== undefined ? JSON.parse(readFileSync(resolve(baseDir, String(trustPolicyFile)), 'utf8')) : trustPolicy;
      return { ...rest, ...trustFromPolicy(doc, opts) };
    } catch (e) {
      throw new Error(`${at}: ${(e as Error).message}`);
    }
  });
  return { ...raw, roles };
}

/** Reads a world file, expanding trust policies relative to its folder. */
export function readWorldWithPolicies(file: string, opts: TrustPolicyOptions = {}): unknown {
  return expandTrustPolicies(JSON.parse(readFileSync(file, 'utf8')) as unknown, dirname(file), opts);
}

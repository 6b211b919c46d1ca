/**
 * Every vector of profile-vectors.json (config + credentials + profile → what botocore did) against
 * resolveProfileChain: the same STS calls in the same order (action, RoleArn, RoleSessionName unless
 * botocore used its time-based default, DurationSeconds, ExternalId, SerialNumber/TokenCode, and who
 * signed: the first hop's static key or source kind, later hops "previous hop"), the selected
 * profile's region and endpoint where botocore shows them, or the same error text.
 *
 * Where the action deliberately differs from botocore, or the outcome only exists at call time, the
 * harness detects it (rules below) and the vector must be listed in NOT_FULLY_COMPARED with its
 * reason: "partial" vectors still have their comparable part checked, "skip" vectors have none.
 * A detected limit without a listed reason fails, and so does a listed vector that turns out to be
 * fully comparable.
 */
import { parseConfigText } from '../src/config/configparser.js';
import { buildProfileMap, type ProfileMap } from '../src/config/profiles.js';
import { ConfigError } from '../src/base/errors.js';
import { PreflightError, resolveProfileChain, type ResolvedProfile } from '../src/plan/resolveProfileChain.js';
import type { Hop, Source } from '../src/base/types.js';
import { loadVectors, type Vector } from './support/vector-world.js';

type Mode = 'skip' | 'partial';

/** Vectors not compared in full, and why. Keep in sync with what the harness detects. */
const NOT_FULLY_COMPARED: Readonly<Record<string, { readonly mode: Mode; readonly reason: string }>> = {
  V10: {
    mode: 'partial',
    reason:
      'credential_source = Environment with no AWS_ACCESS_KEY_ID: botocore fails while reading the environment; the action reads it at run time. Compared: the plan has an environment source.',
  },
  V17: {
    mode: 'skip',
    reason:
      'no profile at all, only AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN env vars: the action behaves like an explicit profile and ignores web-identity env vars.',
  },
  V20: {
    mode: 'skip',
    reason: 'profile chosen via AWS_PROFILE so botocore uses the web-identity env vars; the action ignores them (explicit-profile model).',
  },
  V31: {
    mode: 'partial',
    reason:
      'NoRegionError comes from AWS_ENDPOINT_URL_STS without a region; the action decides the region itself. Compared: no region on the selected profile.',
  },
  V32: {
    mode: 'partial',
    reason: 'NoRegionError ([default] region not inherited) depends on the endpoint env override. Compared: no region on the selected profile.',
  },
  V34: {
    mode: 'partial',
    reason: 'NoRegionError (AWS_REGION ignored by botocore) depends on the endpoint env override. Compared: no region on the selected profile.',
  },
  V50: {
    mode: 'partial',
    reason:
      'session name "my-session ; not a comment for botocore" is sent by botocore and refused by real STS (pattern [\\w+=,.@-]*); the action refuses it before calling. Compared: the refused value is this hop\'s.',
  },
  V52: {
    mode: 'partial',
    reason: 'session name "\\"quoted-name\\"" breaks the STS pattern; the action refuses it before calling. Compared: the refused hop.',
  },
  V65: {
    mode: 'partial',
    reason: 'DurationSeconds 50000 > 43200 is sent by botocore and refused by real STS; the action refuses it before calling. Compared: the refused hop.',
  },
  V68: {
    mode: 'partial',
    reason:
      'a 70-character session name is sent by botocore and refused by real STS (max 64); the action refuses it before calling. Compared: the refused hop.',
  },
  V82: {
    mode: 'partial',
    reason: 'EndpointConnectionError: botocore tried the real global endpoint (no region). Compared: the profile resolves, with no region.',
  },
  V83: {
    mode: 'partial',
    reason: 'EndpointConnectionError with sts_regional_endpoints = legacy (not modelled by the action). Compared: the profile resolves.',
  },
  V88: {
    mode: 'partial',
    reason: 'IDPCommunicationError from STS, retried at call time. Compared: the (distinct) calls made.',
  },
  V89: {
    mode: 'partial',
    reason: 'InvalidIdentityToken from STS at call time. Compared: the calls made.',
  },
  V95: {
    mode: 'partial',
    reason: 'AccessDenied from STS at call time. Compared: the calls made.',
  },
};

// ---------------------------------------------------------------------------------------------
// The vectors

const vectors: readonly Vector[] = loadVectors();

const CONFIG_PATH = '/vectors/config';
const CREDENTIALS_PATH = '/vectors/credentials';
const TOKEN_PATH = '/vectors/web-identity-token';
const PROCESS_PATH = '/vectors/credential-process';
const FAKE_STS = 'http://127.0.0.1:4566';
const PLACEHOLDERS: Readonly<Record<string, string>> = {
  '${TOKEN_FILE}': TOKEN_PATH,
  '${CRED_PROCESS}': PROCESS_PATH,
  '${MISSING_FILE}': '/vectors/missing-file',
  '${CONFIG_FILE}': CONFIG_PATH,
  '${FAKE_STS}': FAKE_STS,
  '${FAKE_CONTAINER_URI}': 'http://127.0.0.1:4567/container-creds',
  '${FAKE_IMDS}': 'http://127.0.0.1:4568',
};
/** What the fake token file holds, as the vectors print it. */
const TOKEN_CONTENT = 'eyJhbGciOi.fake.jwt\\n';
const BOTOCORE_DEFAULT_NAME = 'botocore-session-<epoch-seconds>';
const OUR_DEFAULT_NAME = 'gha-vector-session';
const MFA_CODE = '123456'; // what the oracle's prompter answered

function fill(text: string): string {
  return text.replace(/\$\{[A-Z_]+\}/g, (placeholder) => {
    const value = PLACEHOLDERS[placeholder];
    if (value === undefined) throw new Error(`unknown placeholder ${placeholder}`);
    return value;
  });
}

function envOf(vector: Vector): Record<string, string> {
  return Object.fromEntries((vector.env ?? []).map((entry) => [entry.slice(0, entry.indexOf('=')), fill(entry.slice(entry.indexOf('=') + 1))]));
}

function selection(vector: Vector): { profile: string; explicit: boolean } {
  const explicit = /^explicit: (.*) \(like --profile/.exec(vector.profile_selection);
  if (explicit?.[1] !== undefined) return { profile: explicit[1], explicit: true };
  if (!/^via AWS_PROFILE env|^none \(default profile\)/.test(vector.profile_selection)) {
    throw new Error(`unknown profile_selection: ${vector.profile_selection}`);
  }
  const env = envOf(vector);
  // botocore reads AWS_DEFAULT_PROFILE before AWS_PROFILE
  return { profile: env.AWS_DEFAULT_PROFILE ?? env.AWS_PROFILE ?? 'default', explicit: false };
}

// ---------------------------------------------------------------------------------------------
// Running one vector

type Outcome = { readonly resolved: ResolvedProfile; readonly error?: undefined } | { readonly error: ConfigError };

interface Run {
  readonly vector: Vector;
  readonly env: Record<string, string>;
  readonly explicit: boolean;
  readonly profiles?: ProfileMap;
  readonly outcome: Outcome;
}

function run(vector: Vector): Run {
  const { profile, explicit } = selection(vector);
  const env = envOf(vector);
  let profiles: ProfileMap | undefined;
  try {
    const config = vector.config === undefined ? undefined : { doc: parseConfigText(fill(vector.config), CONFIG_PATH), path: CONFIG_PATH };
    const credentials =
      vector.credentials === undefined ? undefined : { doc: parseConfigText(fill(vector.credentials), CREDENTIALS_PATH), path: CREDENTIALS_PATH };
    profiles = buildProfileMap(config, credentials);
    const resolved = resolveProfileChain(profiles, profile, {
      defaultSessionName: OUR_DEFAULT_NAME,
      fileExists: (path) => path === TOKEN_PATH || path === PROCESS_PATH,
      mfaCode: { kind: 'code', code: MFA_CODE },
    });
    return { vector, env, explicit, profiles, outcome: { resolved } };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { vector, env, explicit, ...(profiles ? { profiles } : {}), outcome: { error } };
  }
}

// ---------------------------------------------------------------------------------------------
// What is not comparable, detected from the vector and the outcome

interface Limit {
  readonly mode: Mode;
  readonly rule: string;
}

const WEB_IDENTITY_ENV = ['AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME'];

function limitsOf(r: Run): Limit[] {
  const limits: Limit[] = [];
  const error = r.vector.botocore.error ?? '';
  if (!r.explicit && r.env.AWS_ACCESS_KEY_ID !== undefined) {
    limits.push({ mode: 'skip', rule: 'AWS_PROFILE selection: env keys win in botocore, the action ignores them' });
  }
  const selected = r.profiles?.profiles.get(selection(r.vector).profile);
  const assumeRoleProfile = selected?.settings.has('role_arn') && !selected.settings.has('web_identity_token_file');
  if (!r.explicit && WEB_IDENTITY_ENV.some((name) => r.env[name] !== undefined) && !assumeRoleProfile) {
    limits.push({ mode: 'skip', rule: 'AWS_PROFILE/default selection with web-identity env vars, which the action ignores' });
  }
  if (/An error occurred \(/.test(error)) limits.push({ mode: 'partial', rule: 'STS error at call time' });
  if (error.startsWith('CredentialRetrievalError:')) limits.push({ mode: 'partial', rule: 'credential_source read at run time' });
  if (/^(NoRegionError|EndpointConnectionError):/.test(error)) {
    limits.push({ mode: 'partial', rule: 'region/endpoint resolution from env and real AWS' });
  }
  if (r.outcome.error instanceof PreflightError) limits.push({ mode: 'partial', rule: 'refused before calling STS (preflight)' });
  if (r.env.AWS_DEFAULT_REGION !== undefined) limits.push({ mode: 'partial', rule: 'AWS_DEFAULT_REGION: region not compared' });
  return limits;
}

function verdictOf(limits: readonly Limit[]): 'full' | Mode {
  if (limits.some((l) => l.mode === 'skip')) return 'skip';
  return limits.length > 0 ? 'partial' : 'full';
}

// ---------------------------------------------------------------------------------------------
// Normal forms for comparison

interface Call {
  readonly action: string;
  readonly signer: string;
  readonly RoleArn: string;
  readonly RoleSessionName: string;
  readonly DurationSeconds?: string;
  readonly ExternalId?: string;
  readonly SerialNumber?: string;
  readonly TokenCode?: string;
  readonly token?: string;
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Who signed botocore's first call, in the action's terms. */
function botocoreSigner(signedBy: string | undefined, env: Record<string, string>): string {
  const known: Record<string, string> = {
    unsigned: 'unsigned',
    AKIAPROCESS: 'process',
    AKIACONTAINER: 'container',
    AKIAIMDS: 'instance-metadata',
  };
  if (signedBy === undefined) return 'missing';
  if (known[signedBy]) return known[signedBy];
  if (signedBy === env.AWS_ACCESS_KEY_ID) return 'environment';
  return `static:${signedBy}`;
}

/** botocore's STS calls; `distinct` drops retries (a call identical to the one before it). */
function botocoreCalls(r: Run, distinct = false): Call[] {
  const calls = r.vector.botocore.sts_calls
    .filter((call) => call.source_fetch === undefined)
    .filter((call, i, all) => !distinct || i === 0 || JSON.stringify(call) !== JSON.stringify(all[i - 1]));
  return calls.map((call, index) =>
    definedOnly<Call>({
      action: call.action ?? 'missing',
      signer:
        index === 0 ? botocoreSigner(call.signed_by, r.env) : call.signed_by === 'previous hop credentials' ? 'previous hop' : `unexpected:${call.signed_by}`,
      RoleArn: call.RoleArn ?? 'missing',
      RoleSessionName: call.RoleSessionName === BOTOCORE_DEFAULT_NAME ? OUR_DEFAULT_NAME : (call.RoleSessionName ?? 'missing'),
      DurationSeconds: call.DurationSeconds,
      ExternalId: call.ExternalId,
      SerialNumber: call.SerialNumber,
      TokenCode: call.TokenCode,
      token: call.WebIdentityToken === undefined ? undefined : call.WebIdentityToken === TOKEN_CONTENT ? `file:${TOKEN_PATH}` : 'other',
    }),
  );
}

function ourSigner(source: Source): string {
  if (source.kind === 'static') return `static:${source.credentials.accessKeyId}`;
  return source.kind === 'web-identity' ? 'unsigned' : source.kind;
}

function ourCalls(resolved: ResolvedProfile): Call[] {
  const { source, hops } = resolved.chain;
  return hops.map((hop: Hop, index) =>
    definedOnly<Call>({
      action: hop.action,
      signer: index === 0 ? ourSigner(source) : 'previous hop',
      RoleArn: hop.roleArn,
      RoleSessionName: hop.roleSessionName,
      DurationSeconds: hop.durationSeconds === undefined ? undefined : String(hop.durationSeconds),
      ExternalId: hop.externalId,
      SerialNumber: hop.mfa?.serialNumber,
      TokenCode: hop.mfa ? (hop.mfa.code.kind === 'code' ? hop.mfa.code.code : 'totp') : undefined,
      token: index === 0 && source.kind === 'web-identity' && source.token.kind === 'file' ? `file:${source.token.path}` : undefined,
    }),
  );
}

function errorText(error: ConfigError): string {
  return `${error.kind}: ${error.detail}`;
}

/** Our text is botocore's, optionally followed by a parenthesised hint. */
function expectSameError(ours: ConfigError, botocore: string): void {
  const text = errorText(ours);
  if (text === botocore) return;
  expect(text.startsWith(`${fill(botocore)} (`) && text.endsWith(')') ? fill(botocore) : text).toBe(fill(botocore));
}

function resolvedOf(r: Run): ResolvedProfile {
  if (r.outcome.error) throw new Error(`expected a resolution, got ${r.outcome.error.message}`);
  return r.outcome.resolved;
}

// ---------------------------------------------------------------------------------------------
// Comparisons

function compareFully(r: Run, limits: readonly Limit[]): void {
  const { botocore } = r.vector;
  const calls = botocoreCalls(r);
  if (botocore.error !== undefined) {
    expect(r.outcome.error && errorText(r.outcome.error)).toBeDefined();
    if (r.outcome.error) expectSameError(r.outcome.error, botocore.error);
    return;
  }
  if (calls.length === 0) {
    compareResultWithoutCalls(r, botocore.result ?? '');
    return;
  }
  const resolved = resolvedOf(r);
  expect(ourCalls(resolved)).toEqual(calls);
  const regions = new Set(r.vector.botocore.sts_calls.flatMap((c) => (c.signing_region ? [c.signing_region] : [])));
  const regionComparable = !limits.some((l) => l.rule.startsWith('AWS_DEFAULT_REGION'));
  if (regions.size > 0 && regionComparable) expect(resolved.region).toBe([...regions][0]);
  if (r.vector.sts_endpoint.startsWith('none')) expect(resolved.endpointUrl).toBe(FAKE_STS); // only a config endpoint reached the fake
  if (botocore.mfa_prompts) {
    const serials = botocore.mfa_prompts.map((prompt) => prompt.replace(/^Enter MFA code for /, '').replace(/: $/, ''));
    const ours = [...resolved.chain.hops].reverse().flatMap((hop) => (hop.mfa ? [hop.mfa.serialNumber] : []));
    expect(ours).toEqual(serials);
  }
}

function compareResultWithoutCalls(r: Run, result: string): void {
  const keys = /^static\/source credentials (\S+)$/.exec(result);
  if (keys) {
    const resolved = resolvedOf(r);
    expect(resolved.chain.hops).toEqual([]);
    expect(ourSigner(resolved.chain.source)).toBe(`static:${keys[1]}`);
    return;
  }
  if (result.startsWith('no credentials found')) {
    expect(r.outcome.error && errorText(r.outcome.error)).toBe('NoCredentialsError: Unable to locate credentials');
    return;
  }
  throw new Error(`unknown botocore result: ${result}`);
}

function comparePartly(r: Run, limits: readonly Limit[]): void {
  for (const { rule } of limits) {
    if (rule === 'STS error at call time') {
      // botocore stops at the failing call (retrying it); our plan has those calls first.
      const distinct = botocoreCalls(r, true);
      expect(ourCalls(resolvedOf(r)).slice(0, distinct.length)).toEqual(distinct);
    } else if (rule === 'credential_source read at run time') {
      const provider = /^CredentialRetrievalError: Error when retrieving credentials from (\w+):/.exec(r.vector.botocore.error ?? '')?.[1];
      const kinds: Record<string, string> = { Environment: 'environment', EcsContainer: 'container', Ec2InstanceMetadata: 'instance-metadata' };
      expect(resolvedOf(r).chain.source.kind).toBe(provider === undefined ? 'unknown provider' : kinds[provider]);
    } else if (rule === 'region/endpoint resolution from env and real AWS') {
      const resolved = resolvedOf(r);
      if (r.vector.botocore.error?.startsWith('NoRegionError')) expect(resolved.region).toBeUndefined();
      expect(resolved.chain.hops.length).toBeGreaterThan(0);
    } else if (rule === 'refused before calling STS (preflight)') {
      // botocore sent the request STS would refuse: the refused hop is one of botocore's calls.
      const origin = r.outcome.error?.origin;
      const roleArn = origin?.profile === undefined ? undefined : r.profiles?.profiles.get(origin.profile)?.settings.get('role_arn')?.value;
      expect(botocoreCalls(r).map((call) => call.RoleArn)).toContain(roleArn);
    } else if (rule === 'AWS_DEFAULT_REGION: region not compared') {
      compareFully(r, limits);
    } else {
      throw new Error(`no partial comparison for rule: ${rule}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------

const tally = { full: [] as string[], partial: [] as string[], skip: [] as string[] };

afterAll(() => {
  console.log(
    `profile vectors: ${vectors.length} in total; ${tally.full.length} compared fully; ` +
      `${tally.partial.length} compared partly (${tally.partial.join(', ')}); ` +
      `${tally.skip.length} skipped (${tally.skip.join(', ')})`,
  );
});

test('the table lists only vectors that exist', () => {
  const ids = new Set(vectors.map((v) => v.id));
  expect(Object.keys(NOT_FULLY_COMPARED).filter((id) => !ids.has(id))).toEqual([]);
});

describe.each(vectors.map((vector) => [`${vector.id} ${vector.title}`, vector] as const))('%s', (_name, vector) => {
  test('matches botocore', () => {
    const r = run(vector);
    const limits = limitsOf(r);
    const verdict = verdictOf(limits);
    const listed = NOT_FULLY_COMPARED[vector.id];
    if (verdict === 'full') {
      if (listed) throw new Error(`${vector.id} is fully comparable: remove it from NOT_FULLY_COMPARED`);
    } else if (listed?.mode !== verdict) {
      throw new Error(
        `${vector.id} cannot be compared fully (${limits.map((l) => l.rule).join('; ')}): ` + `list it in NOT_FULLY_COMPARED as "${verdict}" with a reason`,
      );
    }
    tally[verdict].push(vector.id);
    if (verdict === 'full') compareFully(r, limits);
    else if (verdict === 'partial') comparePartly(r, limits);
  });
});

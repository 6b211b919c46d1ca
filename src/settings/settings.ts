/**
 * Raw inputs → one typed, validated Settings object. Secrets are masked as they are read,
 * before any other work. Inputs are read from the env handed in (settings/inputs.ts), never from
 * the process's own.
 */
import { InputError } from '../base/errors.js';
import type { AwsCredentials, MfaCode, SessionTag } from '../base/types.js';
import { Inputs } from './inputs.js';
import { parseRoleChainLine, type HopSpec } from './roleChain.js';
import { decodeBase32 } from '../sources/totp.js';
import type { ProxyInputs } from '../net/proxy.js';
import { parseAllowedHost } from '../net/endpointTrust.js';
import { detectRunnerIdentity, type RunnerIdentity } from '../sources/runnerIdentity.js';

export type SourceChoice =
  | { kind: 'github-oidc' }
  | { kind: 'token-file'; path: string }
  | { kind: 'access-keys'; credentials: AwsCredentials }
  | { kind: 'environment' }
  /** No explicit source and the job cannot mint an OIDC token: the runner's own identity, if it has one. */
  | { kind: 'runner'; identity: RunnerIdentity };

export type Mode =
  | { kind: 'inputs'; hops: HopSpec[]; fanOutRoles: HopSpec[] }
  | { kind: 'config'; configFile: string; credentialsFile?: string; profiles: string[] };

export interface HopDefaults {
  readonly sessionName?: string;
  readonly durationSeconds?: number;
  readonly externalId?: string;
  readonly skipTagging: boolean;
  readonly customTags: SessionTag[];
  readonly transitiveTagKeys: string[];
  readonly inlineSessionPolicy?: string;
  readonly managedSessionPolicies: string[];
  readonly sourceIdentity?: string;
  readonly mfaSerial?: string;
}

/**
 * The profile and environment inputs as typed. Defaults that depend on how many targets the plan has
 * (a glob selects several only once the config is read) are decided in plan/outputChoices.ts.
 */
export interface ProfileOutput {
  /** `write-profiles` as typed; undefined ⇒ decided from the plan. */
  readonly write?: boolean;
  readonly credentialsFile?: string;
  readonly configFile?: string;
  readonly overwrite: boolean;
  /** `profile-name-template` as typed (action.yml gives it a default). */
  readonly nameTemplate?: string;
  /** The `aws-profile` input: the name of the one profile written. */
  readonly awsProfile?: string;
  /** Profile whose credentials go to env; undefined ⇒ the first target. */
  readonly envProfile?: string;
  /** `export-aws-profile` as typed; undefined ⇒ decided from the plan. */
  readonly exportAwsProfile?: boolean;
}

export interface Settings {
  readonly region?: string;
  /** Where `region` came from: the input, or the environment variable named. */
  readonly regionSource?: string;
  readonly source: SourceChoice;
  readonly audience: string;
  readonly mode: Mode;
  readonly hopDefaults: HopDefaults;
  readonly mfaCode?: MfaCode;
  readonly stsEndpoint?: string;
  /** Hosts beyond AWS STS and loopback that a config or environment endpoint may name (`allowed-sts-endpoints`). */
  readonly allowedStsEndpoints: string[];
  readonly outputCredentials: boolean;
  /** `output-env-credentials` as typed; undefined ⇒ decided from the plan. */
  readonly outputEnvCredentials?: boolean;
  readonly unsetCurrentCredentials: boolean;
  readonly maskAccountId: boolean;
  readonly allowedAccountIds: string[];
  readonly retry: { readonly maxAttempts: number };
  readonly timeoutSeconds: number;
  readonly dryRun: boolean;
  /** Config mode: use the GitHub OIDC token for a web-identity profile whose token file is missing. */
  readonly useGithubOidc: 'auto' | 'always' | 'never';
  readonly maxConcurrency: number;
  readonly failOnTargetError: boolean;
  readonly profileOutput: ProfileOutput;
  readonly cleanup: boolean;
  readonly jobSummary: boolean;
  /** Write profiles whose credential_process re-runs the chain when the credentials near expiry. */
  readonly refresh: boolean;
  /** `http-proxy` / `no-proxy` inputs; the environment's proxy variables apply when they are empty. */
  readonly proxy: ProxyInputs;
  /** configure-aws-credentials' `special-characters-workaround: true`: accepted, not needed here (main.ts says why). */
  readonly specialCharactersWorkaround: boolean;
  /** `use-existing-credentials`: valid keys already in the environment end the step before any other call. */
  readonly useExistingCredentials: boolean;
}

export const DEFAULT_AUDIENCE = 'sts.amazonaws.com';
export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_TIMEOUT_SECONDS = 300;
const ACCOUNT_ID = /^\d{12}$/;
/** Inputs that shape hops in input mode and have no meaning for a config profile's chain. */
const PER_HOP_INPUTS = [
  'role-duration-seconds',
  'role-external-id',
  'custom-tags',
  'transitive-tag-keys',
  'inline-session-policy',
  'managed-session-policies',
  'source-identity',
  'mfa-serial',
];

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const input = new Inputs(env);
  // Secrets first: masked before anything below can fail and print.
  const accessKeyId = input.secret('aws-access-key-id');
  const secretAccessKey = input.secret('aws-secret-access-key');
  const sessionToken = input.secret('aws-session-token');
  const mfaTokenCode = input.secret('mfa-token-code');
  const mfaTotpSecret = input.secret('mfa-totp-secret');

  const mode = readMode(input);
  const source = readSource(input, env, { accessKeyId, secretAccessKey, sessionToken }, mode);
  // As the AWS CLI does: the environment's region when the input is empty (it also beats a profile's region).
  const regionSource = input.text('aws-region') !== undefined ? 'aws-region' : ['AWS_REGION', 'AWS_DEFAULT_REGION'].find((name) => env[name]);
  const region = regionSource === undefined ? undefined : regionSource === 'aws-region' ? input.text('aws-region') : env[regionSource];
  const refresh = input.boolean('refresh', false);
  // Booleans whose default depends on the plan are kept as typed (undefined when empty): plan/outputChoices.ts.
  const writeProfiles = input.text('write-profiles') === undefined ? undefined : input.boolean('write-profiles', false);
  if (refresh && writeProfiles === false) {
    throw new InputError('write-profiles', 'cannot be false with refresh: true (refreshing credentials live in a profile)');
  }

  return {
    region,
    regionSource,
    source,
    audience: input.text('audience') ?? DEFAULT_AUDIENCE,
    mode,
    hopDefaults: readHopDefaults(input),
    mfaCode: readMfaCode(mfaTokenCode, mfaTotpSecret),
    stsEndpoint: readEndpoint(input),
    allowedStsEndpoints: input.list('allowed-sts-endpoints', { commas: true }).map(parseAllowedHost),
    outputCredentials: input.boolean('output-credentials', false),
    outputEnvCredentials: input.text('output-env-credentials') === undefined ? undefined : input.boolean('output-env-credentials', false),
    unsetCurrentCredentials: input.boolean('unset-current-credentials', false),
    maskAccountId: input.boolean('mask-aws-account-id', false),
    allowedAccountIds: readAccountIds(input),
    retry: {
      maxAttempts: input.boolean('disable-retry', false) ? 1 : (input.integer('retry-max-attempts', { min: 1, max: 100 }) ?? DEFAULT_MAX_ATTEMPTS),
    },
    timeoutSeconds: input.integer('action-timeout-s', { min: 0, max: 21600 }) ?? DEFAULT_TIMEOUT_SECONDS,
    dryRun: input.boolean('dry-run', false),
    useGithubOidc: readUseGithubOidc(input),
    maxConcurrency: input.integer('max-concurrency', { min: 1, max: 64 }) ?? 8,
    failOnTargetError: input.boolean('fail-on-target-error', true),
    profileOutput: {
      write: writeProfiles,
      credentialsFile: input.text('profiles-credentials-file'),
      configFile: input.text('profiles-config-file'),
      overwrite: input.boolean('overwrite-profiles', false) || input.boolean('overwrite-aws-profile', false),
      nameTemplate: input.text('profile-name-template'),
      awsProfile: input.text('aws-profile'),
      envProfile: input.text('env-profile'),
      exportAwsProfile: input.text('export-aws-profile') === undefined ? undefined : input.boolean('export-aws-profile', false),
    },
    cleanup: input.boolean('cleanup', true),
    jobSummary: input.boolean('job-summary', true),
    refresh,
    proxy: { httpProxy: readProxyUrl(input), noProxy: input.text('no-proxy') },
    specialCharactersWorkaround: input.boolean('special-characters-workaround', false),
    useExistingCredentials: input.boolean('use-existing-credentials', false),
  };
}

function readMode(input: Inputs): Mode {
  const configFile = input.text('config-file');
  const chainLines = input.lines('role-chain');
  const roleToAssume = input.text('role-to-assume');
  const fanOut = input.lines('fan-out-roles').map((l) => parseRoleChainLine(l.text, l.line, 'fan-out-roles'));
  if (configFile !== undefined) {
    for (const conflicting of ['role-chain', 'role-to-assume', 'fan-out-roles']) {
      if (input.text(conflicting) !== undefined) {
        throw new InputError(conflicting, 'cannot be combined with config-file (the profile describes the chain)');
      }
    }
    // Per-hop settings come from the profiles (role_session_name, external_id, duration_seconds, mfa_serial);
    // an input that would be silently ignored is refused instead.
    for (const perHop of PER_HOP_INPUTS) {
      if (input.text(perHop) !== undefined) {
        throw new InputError(perHop, 'does not apply with config-file: set it in the profile, or leave it out');
      }
    }
    const profiles = input.list('profile', { commas: true });
    if (profiles.length === 0) throw new InputError('profile', 'is required with config-file');
    return { kind: 'config', configFile, credentialsFile: input.text('credentials-file'), profiles };
  }
  for (const configOnly of ['profile', 'credentials-file']) {
    if (input.text(configOnly) !== undefined) throw new InputError(configOnly, 'only applies with config-file');
  }
  if (chainLines.length > 0 && roleToAssume !== undefined) {
    throw new InputError('role-chain', 'cannot be combined with role-to-assume (put that role on the first line)');
  }
  const hops =
    chainLines.length > 0
      ? chainLines.map((l) => parseRoleChainLine(l.text, l.line))
      : roleToAssume !== undefined
        ? [parseRoleChainLine(roleToAssume, 1, 'role-to-assume')]
        : [];
  if (fanOut.length > 0 && hops.length === 0) {
    throw new InputError('fan-out-roles', 'needs role-to-assume or role-chain: fan-out roles are assumed from its last hop');
  }
  return { kind: 'inputs', hops, fanOutRoles: fanOut };
}

function readSource(
  input: Inputs,
  env: NodeJS.ProcessEnv,
  keys: { accessKeyId?: string; secretAccessKey?: string; sessionToken?: string },
  mode: Mode,
): SourceChoice {
  const tokenFile = input.text('web-identity-token-file');
  const roleChaining = input.boolean('role-chaining', false);
  const forceSkipOidc = input.boolean('force-skip-oidc', false);
  if (keys.secretAccessKey !== undefined && keys.accessKeyId === undefined) {
    throw new InputError('aws-secret-access-key', "was given without 'aws-access-key-id'");
  }
  if (keys.accessKeyId !== undefined && keys.secretAccessKey === undefined) {
    throw new InputError('aws-access-key-id', "was given without 'aws-secret-access-key'");
  }
  if (keys.sessionToken !== undefined && keys.accessKeyId === undefined) {
    throw new InputError('aws-session-token', "was given without 'aws-access-key-id' and 'aws-secret-access-key'");
  }
  const explicit = [
    keys.accessKeyId !== undefined ? 'aws-access-key-id' : undefined,
    tokenFile !== undefined ? 'web-identity-token-file' : undefined,
    roleChaining ? 'role-chaining' : undefined,
  ].filter((s): s is string => s !== undefined);
  if (explicit.length > 1) {
    throw new InputError(explicit[1]!, `cannot be combined with '${explicit[0]}': choose one source identity`);
  }
  if (mode.kind === 'config' && explicit.length > 0) {
    throw new InputError(explicit[0]!, 'cannot be combined with config-file (the profile names its own source)');
  }
  if (keys.accessKeyId !== undefined && keys.secretAccessKey !== undefined) {
    return {
      kind: 'access-keys',
      credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey, sessionToken: keys.sessionToken },
    };
  }
  if (tokenFile !== undefined) return { kind: 'token-file', path: tokenFile };
  if (roleChaining) return { kind: 'environment' };
  if (!forceSkipOidc && canMintGithubToken(env)) return { kind: 'github-oidc' };
  return { kind: 'runner', identity: detectRunnerIdentity(env) };
}

export function canMintGithubToken(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env['ACTIONS_ID_TOKEN_REQUEST_URL'] && env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']);
}

function readHopDefaults(input: Inputs): HopDefaults {
  return {
    sessionName: input.text('role-session-name'),
    durationSeconds: input.integer('role-duration-seconds', { min: 900, max: 43200 }),
    externalId: input.text('role-external-id'),
    skipTagging: input.boolean('role-skip-session-tagging', false),
    customTags: readCustomTags(input),
    transitiveTagKeys: input.list('transitive-tag-keys', { commas: true }),
    inlineSessionPolicy: input.text('inline-session-policy'),
    managedSessionPolicies: input.list('managed-session-policies', { commas: true }),
    sourceIdentity: input.text('source-identity'),
    mfaSerial: input.text('mfa-serial'),
  };
}

function readCustomTags(input: Inputs): SessionTag[] {
  const value = input.json('custom-tags');
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError('custom-tags', 'must be a JSON object of tag keys to string values');
  }
  return Object.entries(value as Record<string, unknown>).map(([key, v]) => {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new InputError('custom-tags', `tag "${key}" must have a string value`);
    }
    return { key, value: String(v) };
  });
}

function readMfaCode(code: string | undefined, totpSecret: string | undefined): MfaCode | undefined {
  if (code !== undefined && totpSecret !== undefined) {
    throw new InputError('mfa-totp-secret', "cannot be combined with 'mfa-token-code': give one");
  }
  if (code !== undefined) {
    if (!/^\d{6}$/.test(code)) throw new InputError('mfa-token-code', 'must be exactly 6 digits');
    return { kind: 'code', code };
  }
  if (totpSecret !== undefined) {
    if (decodeBase32(totpSecret) === undefined) {
      throw new InputError('mfa-totp-secret', 'is not a valid base32 TOTP secret');
    }
    return { kind: 'totp', secret: totpSecret };
  }
  return undefined;
}

function readEndpoint(input: Inputs): string | undefined {
  const endpoint = input.text('sts-endpoint');
  if (endpoint === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new InputError('sts-endpoint', `"${endpoint}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError('sts-endpoint', `"${endpoint}" must be an http(s) URL`);
  }
  return endpoint;
}

function readAccountIds(input: Inputs): string[] {
  const ids = input.list('allowed-account-ids', { commas: true });
  for (const id of ids) {
    if (!ACCOUNT_ID.test(id)) throw new InputError('allowed-account-ids', `"${id}" is not a 12-digit account ID`);
  }
  return ids;
}

function readUseGithubOidc(input: Inputs): 'auto' | 'always' | 'never' {
  const value = input.text('use-github-oidc') ?? 'auto';
  if (value === 'auto' || value === 'always' || value === 'never') return value;
  if (value === 'true') return 'always';
  if (value === 'false') return 'never';
  throw new InputError('use-github-oidc', `must be auto, true or false, got "${value}"`);
}

/** A proxy URL may carry a password: it is masked before anything can print it. */
function readProxyUrl(input: Inputs): string | undefined {
  const value = input.text('http-proxy');
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError('http-proxy', 'is not a URL (expected http://host:port)');
  }
  // The password is the secret: logs then show the proxy as http://user:***@host.
  if (url.password) {
    input.mask(url.password);
    const decoded = decodeOrUndefined(url.password);
    if (decoded !== undefined) input.mask(decoded);
  }
  // A stray `%` would fail later, deep in the proxy agent, as "URI malformed"; the value is not quoted.
  if (decodeOrUndefined(url.username) === undefined || decodeOrUndefined(url.password) === undefined) {
    throw new InputError('http-proxy', "has a '%' in the user or password that is not a %XX escape (write a literal % as %25)");
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError('http-proxy', `must be an http:// or https:// URL, got ${url.protocol}`);
  }
  return value;
}

function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

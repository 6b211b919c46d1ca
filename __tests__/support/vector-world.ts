/**
 * Shared by the end-to-end vector test and the botocore differential test: the botocore profile vectors
 * (fixtures/profile-vectors.json), an STS-emulator world that can answer any of them, the files a case needs on
 * disk (config, credentials, web-identity token, credential_process script) and a normal form for STS calls so
 * that the emulator's call log can be compared with botocore's recorded calls or with another call log.
 *
 * The world for a case: every static key pair found in its files or env is a world user (with its session token,
 * if any, which the emulator then requires), every role ARN found is a role that trusts anyone (`*`) and any token of
 * the test's OIDC issuer, allows 43200-second sessions, requires no external ID and no MFA (so any serial and code are
 * accepted); a role named `err-<Code>` always fails with that code and the message `fake <Code>`, as the oracle's
 * fake STS did. Fixed users serve the credential_process script, the container endpoint and IMDS.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeCommandLine } from '../../src/refresh/commandLine.js';
import type { CallLogEntry } from './sts-emulator.js';
import { parseArn, type World, type WorldRole, type WorldUser } from './world.js';

// ---------------------------------------------------------------------------------------------
// Vectors

export interface VectorCall {
  readonly action?: string;
  readonly source_fetch?: string;
  readonly signed_by?: string;
  readonly signing_region?: string;
  readonly RoleArn?: string;
  readonly RoleSessionName?: string;
  readonly DurationSeconds?: string;
  readonly ExternalId?: string;
  readonly SerialNumber?: string;
  readonly TokenCode?: string;
  readonly WebIdentityToken?: string;
}

export interface Vector {
  readonly id: string;
  readonly title: string;
  readonly config?: string;
  readonly credentials?: string;
  readonly profile_selection: string;
  readonly env?: readonly string[];
  readonly sts_endpoint: string;
  readonly botocore: {
    readonly sts_calls: readonly VectorCall[];
    readonly result?: string;
    readonly error?: string;
    readonly mfa_prompts?: readonly string[];
  };
}

export const VECTORS_FILE: string = process.env['PROFILE_VECTORS'] ?? join(import.meta.dirname, '..', 'fixtures', 'profile-vectors.json');

export function loadVectors(): Vector[] {
  if (!existsSync(VECTORS_FILE)) throw new Error(`profile-vectors.json not found at ${VECTORS_FILE}`);
  return (JSON.parse(readFileSync(VECTORS_FILE, 'utf8')) as { vectors: Vector[] }).vectors;
}

/** The profile botocore used and whether it was selected explicitly (`Session(profile=…)`). */
export function vectorSelection(v: Vector): { profile: string; explicit: boolean } {
  const explicit = /^explicit: (.*) \(like --profile/.exec(v.profile_selection);
  if (explicit?.[1] !== undefined) return { profile: explicit[1], explicit: true };
  if (!/^via AWS_PROFILE env|^none \(default profile\)/.test(v.profile_selection)) {
    throw new Error(`unknown profile_selection: ${v.profile_selection}`);
  }
  const env = rawVectorEnv(v);
  // botocore reads AWS_DEFAULT_PROFILE before AWS_PROFILE
  return { profile: env['AWS_DEFAULT_PROFILE'] ?? env['AWS_PROFILE'] ?? 'default', explicit: false };
}

/** The vector's env with placeholders still in place. */
export function rawVectorEnv(v: Vector): Record<string, string> {
  return Object.fromEntries((v.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

/** botocore's time-based default session name, as the vectors print it. */
export const BOTOCORE_DEFAULT_NAME = 'botocore-session-<epoch-seconds>';
export const BOTOCORE_DEFAULT_NAME_RE = /^botocore-session-\d+$/;
export const DEFAULT_NAME = '<default session name>';
/** The action's default session name under the harness (GITHUB_RUN_ID 4242424242, attempt 1). */
export const ACTION_DEFAULT_NAME = 'GitHubActions-4242424242-1';
export const MFA_CODE = '123456';

// ---------------------------------------------------------------------------------------------
// Credentials the fixed sources serve

export const PROCESS_CREDENTIALS = { accessKeyId: 'AKIAPROCESS', secretAccessKey: 'procsecret', sessionToken: 'proctoken' } as const;
export const CONTAINER_CREDENTIALS = { accessKeyId: 'AKIACONTAINER', secretAccessKey: 'containersecret', sessionToken: 'containertoken' } as const;
export const IMDS_CREDENTIALS = { accessKeyId: 'AKIAIMDS', secretAccessKey: 'imdssecret', sessionToken: 'imdstoken' } as const;
export const IMDS_PROFILE = 'imds-role';
export const WORLD_ACCOUNT = '123456789012';

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

// ---------------------------------------------------------------------------------------------
// What a case's files and env contain (a loose INI reading; exactness is the reader-under-test's job)

const CREDENTIAL_KEYS = ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'aws_security_token'];

/** Sections of one file as name → lower-cased key → value (later values win; continuation lines ignored). */
function looseSections(text: string, kind: 'config' | 'credentials'): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of text.split(/\r?\n/)) {
    const header = /^\[(.+)\]\s*$/.exec(line);
    if (header) {
      let name = header[1]!.trim();
      if (kind === 'config') {
        const m = /^profile\s+(.+)$/.exec(name);
        if (m) name = m[1]!.trim().replace(/^"(.*)"$/, '$1');
      }
      current = out.get(name) ?? new Map<string, string>();
      out.set(name, current);
      continue;
    }
    if (!current || /^\s/.test(line) || /^[#;]/.test(line)) continue;
    const kv = /^([^=:]+?)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (kv) current.set(kv[1]!.toLowerCase(), kv[2]!);
  }
  return out;
}

function credentialsOf(section: ReadonlyMap<string, string>): StaticCredentials | undefined {
  const id = section.get('aws_access_key_id');
  const secret = section.get('aws_secret_access_key');
  if (!id || !secret) return undefined;
  const token = section.get('aws_security_token') || section.get('aws_session_token');
  return { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) };
}

/** Every static key pair in the files: per section, and per profile with the credentials file layered over the config. */
export function staticCredentialsIn(files: { config?: string; credentials?: string }): StaticCredentials[] {
  const config = looseSections(files.config ?? '', 'config');
  const credentials = looseSections(files.credentials ?? '', 'credentials');
  const found: StaticCredentials[] = [];
  const merged = new Map<string, Map<string, string>>();
  for (const [name, s] of config) merged.set(name, new Map(s));
  for (const [name, s] of credentials) {
    const m = merged.get(name) ?? new Map<string, string>();
    for (const [k, v] of s) m.set(k, v);
    merged.set(name, m);
  }
  for (const s of [...merged.values(), ...config.values(), ...credentials.values()]) {
    const c = credentialsOf(new Map([...s].filter(([k]) => CREDENTIAL_KEYS.includes(k))));
    if (c && !found.some((f) => f.accessKeyId === c.accessKeyId)) found.push(c);
  }
  return found;
}

/**
 * A profile's settings, loosely: config sections (`[profile X]`, `[X]`) with the credentials file's `[X]` over them,
 * plus `[DEFAULT]`'s keys. Only for deciding test inputs (e.g. whether to give aws-region), never for expectations.
 */
export function looseProfile(files: { config?: string; credentials?: string }, name: string): Map<string, string> | undefined {
  const config = looseSections(files.config ?? '', 'config');
  const credentials = looseSections(files.credentials ?? '', 'credentials');
  if (!config.has(name) && !credentials.has(name)) return undefined;
  return new Map([...(config.get('DEFAULT') ?? []), ...(config.get(name) ?? []), ...(credentials.get(name) ?? [])]);
}

export function envCredentials(env: Readonly<Record<string, string>>): StaticCredentials | undefined {
  const id = env['AWS_ACCESS_KEY_ID'];
  const secret = env['AWS_SECRET_ACCESS_KEY'];
  if (!id || !secret) return undefined;
  const token = env['AWS_SECURITY_TOKEN'] || env['AWS_SESSION_TOKEN'];
  return { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) };
}

/** Every `role_arn` value in the texts (and AWS_ROLE_ARN in env) that is a role ARN the emulator can hold. */
export function roleArnsIn(texts: readonly string[], env: Readonly<Record<string, string>> = {}): string[] {
  const arns = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(/^[ \t]*role_arn[ \t]*[=:][ \t]*(\S*)/gim)) if (m[1]) arns.add(m[1]);
  }
  if (env['AWS_ROLE_ARN']) arns.add(env['AWS_ROLE_ARN']);
  return [...arns].filter((arn) => {
    const p = parseArn(arn);
    return p !== undefined && p.service === 'iam' && p.resource.startsWith('role/');
  });
}

// ---------------------------------------------------------------------------------------------
// The world

export interface WorldSpec {
  /** Config and credentials text (placeholders may still be in them). */
  readonly files: { config?: string; credentials?: string };
  readonly env: Readonly<Record<string, string>>;
  /** Issuer URL of the OIDC stand-in whose tokens the token files hold. */
  readonly issuer: string;
  readonly audience: string;
  /** Extra key pairs that must be world users. */
  readonly extraCredentials?: readonly StaticCredentials[];
}

const userFor = (c: StaticCredentials): WorldUser => ({
  arn: `arn:aws:iam::${WORLD_ACCOUNT}:user/${c.accessKeyId.toLowerCase().replace(/[^\w+=,.@-]/g, '_')}`,
  accessKeyId: c.accessKeyId,
  secretAccessKey: c.secretAccessKey,
  ...(c.sessionToken !== undefined ? { sessionToken: c.sessionToken } : {}),
});

export function worldFor(spec: WorldSpec): World {
  const texts = [spec.files.config ?? '', spec.files.credentials ?? ''];
  const users: WorldUser[] = [];
  const add = (c: StaticCredentials | undefined): void => {
    if (c && !users.some((u) => u.accessKeyId === c.accessKeyId)) users.push(userFor(c));
  };
  for (const c of staticCredentialsIn(spec.files)) add(c);
  add(envCredentials(spec.env));
  for (const c of spec.extraCredentials ?? []) add(c);
  for (const c of [PROCESS_CREDENTIALS, CONTAINER_CREDENTIALS, IMDS_CREDENTIALS]) add(c);
  const roles: WorldRole[] = roleArnsIn(texts, spec.env).map((arn) => {
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    const code = /^err-(\w+)$/.exec(name)?.[1];
    return {
      arn,
      maxSessionDuration: 43200,
      trust: { principals: ['*'], oidc: { issuer: spec.issuer, audience: spec.audience, subject: '*' } },
      ...(code !== undefined ? { faults: { code, count: -1, message: `fake ${code}` } } : {}),
    };
  });
  return {
    users,
    roles,
    oidcProviders: [{ issuer: spec.issuer }],
    instanceMetadata: { accessKeyId: IMDS_CREDENTIALS.accessKeyId, profileName: IMDS_PROFILE },
  };
}

/** Every secret value a case's world holds (for leak checks). */
export function worldSecrets(world: World): string[] {
  return world.users.flatMap((u) => [u.secretAccessKey, ...(u.sessionToken !== undefined ? [u.sessionToken] : [])]);
}

// ---------------------------------------------------------------------------------------------
// Files on disk

export interface CaseFiles {
  readonly dir: string;
  readonly config: string;
  readonly credentials?: string;
  readonly tokenFile: string;
  readonly processScript: string;
  readonly missingFile: string;
  /** Placeholder → value, for texts such as botocore's error messages. */
  readonly placeholders: Readonly<Record<string, string>>;
}

export interface WriteOptions {
  /** URL standing for `${FAKE_STS}` / `${FAKE_IMDS}` (the emulator, or a proxy in front of it). */
  readonly stsUrl: string;
  /** Content of the web-identity token file. */
  readonly token: string;
}

/**
 * A credential_process command that prints `stdout` and `stderr` and exits with `code`: the POSIX shell
 * script `body` at `file`, or, on Windows (which cannot start a shell script), the same behaviour as a
 * node script run by this node, written as a Windows command line.
 */
function processCommand(file: string, body: string, stdout: string, stderr: string, code: number): string {
  if (process.platform !== 'win32') {
    writeFileSync(file, body);
    chmodSync(file, 0o755);
    return file;
  }
  writeFileSync(
    `${file}.cjs`,
    `process.stdout.write(${JSON.stringify(stdout)});\nprocess.stderr.write(${JSON.stringify(stderr)});\nprocess.exitCode = ${code};\n`,
  );
  return windowsProcessCommand(file);
}

function windowsProcessCommand(file: string): string {
  return composeCommandLine(
    [
      { value: process.execPath, what: 'node' },
      { value: `${file}.cjs`, what: 'script' },
    ],
    'win32',
  );
}

/**
 * Writes a case's config (always; empty when the case has none, which botocore treats the same as a missing
 * file), credentials (when it has one), token file and credential_process script into `dir`.
 */
export function writeCaseFiles(dir: string, files: { config?: string; credentials?: string }, opts: WriteOptions): CaseFiles {
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config');
  const credentials = files.credentials === undefined ? undefined : join(dir, 'credentials');
  const tokenFile = join(dir, 'web-identity-token');
  const processScript = join(dir, 'credential-process');
  const placeholders: Record<string, string> = {
    '${TOKEN_FILE}': tokenFile,
    '${CRED_PROCESS}': process.platform === 'win32' ? windowsProcessCommand(processScript) : processScript,
    '${MISSING_FILE}': join(dir, 'missing-file'),
    '${CONFIG_FILE}': config,
    '${FAKE_STS}': opts.stsUrl,
    '${FAKE_CONTAINER_URI}': `${opts.stsUrl}/container-credentials/${CONTAINER_CREDENTIALS.accessKeyId}`,
    '${FAKE_IMDS}': opts.stsUrl,
  };
  // Misbehaving credential_process scripts (generated cases only): [POSIX script, stdout, stderr, exit code].
  const scripts: Record<string, readonly [string, string, string, number]> = {
    '${CRED_PROCESS_FAIL}': [`#!/bin/sh\necho "process said no" >&2\nexit 3\n`, '', 'process said no\n', 3],
    '${CRED_PROCESS_NO_VERSION}': [
      `#!/bin/sh\necho '{"AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "procsecret"}'\n`,
      '{"AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "procsecret"}\n',
      '',
      0,
    ],
    '${CRED_PROCESS_VERSION_TWO}': [
      `#!/bin/sh\necho '{"Version": 2, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "procsecret"}'\n`,
      '{"Version": 2, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "procsecret"}\n',
      '',
      0,
    ],
    '${CRED_PROCESS_NO_SECRET}': [`#!/bin/sh\necho '{"Version": 1, "AccessKeyId": "AKIAPROCESS"}'\n`, '{"Version": 1, "AccessKeyId": "AKIAPROCESS"}\n', '', 0],
  };
  for (const [placeholder, [body, stdout, stderr, code]] of Object.entries(scripts)) {
    const file = join(dir, placeholder.slice(2, -1).toLowerCase().replace(/_/g, '-'));
    placeholders[placeholder] = processCommand(file, body, stdout, stderr, code);
  }
  const fill = (text: string): string => fillPlaceholders(text, placeholders);
  writeFileSync(config, fill(files.config ?? ''));
  if (credentials !== undefined) writeFileSync(credentials, fill(files.credentials ?? ''));
  writeFileSync(tokenFile, opts.token);
  const processOutput = JSON.stringify({
    Version: 1,
    AccessKeyId: PROCESS_CREDENTIALS.accessKeyId,
    SecretAccessKey: PROCESS_CREDENTIALS.secretAccessKey,
    SessionToken: PROCESS_CREDENTIALS.sessionToken,
    Expiration: '2099-01-01T00:00:00Z',
  });
  processCommand(processScript, `#!/bin/sh\ncat <<'EOF'\n${processOutput}\nEOF\n`, `${processOutput}\n`, '', 0);
  return {
    dir,
    config,
    ...(credentials !== undefined ? { credentials } : {}),
    tokenFile,
    processScript,
    missingFile: placeholders['${MISSING_FILE}']!,
    placeholders,
  };
}

export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{[A-Z_]+\}/g, (p) => {
    const v = values[p];
    if (v === undefined) throw new Error(`unknown placeholder ${p}`);
    return v;
  });
}

// ---------------------------------------------------------------------------------------------
// STS calls in a normal form

export interface NormCall {
  readonly action: string;
  /** `unsigned`, `key:<id>` (a key that was not issued by an earlier call), `previous hop`, or `unverified:<id>`. */
  readonly signer: string;
  /** Signing region (signed calls only). */
  readonly region?: string;
  /** Request parameters; session names normalised (botocore's and the action's defaults → DEFAULT_NAME). */
  readonly params: Readonly<Record<string, string>>;
}

export const STS_ACTIONS: ReadonlySet<string> = new Set(['AssumeRole', 'AssumeRoleWithWebIdentity', 'GetCallerIdentity']);

/** Parameters in key order (clients serialise in different orders), default session names made equal. */
function normName(params: Record<string, string>): Record<string, string> {
  const n = params['RoleSessionName'];
  const named =
    n !== undefined && (BOTOCORE_DEFAULT_NAME_RE.test(n) || n === BOTOCORE_DEFAULT_NAME || n === ACTION_DEFAULT_NAME)
      ? { ...params, RoleSessionName: DEFAULT_NAME }
      : params;
  return Object.fromEntries(Object.entries(named).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The emulator's STS calls (credential endpoints left out). A signer is `previous hop` when its key is the one the
 * latest successful call issued.
 */
export function normalizeLog(calls: readonly CallLogEntry[]): NormCall[] {
  let lastIssued: string | undefined;
  const out: NormCall[] = [];
  for (const c of calls) {
    if (!STS_ACTIONS.has(c.action)) continue;
    const params = Object.fromEntries(Object.entries(c.params).filter(([k]) => !k.startsWith('WebIdentityToken')));
    let signer = 'unsigned';
    if (c.signer) {
      const id = c.signer.accessKeyId;
      signer = !c.signer.verified ? `unverified:${id}` : id === lastIssued ? 'previous hop' : `key:${id}`;
    }
    out.push({ action: c.action, signer, ...(c.signer ? { region: c.signer.region } : {}), params: normName(params) });
    if (c.status === 200 && c.result.accessKeyId !== undefined) lastIssued = c.result.accessKeyId;
  }
  return out;
}

/** botocore's recorded STS calls in the same form (source fetches left out). */
export function normalizeVectorCalls(calls: readonly VectorCall[]): NormCall[] {
  return calls
    .filter((c) => c.source_fetch === undefined)
    .map((c) => {
      const params: Record<string, string> = {};
      for (const k of ['RoleArn', 'RoleSessionName', 'DurationSeconds', 'ExternalId', 'SerialNumber', 'TokenCode'] as const) {
        const v = c[k];
        if (v !== undefined) params[k] = v;
      }
      const signer =
        c.signed_by === undefined
          ? 'missing'
          : c.signed_by === 'unsigned'
            ? 'unsigned'
            : c.signed_by === 'previous hop credentials'
              ? 'previous hop'
              : `key:${c.signed_by}`;
      return { action: c.action ?? 'missing', signer, ...(c.signing_region !== undefined ? { region: c.signing_region } : {}), params: normName(params) };
    });
}

/** Parts of botocore's ClientError text: `An error occurred (Code) when calling the Op operation[ (reached max retries: N)]: Message`. */
export function parseClientError(text: string): { code: string; operation: string; message: string } | undefined {
  const m = /An error occurred \(([^)]+)\) when calling the (\w+) operation(?: \(reached max retries: \d+\))?: ([\s\S]*)$/.exec(text);
  return m ? { code: m[1]!, operation: m[2]!, message: m[3]! } : undefined;
}

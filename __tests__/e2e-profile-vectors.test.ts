/**
 * Every botocore profile vector (fixtures/profile-vectors.json) through the bundled action against the STS emulator:
 * the vector's config and credentials files are written into the job workspace, an emulator world that can answer
 * them is started (world users for every static key, roles trusting anyone for every role ARN, `err-<Code>` roles
 * failing with that code), and `dist/index.js` runs as a workflow step with `config-file`, `credentials-file` and
 * `profile` (the action always selects a profile explicitly), `mfa-token-code: 123456` where botocore was prompted,
 * and `AWS_ENDPOINT_URL_STS` pointing at the emulator where botocore's run had it.
 *
 * Compared with what botocore did: the STS calls in order (action, every request parameter — RoleArn,
 * RoleSessionName unless botocore used its time-based default, DurationSeconds, ExternalId, SerialNumber, TokenCode,
 * and nothing else —, who signed each call: the first signer's static key, then each later hop signed by the key the
 * previous hop issued, checked against the emulator's record of issued keys, and the signing region), the exported
 * credentials, every web-identity token byte for byte (the file's content, trailing newline included); or for a botocore error: exit code 1, exactly one `::error::` line containing botocore's text, no STS
 * call. Every run gets a leak check with every secret of the vector and every secret the emulator issued.
 *
 * A vector that cannot be compared this way is detected (rules below) and must be listed in NOT_COMPARED with the
 * reason; "deviation" entries still run and check the action's documented, different outcome; "skip" entries do not
 * run. A detected limit without a listing fails, and so does a listing that is not needed.
 */
import { join } from 'node:path';
import { Job, NODE24_BIN, assertNoLeaks, type StepResult } from './support/harness.js';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.js';
import { startRecordingProxy } from './support/recording-proxy.js';
import { startStsEmulator } from './support/sts-emulator.js';
import {
  MFA_CODE,
  fillPlaceholders,
  loadVectors,
  looseProfile,
  normalizeLog,
  normalizeVectorCalls,
  parseClientError,
  rawVectorEnv,
  vectorSelection,
  worldFor,
  worldSecrets,
  writeCaseFiles,
  type NormCall,
  type Vector,
} from './support/vector-world.js';

type Rule = 'selection-semantics' | 'real-aws' | 'keys-without-role' | 'preflight' | 'region-from-env';
type Listing =
  | { readonly kind: 'skip'; readonly rule: Rule; readonly reason: string }
  | { readonly kind: 'deviation'; readonly rule: Rule; readonly reason: string };

/** Vectors not compared with botocore's outcome as they are, and why. */
const NOT_COMPARED: Readonly<Record<string, Listing>> = {
  V17: {
    kind: 'skip',
    rule: 'selection-semantics',
    reason:
      'no profile at all, only AWS_WEB_IDENTITY_TOKEN_FILE/AWS_ROLE_ARN env vars with the default profile: the action needs config-file + profile and, selecting explicitly, ignores web-identity env vars (README "Selection is explicit").',
  },
  V20: {
    kind: 'skip',
    rule: 'selection-semantics',
    reason:
      'profile chosen via AWS_PROFILE, so botocore uses the web-identity env vars; the action selects explicitly and ignores them (V19 is the explicit twin and is compared).',
  },
  V82: {
    kind: 'deviation',
    rule: 'real-aws',
    reason:
      'no region and no endpoint override: botocore used the real global endpoint https://sts.amazonaws.com/ (EndpointConnectionError). The action requires a region in config mode; checked: NoRegionError, no call.',
  },
  V83: {
    kind: 'skip',
    rule: 'real-aws',
    reason:
      'sts_regional_endpoints = legacy without an endpoint override: botocore contacted real AWS and the action would too (regional endpoint); nothing local to compare.',
  },
  V28: {
    kind: 'deviation',
    rule: 'keys-without-role',
    reason:
      'static keys, no role: botocore makes no call; the action makes one GetCallerIdentity to learn the account (README "With access keys and no role … after one GetCallerIdentity"). aws-region is given since botocore needs none. Checked: that one call, signed by the key, and the key exported.',
  },
  V61: {
    kind: 'deviation',
    rule: 'keys-without-role',
    reason: 'as V28 ([profile a.b] holds static keys): one GetCallerIdentity signed by AKIADOTTED, the key exported.',
  },
  V34: {
    kind: 'deviation',
    rule: 'region-from-env',
    reason:
      'AWS_REGION=ap-south-1, no region in the profile: botocore (the library) ignores AWS_REGION (NoRegionError); the action, like the AWS CLI, uses it (README "Config-profile mode", commit 6a471e6). Checked: success, every call signed for ap-south-1, the selected profile\'s role assumed last.',
  },
  V50: {
    kind: 'deviation',
    rule: 'preflight',
    reason:
      'session name "my-session ; not a comment for botocore" is sent by botocore and refused by STS (pattern [\\w+=,.@-]*); the action refuses it before calling (PreflightError). Checked: that refusal names the value botocore sent, no call.',
  },
  V52: {
    kind: 'deviation',
    rule: 'preflight',
    reason: 'session name "\\"quoted-name\\"" breaks the STS pattern: refused before calling. Checked as V50.',
  },
  V65: {
    kind: 'deviation',
    rule: 'preflight',
    reason: 'DurationSeconds 50000 > 43200 is sent by botocore and refused by STS: refused before calling. Checked as V50.',
  },
  V68: {
    kind: 'deviation',
    rule: 'preflight',
    reason: 'a 70-character session name is sent by botocore and refused by STS (max 64): refused before calling. Checked as V50.',
  },
};

const vectors = loadVectors();
const WEB_IDENTITY_ENV = ['AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME'];
const AUDIENCE = 'sts.amazonaws.com';
const REGION_INPUT = 'us-east-1';
const PREFLIGHT_MARK = '(checked before calling STS)';
const MEMBER: Readonly<Record<string, string>> = {
  RoleSessionName: 'roleSessionName',
  DurationSeconds: 'durationSeconds',
  ExternalId: 'externalId',
  SerialNumber: 'serialNumber',
  RoleArn: 'roleArn',
};

/** Limits detectable from the vector alone. */
function staticRules(v: Vector): Rule[] {
  const rules: Rule[] = [];
  const { explicit } = vectorSelection(v);
  const env = rawVectorEnv(v);
  if (!explicit && (env['AWS_ACCESS_KEY_ID'] !== undefined || WEB_IDENTITY_ENV.some((k) => env[k] !== undefined))) {
    rules.push('selection-semantics');
  }
  const configuresEndpoint = /^\s*(endpoint_url|services)\s*[=:]/m.test(v.config ?? '');
  if (v.sts_endpoint.startsWith('none') && !configuresEndpoint) rules.push('real-aws');
  if (v.botocore.result?.startsWith('static/source credentials')) rules.push('keys-without-role');
  if (env['AWS_REGION'] !== undefined && env['AWS_REGION'] !== env['AWS_DEFAULT_REGION']) rules.push('region-from-env');
  return rules;
}

/** Does the selected profile (or [DEFAULT]) set a region? Only decides whether to give aws-region. */
function profileHasRegion(v: Vector, profile: string): boolean {
  return looseProfile(v, profile)?.has('region') ?? false;
}

interface Ran {
  readonly result: StepResult;
  readonly calls: NormCall[];
  /** Credential endpoints the emulator served (ContainerCredentials / InstanceMetadata), with status. */
  readonly served: { action: string; status: number }[];
  /** Access key the last successful STS call issued. */
  readonly lastIssued?: string;
  readonly tokenFileContent: string;
  readonly tokensSent: string[];
  readonly placeholders: Readonly<Record<string, string>>;
}

let oidc: OidcIssuer;
const tally = { compared: [] as string[], deviation: [] as string[], skipped: [] as string[] };
/** Web-identity tokens: what botocore sends (the file, byte for byte) and what the action sent. */
const tokenChecks: { id: string; file: string; sent: string[] }[] = [];

beforeAll(async () => {
  oidc = await startOidcIssuer({ lifetimeSeconds: 3600 });
});

afterAll(async () => {
  await oidc.close();
  console.log(
    `e2e profile vectors: ${vectors.length} in total; ${tally.compared.length} compared with botocore's outcome; ` +
      `${tally.deviation.length} checked against a documented deviation (${tally.deviation.join(', ')}); ` +
      `${tally.skipped.length} not comparable (${tally.skipped.join(', ')})`,
  );
});

async function runVector(v: Vector): Promise<Ran> {
  const { profile } = vectorSelection(v);
  const rawEnv = rawVectorEnv(v);
  const world = worldFor({ files: v, env: rawEnv, issuer: oidc.url, audience: AUDIENCE });
  const sts = await startStsEmulator({ world });
  const proxy = await startRecordingProxy(sts.url);
  const job = new Job();
  try {
    const jwt = oidc.mint({ aud: AUDIENCE });
    // The oracle's token file ended with a newline; so does this one.
    const tokenFileContent = `${jwt}\n`;
    const files = writeCaseFiles(join(job.workspace, 'vector'), v, { stsUrl: proxy.url, token: tokenFileContent });
    const env: Record<string, string> = Object.fromEntries(Object.entries(rawEnv).map(([k, value]) => [k, fillPlaceholders(value, files.placeholders)]));
    if (v.sts_endpoint.startsWith('AWS_ENDPOINT_URL_STS=')) env['AWS_ENDPOINT_URL_STS'] = proxy.url;

    const botocoreCalls = normalizeVectorCalls(v.botocore.sts_calls);
    const regionFree = botocoreCalls.length === 0 && !/^(NoRegionError|EndpointConnectionError):/.test(v.botocore.error ?? '');
    const mfa = (v.botocore.mfa_prompts ?? []).length > 0;
    const inputs: Record<string, string> = {
      'config-file': files.config,
      profile,
      ...(files.credentials !== undefined ? { 'credentials-file': files.credentials } : {}),
      ...(mfa ? { 'mfa-token-code': MFA_CODE } : {}),
      ...(regionFree && !profileHasRegion(v, profile) ? { 'aws-region': REGION_INPUT } : {}),
    };
    const result = await job.runStep({ node: NODE24_BIN, inputs, env });

    const secrets = [...worldSecrets(world), ...world.users.map((u) => u.accessKeyId), ...sts.issuedSecrets(), jwt, ...(mfa ? [MFA_CODE] : [])];
    assertNoLeaks(result, secrets, { allowFiles: [files.dir] });

    const served = sts.calls
      .filter((c) => c.action === 'ContainerCredentials' || c.action === 'InstanceMetadata')
      .map((c) => ({ action: c.action, status: c.status }));
    const lastIssued = [...sts.calls].reverse().find((c) => c.status === 200 && c.action.startsWith('AssumeRole'))?.result.accessKeyId;
    return {
      result,
      calls: normalizeLog(sts.calls),
      served,
      ...(lastIssued !== undefined ? { lastIssued } : {}),
      tokenFileContent,
      tokensSent: proxy.webIdentityTokens(),
      placeholders: files.placeholders,
    };
  } finally {
    await job.cleanup();
    await proxy.close();
    await sts.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Comparisons

function expectOneError(r: StepResult): string {
  expect({ exitCode: r.exitCode, errors: r.errors.length }).toEqual({ exitCode: 1, errors: 1 });
  expect(r.exportedEnv).toEqual({});
  return r.errors[0] ?? '';
}

function compareWithBotocore(v: Vector, ran: Ran): void {
  const { botocore } = v;
  const expected = normalizeVectorCalls(botocore.sts_calls);
  const r = ran.result;
  if (botocore.error !== undefined) {
    const sts = parseClientError(botocore.error);
    const error = expectOneError(r);
    if (sts) {
      // STS refused at call time: the same calls (retries included), and the error names code, operation, message.
      expect(ran.calls).toEqual(expected);
      expect(error).toContain(sts.operation);
      expect(error).toContain(`failed: ${sts.code}`);
      expect(error).toContain(sts.message);
    } else {
      // The action's error is one line: botocore's line breaks (ParamValidationError) become spaces.
      expect(error).toContain(fillPlaceholders(botocore.error, ran.placeholders).replace(/\s*\n\s*/g, ' '));
      expect(ran.calls).toEqual([]);
    }
    return;
  }
  if (botocore.result?.startsWith('no credentials found')) {
    expect(expectOneError(r)).toContain('NoCredentialsError: Unable to locate credentials');
    expect(ran.calls).toEqual([]);
    return;
  }
  expect(botocore.result).toBe('credentials of the last hop');
  expect({ exitCode: r.exitCode, errors: r.errors }).toEqual({ exitCode: 0, errors: [] });
  expect(ran.calls).toEqual(expected);
  // A credential_source endpoint botocore fetched from was used by the action too.
  const fetched = botocore.sts_calls.filter((c) => c.source_fetch !== undefined);
  if (fetched.some((c) => c.source_fetch?.includes('container'))) expect(ran.served).toContainEqual({ action: 'ContainerCredentials', status: 200 });
  if (fetched.some((c) => c.source_fetch?.includes('meta-data'))) expect(ran.served).toContainEqual({ action: 'InstanceMetadata', status: 200 });
  expect(ran.lastIssued).toBeDefined();
  expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toBe(ran.lastIssued);
}

function checkDeviation(v: Vector, listing: Listing, ran: Ran): void {
  const r = ran.result;
  switch (listing.rule) {
    case 'preflight': {
      const error = expectOneError(r);
      expect(error).toContain('ValidationError: ');
      expect(error).toContain(PREFLIGHT_MARK);
      expect(ran.calls).toEqual([]);
      // The refused value is one botocore sent.
      const sent = normalizeVectorCalls(v.botocore.sts_calls).flatMap((c) =>
        Object.entries(c.params).flatMap(([k, value]) => (MEMBER[k] ? [`Value '${value}' at '${MEMBER[k]}'`] : [])),
      );
      expect(sent.filter((s) => error.includes(s))).not.toEqual([]);
      return;
    }
    case 'keys-without-role': {
      const key = /^static\/source credentials (\S+)$/.exec(v.botocore.result ?? '')?.[1];
      expect({ exitCode: r.exitCode, errors: r.errors }).toEqual({ exitCode: 0, errors: [] });
      expect(ran.calls).toEqual([{ action: 'GetCallerIdentity', signer: `key:${key}`, region: REGION_INPUT, params: {} }]);
      expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toBe(key);
      return;
    }
    case 'region-from-env': {
      const region = rawVectorEnv(v)['AWS_REGION'];
      expect({ exitCode: r.exitCode, errors: r.errors }).toEqual({ exitCode: 0, errors: [] });
      expect(ran.calls.length).toBeGreaterThan(0);
      expect(ran.calls.filter((c) => c.signer !== 'unsigned').map((c) => c.region)).toEqual(ran.calls.filter((c) => c.signer !== 'unsigned').map(() => region));
      expect(ran.calls[ran.calls.length - 1]?.params['RoleArn']).toBe(looseProfile(v, vectorSelection(v).profile)?.get('role_arn'));
      expect(r.exportedEnv['AWS_ACCESS_KEY_ID']).toBe(ran.lastIssued);
      return;
    }
    case 'real-aws': {
      expect(expectOneError(r)).toContain('NoRegionError: You must specify a region.');
      expect(ran.calls).toEqual([]);
      return;
    }
    case 'selection-semantics':
      throw new Error(`${v.id}: no deviation check for selection semantics; list it as skip`);
  }
}

// ---------------------------------------------------------------------------------------------

test('the table lists only vectors that exist', () => {
  const ids = new Set(vectors.map((v) => v.id));
  expect(Object.keys(NOT_COMPARED).filter((id) => !ids.has(id))).toEqual([]);
});

describe.each(vectors.map((v) => [`${v.id} ${v.title}`, v] as const))('%s', (_name, v) => {
  test('the bundled action does what botocore did', async () => {
    const listed = NOT_COMPARED[v.id];
    const rules = staticRules(v);
    if (rules.length > 1) throw new Error(`${v.id}: several limits (${rules.join(', ')}); split the listing`);
    if (rules[0] !== undefined && listed?.rule !== rules[0]) {
      throw new Error(`${v.id} cannot be compared as it is (${rules[0]}): list it in NOT_COMPARED with a reason`);
    }
    if (listed !== undefined && listed.rule !== 'preflight' && !rules.includes(listed.rule)) {
      throw new Error(`${v.id} is listed (${listed.rule}) but nothing detected it: remove it from NOT_COMPARED`);
    }
    if (listed?.kind === 'skip') {
      tally.skipped.push(v.id);
      return;
    }
    const ran = await runVector(v);
    if (ran.tokensSent.length > 0) tokenChecks.push({ id: v.id, file: ran.tokenFileContent, sent: ran.tokensSent });
    const preflight = ran.result.errors.some((e) => e.includes(PREFLIGHT_MARK));
    if (preflight && listed?.rule !== 'preflight') {
      throw new Error(`${v.id}: the action refused before calling STS (${ran.result.errors[0]}): list it as a preflight deviation or fix the action`);
    }
    if (listed === undefined) {
      compareWithBotocore(v, ran);
      tally.compared.push(v.id);
      return;
    }
    if (listed.rule === 'preflight' && !preflight) {
      throw new Error(`${v.id} is listed as preflight but the action did not refuse it before calling STS: remove the listing`);
    }
    checkDeviation(v, listed, ran);
    tally.deviation.push(v.id);
  });
});

// ---------------------------------------------------------------------------------------------
// Web-identity tokens: botocore sends the token file byte for byte (profile-semantics.md §1.6, "no trimming; trailing
// newline included"), and so must the action (src/sources/tokenFile.ts). The vectors' token files end with a newline.

test('web identity: every token the action sent is the token file, byte for byte (trailing newline included)', () => {
  expect(tokenChecks.length).toBeGreaterThan(0);
  expect(tokenChecks.every((t) => t.file.endsWith('\n'))).toBe(true);
  // Lengths, equality and the last characters: a difference is visible without printing whole tokens.
  const shape = (s: string, file: string): { length: number; identical: boolean; end: string } => ({
    length: s.length,
    identical: s === file,
    end: JSON.stringify(s.slice(-12)),
  });
  for (const t of tokenChecks) {
    expect({ id: t.id, sent: t.sent.map((s) => shape(s, t.file)) }).toEqual({ id: t.id, sent: t.sent.map(() => shape(t.file, t.file)) });
  }
});

test('every vector was compared, checked against a listed deviation, or listed as not comparable', () => {
  const seen = [...tally.compared, ...tally.deviation, ...tally.skipped].sort();
  expect(seen).toEqual(vectors.map((v) => v.id).sort());
});

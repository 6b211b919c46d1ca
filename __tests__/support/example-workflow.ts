/**
 * Runs an example workflow (examples/NAME/workflow.yml) the way GitHub would, as far as this action is concerned:
 * jobs in `needs` order, `if: github.event_name == '…'` conditions, a `strategy.matrix` fed by
 * `fromJSON(needs.JOB.outputs.NAME)`, `${{ … }}` expressions over steps/needs/matrix/github/vars/secrets, and
 * `permissions: id-token: write` deciding whether a job may mint a GitHub OIDC token.
 *
 * Each step of this action runs the bundled dist/ through the runner harness; post steps run at the end of the job
 * in reverse order. In `run:` steps, every line that starts with `aws sts` runs with the AWS CLI and the job's env,
 * as a later step would run it; the other lines stand for the user's own tools (terraform, aws s3, …) and are
 * listed as skipped. A step this runner does not understand fails the run instead of being ignored.
 */
import { exec } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { Job, NODE24_BIN, type StepResult } from './harness.js';

type Obj = Record<string, unknown>;
export interface WfStep {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  'working-directory'?: string;
}
interface WfJob {
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  permissions?: Obj | string;
  outputs?: Record<string, string>;
  strategy?: { matrix?: Obj };
  steps: WfStep[];
}
export interface Workflow {
  on: unknown;
  permissions?: Obj | string;
  jobs: Record<string, WfJob>;
}

export interface CliRun {
  command: string;
  status: number | null;
  stdout: string;
  stderr: string;
}
export interface JobRun {
  job: string;
  matrix?: Obj;
  environment?: string;
  steps: Array<{ step: WfStep; action?: StepResult; cli?: CliRun[]; skipped?: string[] }>;
  posts: StepResult[];
  outputs: Record<string, string>;
  /** A step of this action failed: later steps did not run and jobs that need this one are skipped. */
  failed: boolean;
}

export interface RunContext {
  /** The `github` context: event_name, ref, repository, run_id, … */
  event: { event_name: string; ref: string; repository: string; [k: string]: string };
  /** Run the `aws sts` lines with the AWS CLI (false when it is not installed: they are then listed as skipped). */
  runCli: boolean;
  vars?: Record<string, string>;
  secrets?: Record<string, string>;
  /** Env every step gets (the emulator's STS endpoint, IMDS endpoint, …). */
  env: Record<string, string>;
  /** Env a job gets when it may mint a GitHub OIDC token (the stand-in's request URL and token). */
  oidcEnv: Record<string, string>;
  /** Called before each job starts: sets the OIDC stand-in's claims (environment) and writes workspace files. */
  beforeJob(job: Job, info: { name: string; environment?: string }): void;
  /** `uses:` of this action in the examples. */
  isThisAction(uses: string): boolean;
}

export const readWorkflow = (file: string): Workflow => load(readFileSync(file, 'utf8')) as Workflow;

const EXPR = /\$\{\{\s*(.*?)\s*\}\}/g;

/** `${{ a.b.c }}` paths only: anything else (functions, operators) is refused so no expression is misread. */
export function evaluate(text: string, scope: Obj): string {
  return text.replace(EXPR, (_all, expr: string) => {
    if (!/^[A-Za-z_][\w-]*(\.[\w-]+)*$/.test(expr)) throw new Error(`unsupported expression: ${expr}`);
    let v: unknown = scope;
    for (const part of expr.split('.')) {
      if (v === null || typeof v !== 'object' || !(part in (v as Obj))) throw new Error(`expression names nothing: ${expr}`);
      v = (v as Obj)[part];
    }
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

function jobOrder(jobs: Record<string, WfJob>): string[] {
  const done: string[] = [];
  const visit = (name: string, path: string[]): void => {
    if (done.includes(name)) return;
    if (path.includes(name)) throw new Error(`needs cycle at ${name}`);
    for (const n of ([] as string[]).concat(jobs[name]?.needs ?? [])) visit(n, [...path, name]);
    done.push(name);
  };
  for (const n of Object.keys(jobs)) visit(n, []);
  return done;
}

function conditionHolds(cond: string | undefined, ctx: RunContext): boolean {
  if (cond === undefined) return true;
  const m = /^\s*(?:\$\{\{\s*)?github\.event_name\s*(==|!=)\s*'([\w-]+)'\s*(?:\}\})?\s*$/.exec(cond);
  if (!m) throw new Error(`unsupported if: ${cond}`);
  return (ctx.event.event_name === m[2]) === (m[1] === '==');
}

const mayMintToken = (p: Obj | string | undefined): boolean | undefined =>
  p === undefined ? undefined : typeof p === 'string' ? p === 'write-all' : p['id-token'] === 'write';

/** The matrix combinations of a job: one `key: ${{ fromJSON(needs.J.outputs.O) }}` list, or none. */
function matrixOf(job: WfJob, needs: Obj): Obj[] {
  const matrix = job.strategy?.matrix;
  if (!matrix) return [{}];
  const entries = Object.entries(matrix);
  const m = entries.length === 1 ? /^\$\{\{\s*fromJSON\(\s*needs\.([\w-]+)\.outputs\.([\w-]+)\s*\)\s*\}\}$/.exec(String(entries[0]![1])) : null;
  if (!m) throw new Error('unsupported matrix: one key fed by fromJSON(needs.JOB.outputs.NAME) expected');
  const list = JSON.parse(String(((needs[m[1]!] as Obj | undefined)?.['outputs'] as Obj | undefined)?.[m[2]!] ?? 'null')) as unknown;
  if (!Array.isArray(list) || list.length === 0) throw new Error(`matrix from needs.${m[1]}.outputs.${m[2]} is not a non-empty list`);
  return list.map((v) => ({ [entries[0]![0]]: v }));
}

function runShell(command: string, env: Record<string, string>, cwd: string): Promise<CliRun> {
  return new Promise((resolve) => {
    exec(command, { env, cwd, shell: '/bin/bash', encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ command, status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

/** Lines of a `run:` script with `\`-continuations joined. */
const scriptLines = (run: string): string[] =>
  run
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

async function runJob(name: string, wf: Workflow, ctx: RunContext, scope: Obj, jobs: Job[]): Promise<JobRun> {
  const spec = wf.jobs[name]!;
  const environment = typeof spec.environment === 'object' ? spec.environment.name : spec.environment;
  const job = new Job();
  jobs.push(job);
  ctx.beforeJob(job, { name, ...(environment !== undefined ? { environment } : {}) });
  const oidc = mayMintToken(spec.permissions) ?? mayMintToken(wf.permissions) ?? false;
  job.env = { ...ctx.env, ...(oidc ? ctx.oidcEnv : {}) };
  const run: JobRun = { job: name, ...(environment !== undefined ? { environment } : {}), steps: [], posts: [], outputs: {}, failed: false };
  if (scope['matrix'] && Object.keys(scope['matrix'] as Obj).length > 0) run.matrix = scope['matrix'] as Obj;
  const steps: Obj = {};
  const mains: StepResult[] = [];
  for (const step of spec.steps) {
    const here = { ...scope, steps };
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(String(v), here)]));
    if (step.uses !== undefined && ctx.isThisAction(step.uses)) {
      const inputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, evaluate(String(v), here)]));
      const r = await job.runStep({ node: NODE24_BIN, entry: 'main', inputs, env: stepEnv });
      mains.push(r);
      if (step.id) steps[step.id] = { outputs: r.outputs, outcome: r.exitCode === 0 ? 'success' : 'failure' };
      run.steps.push({ step, action: r });
      if (r.exitCode !== 0) {
        run.failed = true;
        break;
      }
    } else if (step.uses !== undefined) {
      // Other actions (checkout, setup-terraform, …) change nothing this action reads; the workspace files an
      // example needs are written by beforeJob.
      if (!/^(actions\/checkout|hashicorp\/setup-terraform)@[0-9a-f]{40}$/.test(step.uses)) throw new Error(`unsupported uses: ${step.uses}`);
      run.steps.push({ step, skipped: [step.uses] });
    } else if (step.run !== undefined) {
      const cli: CliRun[] = [];
      const skipped: string[] = [];
      for (const line of scriptLines(evaluate(step.run, here))) {
        // `aws sts …`, alone or as the body of a one-line `for … do …; done` loop.
        if (!ctx.runCli || !/^(for [^;]+; do )?aws sts /.test(line)) {
          skipped.push(line);
          continue;
        }
        const env = { PATH: process.env['PATH'] ?? '', ...job.env, ...stepEnv, HOME: job.home };
        // The checkout would bring the step's working directory; an example's test need not.
        const cwd = join(job.workspace, step['working-directory'] ?? '.');
        mkdirSync(cwd, { recursive: true });
        cli.push(await runShell(line, env, cwd));
      }
      run.steps.push({ step, cli, skipped });
    } else throw new Error(`step without uses or run in job ${name}`);
  }
  for (const main of mains.reverse()) run.posts.push(await job.runPost({ node: NODE24_BIN, main }));
  if (!run.failed) for (const [k, v] of Object.entries(spec.outputs ?? {})) run.outputs[k] = evaluate(v, { ...scope, steps });
  return run;
}

/** Runs every job whose `if:` holds for the event; returns the runs (matrix jobs once per combination). */
export async function runWorkflow(wf: Workflow, ctx: RunContext): Promise<{ runs: JobRun[]; jobs: Job[] }> {
  const runs: JobRun[] = [];
  const jobs: Job[] = [];
  const needs: Obj = {};
  const base = { github: { run_id: '8123456789', run_attempt: '1', ...ctx.event }, vars: ctx.vars ?? {}, secrets: ctx.secrets ?? {} };
  for (const name of jobOrder(wf.jobs)) {
    const spec = wf.jobs[name]!;
    if (!conditionHolds(spec.if, ctx)) continue;
    const mine = Object.fromEntries(([] as string[]).concat(spec.needs ?? []).map((n) => [n, needs[n]]));
    if (Object.values(mine).some((v) => v === undefined)) continue; // a needed job was skipped
    for (const matrix of matrixOf(spec, mine)) {
      const r = await runJob(name, wf, ctx, { ...base, needs: mine, matrix }, jobs);
      runs.push(r);
      // As GitHub does: a job whose needed job failed is skipped.
      if (!r.failed) needs[name] = { outputs: r.outputs };
    }
  }
  return { runs, jobs };
}

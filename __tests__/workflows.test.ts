/**
 * The GitHub workflows cannot run here; what can be checked without GitHub is checked: they parse, local actions
 * get only the inputs they declare (and every required one), outputs they read exist, every script or npm script
 * they run exists, and third-party actions are pinned by commit.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { REPO_ROOT } from './support/harness.js';
import { resolveWorld } from './support/world.js';
import { GITHUB_OIDC_HOST, readWorldWithPolicies } from './support/trust-policy.js';

type Obj = Record<string, unknown>;
interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  steps?: Step[];
  needs?: string | string[];
  outputs?: Record<string, string>;
  strategy?: { matrix?: Obj };
}
interface ActionYml {
  inputs?: Record<string, { required?: boolean; default?: string; description?: string }>;
  outputs?: Record<string, { description?: string }>;
  runs: { using: string; steps?: Step[] };
}

const WORKFLOW_DIR = join(REPO_ROOT, '.github', 'workflows');
const workflowFiles = readdirSync(WORKFLOW_DIR).filter((f) => /\.ya?ml$/.test(f));
const readYaml = <T>(file: string): T => load(readFileSync(file, 'utf8')) as T;
const npmScripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Every step of a workflow, with the job it is in (composite local actions' steps are checked as well). */
function allSteps(): Array<{ where: string; job?: Job; jobs?: Record<string, Job>; step: Step }> {
  const out: Array<{ where: string; job?: Job; jobs?: Record<string, Job>; step: Step }> = [];
  for (const f of workflowFiles) {
    const wf = readYaml<{ jobs: Record<string, Job> }>(join(WORKFLOW_DIR, f));
    for (const [name, job] of Object.entries(wf.jobs)) {
      for (const [i, step] of (job.steps ?? []).entries()) out.push({ where: `${f} ${name} step ${i + 1}`, job, jobs: wf.jobs, step });
    }
  }
  for (const dir of localActionDirs()) {
    const a = readYaml<ActionYml>(join(REPO_ROOT, dir, 'action.yml'));
    for (const [i, step] of (a.runs.steps ?? []).entries()) out.push({ where: `${dir}/action.yml step ${i + 1}`, step });
  }
  return out;
}

function localActionDirs(): string[] {
  const dirs = new Set<string>();
  for (const f of workflowFiles) {
    for (const m of readFileSync(join(WORKFLOW_DIR, f), 'utf8').matchAll(/uses:\s*\.\/(\S*)/g)) if (m[1]) dirs.add(m[1].replace(/\/$/, ''));
  }
  return [...dirs];
}

test('every workflow and local action parses as YAML with jobs or runs', () => {
  expect(workflowFiles.sort()).toEqual(['ci.yml', 'release.yml']);
  for (const f of workflowFiles) {
    const wf = readYaml<Obj>(join(WORKFLOW_DIR, f));
    expect([f, typeof wf['on'] === 'object' || typeof wf['on'] === 'string']).toEqual([f, true]);
    expect([f, Object.keys(wf['jobs'] as Obj).length > 0]).toEqual([f, true]);
  }
  const dependabot = readYaml<{ updates: Array<{ 'package-ecosystem': string }> }>(join(REPO_ROOT, '.github', 'dependabot.yml'));
  expect(dependabot.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
});

test('a `uses: ./…` step passes only inputs its action.yml declares, and every required one', () => {
  let checked = 0;
  for (const { where, step } of allSteps()) {
    if (!step.uses?.startsWith('./')) continue;
    const dir = step.uses.replace(/^\.\/?/, '');
    const file = join(REPO_ROOT, dir, 'action.yml');
    expect([where, existsSync(file)]).toEqual([where, true]);
    const declared = readYaml<ActionYml>(file).inputs ?? {};
    const given = Object.keys(step.with ?? {});
    expect([where, given.filter((k) => !(k in declared))]).toEqual([where, []]);
    const missing = Object.entries(declared).filter(([k, d]) => d.required === true && d.default === undefined && !given.includes(k));
    expect([where, missing.map(([k]) => k)]).toEqual([where, []]);
    checked++;
  }
  expect(checked).toBeGreaterThanOrEqual(5);
});

test('steps.<id>.outputs and needs.<job>.outputs name steps, jobs and outputs that exist', () => {
  const actionOutputs = Object.keys(readYaml<ActionYml>(join(REPO_ROOT, 'action.yml')).outputs ?? {});
  let checked = 0;
  for (const f of workflowFiles) {
    const wf = readYaml<{ jobs: Record<string, Job> }>(join(WORKFLOW_DIR, f));
    for (const [name, job] of Object.entries(wf.jobs)) {
      const text = JSON.stringify(job);
      for (const m of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        const step = (job.steps ?? []).find((s) => s.id === m[1]);
        expect([f, name, m[0], step?.uses]).toEqual([f, name, m[0], './']);
        expect([m[0], actionOutputs.includes(m[2]!)]).toEqual([m[0], true]);
        checked++;
      }
      for (const m of text.matchAll(/needs\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        const needs = ([] as string[]).concat(job.needs ?? []);
        expect([f, name, m[0], needs.includes(m[1]!), m[2]! in (wf.jobs[m[1]!]?.outputs ?? {})]).toEqual([f, name, m[0], true, true]);
        checked++;
      }
    }
  }
  expect(checked).toBeGreaterThanOrEqual(3);
});

test('matrix.target.<key> reads only keys of the `profiles` output', () => {
  const description = readYaml<ActionYml>(join(REPO_ROOT, 'action.yml')).outputs?.['profiles']?.description ?? '';
  const keys =
    /\{([^}]+)\}/
      .exec(description)?.[1]
      ?.split(',')
      .map((k) => k.trim()) ?? [];
  expect(keys).toEqual(expect.arrayContaining(['profile', 'accountId', 'roleArn']));
  const text = readFileSync(join(WORKFLOW_DIR, 'ci.yml'), 'utf8');
  const used = [...text.matchAll(/matrix\.target\.(\w+)/g)].map((m) => m[1]!);
  expect(used.length).toBeGreaterThan(0);
  expect(used.filter((k) => !keys.includes(k))).toEqual([]);
});

test('every script, file and npm script a step runs exists', () => {
  let checked = 0;
  for (const { where, step } of allSteps()) {
    const text = [step.run ?? '', ...Object.values(step.with ?? {}).map(String)].join('\n');
    for (const m of text.matchAll(/\bnpm (?:run(?:-script)? ([\w:-]+)|(test)\b)/g)) {
      const name = m[1] ?? m[2]!;
      expect([where, name, name in npmScripts]).toEqual([where, name, true]);
      checked++;
    }
    for (const m of text.matchAll(/(?:^|[\s"'=])((?:\.ci|scripts|\.github|examples|docs)\/[\w./-]*\w)/g)) {
      expect([where, m[1], existsSync(join(REPO_ROOT, m[1]!))]).toEqual([where, m[1], true]);
      checked++;
    }
  }
  expect(checked).toBeGreaterThanOrEqual(6);
});

test('third-party actions are pinned to a full commit SHA with the version in a comment', () => {
  const texts = [
    ...workflowFiles.map((f) => [f, readFileSync(join(WORKFLOW_DIR, f), 'utf8')] as const),
    ...localActionDirs().map((d) => [d, readFileSync(join(REPO_ROOT, d, 'action.yml'), 'utf8')] as const),
  ];
  let pinned = 0;
  for (const [f, text] of texts) {
    for (const m of text.matchAll(/^\s*-?\s*uses:\s*(\S+)(.*)$/gm)) {
      if (m[1]!.startsWith('./')) continue;
      expect([f, m[1], /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(m[1]!), /#\s*v\d+(\.\d+){0,2}\b/.test(m[2]!)]).toEqual([f, m[1], true, true]);
      pinned++;
    }
  }
  expect(pinned).toBeGreaterThanOrEqual(6);
});

test("the self-test's world loads: its trust policies are ones the emulator enforces", () => {
  const file = join(REPO_ROOT, '.github', 'self-test', 'world.json');
  const world = resolveWorld(readWorldWithPolicies(file, { issuers: { [GITHUB_OIDC_HOST]: 'http://127.0.0.1:1' } }));
  expect(world.roles.map((r) => r.arn)).toEqual(
    expect.arrayContaining(['arn:aws:iam::111111111111:role/github-hub', 'arn:aws:iam::222222222222:role/deployer']),
  );
  // The external ID the workflow passes is the one the deployer's policy demands.
  expect(readFileSync(join(WORKFLOW_DIR, 'ci.yml'), 'utf8')).toContain(`external-id=${world.roles.find((r) => r.arn.endsWith(':role/deployer'))!.externalId}`);
});

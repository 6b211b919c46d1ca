/** action.yml, the README's tables and the inputs the code reads must agree. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { load as loadYaml } from 'js-yaml';

const root = join(import.meta.dirname, '..');
const action = loadYaml(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string; description: string }>;
  outputs: Record<string, { description: string }>;
  runs: Record<string, string>;
};
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function table(heading: string): Map<string, string[]> {
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start).toBeGreaterThan(0);
  const rows = new Map<string, string[]>();
  for (const line of readme.slice(start).split('\n').slice(2)) {
    if (line.startsWith('## ')) break;
    const m = /^\| `([^`]+)` \|(.*)\|$/.exec(line);
    if (m)
      rows.set(
        m[1]!,
        m[2]!.split(' | ').map((c) => c.trim()),
      );
  }
  return rows;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('runs on node24 with a post step', () => {
  expect(action.runs).toMatchObject({ using: 'node24', main: 'dist/index.js', post: 'dist/post/index.js' });
});

test('README input table lists exactly the inputs of action.yml, with the same defaults', () => {
  const rows = table('Inputs');
  expect([...rows.keys()].sort()).toEqual(Object.keys(action.inputs).sort());
  for (const [name, spec] of Object.entries(action.inputs)) {
    const documented = rows.get(name)![0]!;
    expect([name, documented]).toEqual([name, spec.default === undefined ? '' : `\`${spec.default}\``]);
  }
});

test('README output table lists exactly the outputs of action.yml', () => {
  expect([...table('Outputs').keys()].sort()).toEqual(Object.keys(action.outputs).sort());
});

test('every input the code reads is declared in action.yml, and every declared input is read', () => {
  const code = sourceFiles(join(root, 'src'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const read = new Set([...code.matchAll(/input\.(?:text|required|secret|boolean|integer|list|lines|json)\('([a-z0-9-]+)'/g)].map((m) => m[1]!));
  for (const m of code.matchAll(/core\.getInput\('([a-z0-9-]+)'/g)) read.add(m[1]!);
  for (const m of code.matchAll(/for \(const \w+ of \[([^\]]+)\]\)/g)) {
    for (const n of m[1]!.matchAll(/'([a-z0-9-]+)'/g)) if (n[1]! in action.inputs) read.add(n[1]!);
  }
  expect([...read].filter((n) => !(n in action.inputs))).toEqual([]);
  expect(Object.keys(action.inputs).filter((n) => !read.has(n))).toEqual([]);
});

test('the CAC inputs and outputs that must work unchanged are all declared', () => {
  const cacInputs = [
    'aws-region',
    'role-to-assume',
    'role-session-name',
    'role-duration-seconds',
    'role-external-id',
    'audience',
    'role-chaining',
    'aws-access-key-id',
    'aws-secret-access-key',
    'aws-session-token',
    'web-identity-token-file',
    'output-credentials',
    'output-env-credentials',
    'mask-aws-account-id',
    'allowed-account-ids',
    'sts-endpoint',
    'role-skip-session-tagging',
    'custom-tags',
    'transitive-tag-keys',
    'inline-session-policy',
    'managed-session-policies',
    'unset-current-credentials',
  ];
  expect(cacInputs.filter((n) => !(n in action.inputs))).toEqual([]);
  const outputs = ['aws-account-id', 'aws-access-key-id', 'aws-secret-access-key', 'aws-session-token', 'aws-expiration', 'aws-role-arn', 'chain'];
  expect(outputs.filter((n) => !(n in action.outputs))).toEqual([]);
  // The migration table names every CAC input.
  const migration = readme.slice(readme.indexOf('## Migrating from configure-aws-credentials'));
  expect(cacInputs.filter((n) => !migration.includes(`\`${n}\``))).toEqual([]);
});

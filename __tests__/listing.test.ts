/** action.yml and the README read as a Marketplace listing: defaults stated, the first screen, links that resolve. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { REPO_ROOT } from './support/harness.js';

const action = load(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as {
  name: string;
  description: string;
  author: string;
  branding: { icon: string; color: string };
  inputs: Record<string, { default?: string; description: string }>;
};
const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

test('every input description states its default, and a declared default is the one stated', () => {
  const missing = Object.entries(action.inputs)
    .filter(([, i]) => !/\bDefault: /.test(i.description))
    .map(([n]) => n);
  expect(missing).toEqual([]);
  const wrong = Object.entries(action.inputs)
    .filter(([, i]) => i.default !== undefined && !i.description.includes(`Default: ${i.default}.`))
    .map(([n, i]) => `${n}: ${i.default}`);
  expect(wrong).toEqual([]);
});

test('the README input table carries the same descriptions as action.yml', () => {
  for (const [name, i] of Object.entries(action.inputs)) {
    expect([name, readme.includes(`| \`${name}\` | ${i.default === undefined ? '' : `\`${i.default}\``} | ${i.description.replace(/\|/g, '\\|')} |`)]).toEqual([
      name,
      true,
    ]);
  }
});

test('the listing has what the Marketplace shows: name, a short description, author, branding', () => {
  expect(action.name).toBe('aws-assume-chain');
  // The Marketplace cuts descriptions after 125 characters.
  expect(action.description.length).toBeLessThanOrEqual(125);
  expect(action.author).toBe('aws-assume-chain contributors');
  expect(action.branding.icon).toBeTruthy();
});

test('the first screen says what it is, shows a step, the quick start and the examples', () => {
  const firstScreen = readme.slice(0, readme.indexOf('\n## Where the first credentials come from'));
  expect(firstScreen).toMatch(/^# aws-assume-chain\n\nA GitHub Action that/);
  expect(firstScreen).toContain('uses: your-org/aws-assume-chain@v1');
  expect(firstScreen).toContain('## Quick start');
  expect(firstScreen).toContain('## Examples');
  expect(firstScreen).toMatch(/Prerequisites: Node ≥ 20 and npm[\s\S]{0,300}Linux x64/);
});

test('every relative link in the README, CHANGELOG, SECURITY, docs and examples index resolves', () => {
  let links = 0;
  for (const file of ['README.md', 'CHANGELOG.md', 'SECURITY.md', 'docs/emulator.md', 'examples/README.md']) {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    for (const m of text.matchAll(/\]\(((?!https?:|#)[^)#\s]+)(#[^)]*)?\)/g)) {
      const target = join(REPO_ROOT, file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '', m[1]!);
      expect([file, m[1], existsSync(target)]).toEqual([file, m[1], true]);
      links++;
    }
  }
  expect(links).toBeGreaterThan(15);
});

test('LICENSE is MIT for the contributors, as package.json says', () => {
  const license = readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8');
  expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 aws-assume-chain contributors\n/);
  expect((JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { license: string }).license).toBe('MIT');
});

test('THIRD_PARTY_NOTICES.md lists every runtime dependency, with the version package-lock.json installs', () => {
  const notices = readFileSync(join(REPO_ROOT, 'THIRD_PARTY_NOTICES.md'), 'utf8');
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  for (const dep of Object.keys(pkg.dependencies)) {
    expect(notices).toContain(`| ${dep} | ${lock.packages[`node_modules/${dep}`]!.version} |`);
  }
  // Every listed package has its license text (or says it ships none) below the table.
  const listed = [...notices.matchAll(/^\| (@?[a-z0-9][a-z0-9./-]*) \| [^|]+ \| ([^|]+) \|/gm)].map((m) => m[1]!);
  // The table parsed: at least the direct dependencies are rows of it.
  expect(listed.length).toBeGreaterThanOrEqual(Object.keys(pkg.dependencies).length);
  const headings = [...notices.matchAll(/^## (.+)$/gm)].flatMap((m) => m[1]!.split(', '));
  expect(listed.filter((p) => !headings.includes(p))).toEqual([]);
});

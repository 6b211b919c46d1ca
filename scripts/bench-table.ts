/** The bundle-size table of `npm run bench`: every .js file of dist/, with the budgets of the two entry bundles. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../__tests__/support/harness.js';

const DIST = path.join(REPO_ROOT, 'dist');

function jsFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? jsFiles(path.join(dir, d.name)) : d.name.endsWith('.js') ? [path.join(dir, d.name)] : []));
}

export function bundleTable(): string[] {
  const bytes = (n: number) => n.toLocaleString('en-US');
  const mainBundle = path.join(DIST, 'index.js');
  const postBundle = path.join(DIST, 'post', 'index.js');
  const sizeTargets = new Map([
    [mainBundle, 1_000_000],
    [postBundle, 200_000],
  ]);
  const files = [
    mainBundle,
    ...jsFiles(DIST)
      .filter((f) => f !== mainBundle && f !== postBundle)
      .sort(),
    postBundle,
  ];
  let total = 0;
  const lines = ['| Bundle file | Bytes | Target | Meets |', '| --- | ---: | --- | --- |'];
  for (const f of files) {
    const size = fs.existsSync(f) ? fs.statSync(f).size : NaN;
    if (Number.isFinite(size)) total += size;
    const target = sizeTargets.get(f);
    const meets = target === undefined ? '–' : size <= target ? 'yes' : '**no**';
    lines.push(
      `| \`${path.relative(REPO_ROOT, f)}\` | ${Number.isFinite(size) ? bytes(size) : 'missing'} | ${target ? `≤ ${bytes(target)}` : '–'} | ${meets} |`,
    );
  }
  lines.push(`| total (${files.length} files) | ${bytes(total)} | – | – |`);
  return lines;
}

/**
 * The layer map, checked over the import graph of src/. Each folder sits on one floor; a module may
 * import its own folder and any folder on a lower floor, never one on its own floor or above. The
 * README's Development section shows the same map; this test is how to check it (`npx jest layers`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Floors, lowest first. Top-level files of src/ (entries, main, post step) are the top floor. */
const FLOORS: readonly (readonly string[])[] = [
  ['base'],
  ['net'],
  ['config'],
  ['sources'],
  ['sts'],
  ['settings'],
  ['plan'],
  ['run'],
  ['refresh'],
  ['export'],
  ['.'],
];

function floorOf(folder: string): number {
  const i = FLOORS.findIndex((f) => f.includes(folder));
  if (i < 0) throw new Error(`src/${folder} is on no floor of the layer map: add it to FLOORS and to the README`);
  return i;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

function folderOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? '.' : rel[0]!;
}

interface Edge {
  readonly from: string;
  readonly spec: string;
  readonly to?: string;
}

function importsOf(file: string): Edge[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g),
  ].map((m) => m[1] ?? m[2] ?? m[3]!);
  return specs.map((spec) =>
    spec.startsWith('.') ? { from: file, spec, to: path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')) } : { from: file, spec },
  );
}

/** The labels of the edges [from folder, to folder, label] that run sideways or up. */
function violations(list: readonly (readonly [string, string, string])[]): string[] {
  return list.filter(([a, b]) => a !== b && floorOf(b) >= floorOf(a)).map(([, , label]) => label);
}

const files = sourceFiles(SRC);
const edges = files.flatMap(importsOf);
const rel = (p: string) => path.relative(SRC, p).split(path.sep).join('/');

describe('layer map over the import graph of src/', () => {
  test('the graph is not empty (the import matcher works)', () => {
    expect(files.length).toBeGreaterThan(30);
    expect(edges.filter((e) => e.to).length).toBeGreaterThan(100);
    // every relative import resolves to a file that exists
    const missing = edges.filter((e) => e.to && !fs.existsSync(e.to)).map((e) => `${rel(e.from)} → ${e.spec}`);
    expect(missing).toEqual([]);
  });

  test('no import runs sideways or up a floor', () => {
    expect(violations(edges.filter((e) => e.to).map((e) => [folderOf(e.from), folderOf(e.to!), `${rel(e.from)} → ${rel(e.to!)}`]))).toEqual([]);
  });

  test('a control: the rule catches an upward and a sideways import, and allows a downward one', () => {
    expect(
      violations([
        ['base', 'export', 'up'],
        ['sources', 'sts', 'up'],
        ['settings', 'settings', 'same folder'],
        ['export', 'base', 'down'],
      ]),
    ).toEqual(['up', 'up']);
    expect(() => floorOf('nowhere')).toThrow(/on no floor/);
  });

  test('only src/sts imports the AWS SDK; plan/ imports neither node:fs nor the SDK nor process I/O', () => {
    const sdk = edges.filter((e) => /^@aws-sdk\//.test(e.spec) && folderOf(e.from) !== 'sts').map((e) => `${rel(e.from)} → ${e.spec}`);
    expect(sdk).toEqual([]);
    const planIo = edges
      .filter((e) => folderOf(e.from) === 'plan' && /^(node:)?(fs|fs\/promises|child_process|http|https|net)$|^@aws-sdk\/|^@smithy\//.test(e.spec))
      .map((e) => `${rel(e.from)} → ${e.spec}`);
    expect(planIo).toEqual([]);
    const planProcess = files.filter((f) => folderOf(f) === 'plan' && /\bprocess\.(env|cwd|platform|argv)\b/.test(fs.readFileSync(f, 'utf8'))).map(rel);
    expect(planProcess).toEqual([]);
  });

  test('size limits: no file over 400 lines in src/', () => {
    const big = files.map((f) => [rel(f), fs.readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 400);
    expect(big).toEqual([]);
  });

  test('size limits: no function over 80 lines in src/', () => {
    const long: string[] = [];
    for (const f of files) {
      const sf = ts.createSourceFile(f, fs.readFileSync(f, 'utf8'), ts.ScriptTarget.ES2022, true);
      const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
          const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
          if (end - start + 1 > 80) long.push(`${rel(f)}:${start + 1} (${end - start + 1} lines)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    expect(long).toEqual([]);
  });
});

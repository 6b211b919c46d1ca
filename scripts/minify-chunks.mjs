/**
 * ncc minifies the entry bundle but not the chunks it splits off for dynamic import() (the SDK,
 * the proxy-aware token client). Minify those in place with esbuild so the whole dist/ stays lean.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';

for (const dir of process.argv.slice(2)) {
  for (const name of readdirSync(dir).filter((n) => /^\d+\.index\.js$/.test(n))) {
    const file = join(dir, name);
    const { code } = transformSync(readFileSync(file, 'utf8'), { minify: true, format: 'esm', target: 'es2022', legalComments: 'none' });
    writeFileSync(file, code);
  }
}

/**
 * Run by sink.test.ts with `node --import tsx`: prints every value of a JSON file through each of
 * runner.ts's printing functions, in a fixed order the test knows, so the test can read the output
 * as the runner does and check each line against what the sink promises.
 */
import { readFileSync } from 'node:fs';
import * as core from '../../src/base/runner.js';

const [file, mode] = process.argv.slice(2);
const values = JSON.parse(readFileSync(file!, 'utf8')) as string[];
if (mode === 'accounts') core.hideAccountIds(['123456789012']);
for (const v of values) {
  core.info(v);
  core.warning(v, { title: v, file: v, startLine: 3 });
  core.error(v);
  core.infoBlock(`begin\n${v}\nend`);
  core.setSecret(v);
}

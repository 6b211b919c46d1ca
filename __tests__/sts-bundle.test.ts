/** The bundle carries the STS client without the SDK's default credential chain (src/sts/noDefaultCredentials.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultProvider } from '../src/sts/noDefaultCredentials.js';
import { REPO_ROOT } from './support/harness.js';

const chunks = () =>
  fs
    .readdirSync(path.join(REPO_ROOT, 'dist'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => fs.readFileSync(path.join(REPO_ROOT, 'dist', f), 'utf8'));

test('the stand-in is what the bundle holds, and the chain it replaces is not', () => {
  const all = chunks();
  expect(all.some((c) => c.includes('the SDK asked for default credentials'))).toBe(true);
  // Markers of the SDK's chain (its SSO and ini providers), both in the bundle before the stand-in.
  for (const marker of ['fromSSO', 'fromIni']) expect(all.filter((c) => c.includes(marker))).toEqual([]);
  // Control: the STS client itself is bundled (so the search above looks at the right files).
  expect(all.some((c) => c.includes('AssumeRoleWithWebIdentityCommand'))).toBe(true);
});

test('if the SDK ever asks the stand-in for credentials, it fails, naming why, without looking anywhere', async () => {
  await expect(defaultProvider()()).rejects.toThrow(/always passes the credentials to sign with/);
});

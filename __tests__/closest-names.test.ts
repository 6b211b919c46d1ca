/** "Did you mean …" for a mistyped profile or target name (issue 15). */
import { boundedDistance, closestNames } from '../src/config/closestNames.js';
import { buildProfileMap, profileNotFoundDetail } from '../src/config/profiles.js';
import { parseConfigText } from '../src/config/configparser.js';

test('distance: insert, delete, substitute and a swap of neighbours each cost one; case is ignored', () => {
  expect(boundedDistance('deplyo', 'deploy', 3)).toBe(1);
  expect(boundedDistance('deploy', 'deploy-eu', 3)).toBe(3);
  expect(boundedDistance('Deploy', 'deploy', 3)).toBe(0);
  expect(boundedDistance('audit', 'adit', 3)).toBe(1);
  expect(boundedDistance('prod', 'prdo', 1)).toBe(1);
  // Beyond the limit: undefined, however far.
  expect(boundedDistance('deploy', 'deploy-eu-west', 3)).toBeUndefined();
  expect(boundedDistance('abcdef', 'uvwxyz', 3)).toBeUndefined();
});

test('closest names: only the best, at most three, in the candidates’ order; short names allow fewer edits', () => {
  expect(closestNames('audti-02', ['audit-01', 'audit-02', 'audit-03'])).toEqual(['audit-02']);
  expect(closestNames('stagign', ['prod', 'staging', 'stage'])).toEqual(['staging']);
  expect(closestNames('dev-x', ['dev-a', 'dev-b', 'dev-c', 'dev-d'])).toEqual(['dev-a', 'dev-b', 'dev-c']);
  // "nope" is three edits from "base": for a four-letter name that is no guess.
  expect(closestNames('nope', ['base'])).toEqual([]);
  expect(closestNames('nope', ['none'])).toEqual(['none']);
  expect(closestNames('x', [])).toEqual([]);
});

test('a long typed name against many long profile names stays cheap and correct (banded distance)', () => {
  const names = Array.from({ length: 5_000 }, (_, i) => `member-account-${String(i).padStart(6, '0')}-readonly`);
  expect(closestNames('member-account-001234-raedonly', names)).toEqual(['member-account-001234-readonly']);
  expect(closestNames('x'.repeat(5000), names)).toEqual([]);
});

test('ProfileNotFound keeps the AWS CLI’s words first, then the closest names, or all of few', () => {
  const map = (text: string) => buildProfileMap({ doc: parseConfigText(text, 'c'), path: 'c' });
  const some = map('[profile deploy]\nregion = x\n[profile deploy-eu]\nregion = x\n[profile audit]\nregion = x\n');
  expect(profileNotFoundDetail('deplyo', some)).toBe('The config profile (deplyo) could not be found (did you mean deploy?)');
  expect(profileNotFoundDetail('zzz', some)).toBe('The config profile (zzz) could not be found (the profiles are: deploy, deploy-eu, audit)');
  const many = map(Array.from({ length: 12 }, (_, i) => `[profile p${i}]\nregion = x\n`).join(''));
  expect(profileNotFoundDetail('unrelated-name', many)).toBe(
    'The config profile (unrelated-name) could not be found (none of the 12 profiles has a name close to it)',
  );
  expect(profileNotFoundDetail('a', map(''))).toBe('The config profile (a) could not be found (the files define no profile)');
});

/** The output defaults that follow the plan's target count: one owner, plan/outputChoices.ts (issue 15). */
import { nameTemplate, outputChoices, type OutputSettings } from '../src/plan/outputChoices.js';

const inputs = (fanOut = 0) => ({ kind: 'inputs' as const, hops: [], fanOutRoles: Array.from({ length: fanOut }, () => ({}) as never) });
const config = (...profiles: string[]) => ({ kind: 'config' as const, configFile: 'c', profiles });
const settings = (over: Partial<OutputSettings> = {}, profileOutput: Partial<OutputSettings['profileOutput']> = {}): OutputSettings => ({
  refresh: false,
  mode: inputs(),
  ...over,
  profileOutput: { overwrite: false, ...profileOutput },
});

test('one target, nothing typed: keys and region in the environment, no profile', () => {
  expect(outputChoices(settings(), 1)).toEqual({ writeProfiles: false, envCredentials: true, envRegion: true, exportAwsProfile: false });
});

test('several targets, or a fan-out asked for, write profiles; the first target stays in the environment', () => {
  const several = { writeProfiles: true, envCredentials: true, envRegion: true, exportAwsProfile: false };
  // A glob selecting 50 (known only from the plan), as several names do.
  expect(outputChoices(settings({ mode: config('audit-*') }), 50)).toEqual(several);
  expect(outputChoices(settings({ mode: config('a', 'b') }), 2)).toEqual(several);
  // A glob or a fan-out that resolves to one target is still a fan-out: written as before.
  expect(outputChoices(settings({ mode: config('audit-*') }), 1).writeProfiles).toBe(true);
  expect(outputChoices(settings({ mode: inputs(1) }), 1).writeProfiles).toBe(true);
  expect(outputChoices(settings({ mode: config('one') }), 1).writeProfiles).toBe(false);
});

test('refresh or aws-profile: AWS_PROFILE names the target, keys stay out of the environment, the region does not', () => {
  for (const s of [settings({ refresh: true }), settings({}, { awsProfile: 'p' })]) {
    expect(outputChoices(s, 1)).toEqual({ writeProfiles: true, envCredentials: false, envRegion: true, exportAwsProfile: true });
  }
});

test('typed values win over every default', () => {
  const typed = settings({ mode: config('audit-*'), outputEnvCredentials: false }, { write: false, exportAwsProfile: true });
  expect(outputChoices(typed, 9)).toEqual({ writeProfiles: false, envCredentials: false, envRegion: false, exportAwsProfile: true });
  expect(outputChoices(settings({ refresh: true, outputEnvCredentials: false }), 1).envRegion).toBe(true);
  expect(outputChoices(settings({ outputEnvCredentials: true }, { awsProfile: 'p' }), 1).envCredentials).toBe(true);
});

test('input-mode names: aws-profile names the one target, the template (or its default) several', () => {
  expect(nameTemplate(settings({}, { awsProfile: 'deploy' }), 1)).toEqual({ template: 'deploy', input: 'aws-profile' });
  expect(nameTemplate(settings({}, { awsProfile: 'deploy', nameTemplate: 'm-{index}' }), 3)).toEqual({ template: 'm-{index}', input: 'profile-name-template' });
  expect(nameTemplate(settings(), 2)).toEqual({ template: '{account}-{role}', input: 'profile-name-template' });
});

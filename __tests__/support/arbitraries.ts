/**
 * fast-check generators for the fuzz suite (__tests__/fuzz.test.ts).
 *
 *  - action inputs as the runner passes them (strings; no NUL and well-formed Unicode, as env vars carry
 *    them), from near-valid generators (valid values, then mutated) and hostile ones (control characters,
 *    line breaks, Unicode, very long strings);
 *  - AWS config / credentials texts: structured (profiles with role_arn / source_profile / credential_source /
 *    web_identity_token_file / keys / … in random combinations, cycles, self references, `[DEFAULT]`,
 *    `[profile x]` and `[x]`, continuation lines, comments, `:` delimiters, CRLF, BOM) and raw junk.
 *
 * Every generator comes at two levels (`gens('clean')`, `gens('noisy')`): a case drawn at one level, with a
 * mistake or two injected, reaches deep into the pipeline; a noisy case mostly fails early. Mixing both keeps
 * plans, chains and every kind of error in the sample.
 *
 * Generators only: the properties and their oracles live in the test.
 */
import fc from 'fast-check';

type Arb<T> = fc.Arbitrary<T>;
type Gen = fc.GeneratorValue;
export type Quality = 'clean' | 'noisy';

// ---------------------------------------------------------------------------------------------
// Small helpers

const pick = <T>(...values: T[]): Arb<T> => fc.constantFrom(...values);
const w = <T>(weight: number, arbitrary: Arb<T>) => ({ weight, arbitrary });

/** Strings over a fixed alphabet (code points, so astral characters stay whole). */
export function chars(alphabet: string, minLength: number, maxLength: number): Arb<string> {
  return fc.string({ unit: fc.constantFrom(...Array.from(alphabet)), minLength, maxLength });
}

const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = UPPER + LOWER + DIGITS;
/** STS RoleSessionName / role-name characters: [\w+=,.@-]. */
const NAME_CHARS = `${ALNUM}_+=,.@-`;
/** Characters STS accepts in tags ([\p{L}\p{Z}\p{N}_.:/=+\-@]), non-ASCII letters and spaces included. */
const TAG_CHARS = `${ALNUM}_.:/=+-@ é日ß\u00a0٣`;
const LINE_TAG_CHARS = `${ALNUM}_.:/=+-@é日ß٣`;

/** Characters that tend to break parsers, quoting, line handling or length accounting. */
export const ODD_CHARS = [
  '\t',
  '\n',
  '\r',
  '\r\n',
  '\v',
  '\f',
  '\x01',
  '\x1b',
  '\x1c',
  '\x7f',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u2028',
  '\u2029',
  '\u202e',
  '\ufeff',
  '\u3000',
  ' ',
  '"',
  "'",
  '`',
  '\\',
  '%',
  '$',
  '{',
  '}',
  '[',
  ']',
  '#',
  ';',
  '=',
  ':',
  ',',
  '/',
  '*',
  '?',
  '!',
  '&',
  '<',
  '>',
  '|',
  'é',
  'ß',
  'İ',
  '日',
  '\u{1D400}',
  '\u{1F600}',
  '\u0301',
];
const oddChar = fc.constantFrom(...ODD_CHARS);

/** Env values cannot hold NUL; everything else goes. */
const noNul = (s: string) => s.replace(/\0/g, '');

const longString: Arb<string> = fc
  .tuple(pick('a', '/', '9', ' ', 'é', '\u{1D400}', '=', ',', 'ab\n', '-'), fc.integer({ min: 65, max: 5000 }))
  .map(([c, n]) => c.repeat(n));

/** Anything a user (or someone editing a workflow) could type into an input. */
export const hostileString: Arb<string> = fc.oneof(
  w(4, fc.string({ unit: 'binary', maxLength: 30 }).map(noNul)),
  w(3, fc.string({ unit: fc.constantFrom(...ODD_CHARS, 'a', '1', ' '), maxLength: 20 })),
  w(
    2,
    pick(
      '',
      ' ',
      '\n',
      '\t',
      '""',
      "''",
      '${{ github.token }}',
      '%0A',
      '::error::x',
      'true\n',
      '\u{1D400}',
      'null',
      '-1',
      '0',
      '__proto__',
      'constructor',
      '\u202e',
    ),
  ),
  w(1, longString),
);

type Mutation = 'insert' | 'delete' | 'replace' | 'upper' | 'lower' | 'pad' | 'newline' | 'truncate' | 'repeat' | 'prefix';
const MUTATIONS: Mutation[] = ['insert', 'delete', 'replace', 'upper', 'lower', 'pad', 'newline', 'truncate', 'repeat', 'prefix'];

function applyMutation(s: string, n: number, m: Mutation, c: string): string {
  const cps = Array.from(s);
  const at = cps.length === 0 ? 0 : n % cps.length;
  switch (m) {
    case 'insert':
      cps.splice(n % (cps.length + 1), 0, c);
      return cps.join('');
    case 'delete':
      cps.splice(at, 1);
      return cps.join('');
    case 'replace':
      cps.splice(at, 1, c);
      return cps.join('');
    case 'upper':
      return s.toUpperCase();
    case 'lower':
      return s.toLowerCase();
    case 'pad':
      return `${c}${s}${c}`;
    case 'newline':
      return `${s}\n${c}junk`;
    case 'truncate':
      return cps.slice(0, at).join('');
    case 'repeat':
      return s + s;
    case 'prefix':
      return c + s;
  }
}

/** A valid value with one mutation (insert/delete/replace a character, case, padding, a line break, …). */
export function mutated(valid: Arb<string>): Arb<string> {
  return fc.tuple(valid, fc.nat(), pick(...MUTATIONS), oddChar).map(([s, n, m, c]) => applyMutation(s, n, m, c));
}

/** Mostly valid, sometimes mutated, now and then hostile. */
export function nearValid(valid: Arb<string>, weights: [number, number, number] = [6, 3, 1]): Arb<string> {
  return fc.oneof(w(weights[0], valid), w(weights[1], mutated(valid)), w(weights[2], hostileString));
}

// ---------------------------------------------------------------------------------------------
// AWS values that do not depend on the level

export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'];

export const REGIONS_BY_PARTITION: Readonly<Record<string, readonly string[]>> = {
  aws: ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'me-central-1', 'il-central-1'],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-west-1', 'us-gov-east-1'],
  'aws-iso': ['us-iso-east-1'],
  'aws-iso-b': ['us-isob-east-1'],
  'aws-iso-e': ['eu-isoe-west-1'],
  'aws-iso-f': ['us-isof-south-1'],
  'aws-eusc': ['eusc-de-east-1'],
};
const ALL_REGIONS = Object.values(REGIONS_BY_PARTITION).flat();

export function partitionOf(region: string): string {
  return Object.entries(REGIONS_BY_PARTITION).find(([, regions]) => regions.includes(region))?.[0] ?? 'aws';
}

/** A partition for ARNs given the region: usually the region's own, sometimes another or a bogus one. */
export function partitionArb(regionPartition: string, q: Quality): Arb<string> {
  if (q === 'clean') return fc.oneof(w(30, fc.constant(regionPartition)), w(1, pick(...PARTITIONS)));
  return fc.oneof(w(14, fc.constant(regionPartition)), w(2, pick(...PARTITIONS)), w(1, pick('aws-foo', 'AWS', 'aws-cn-x', '', 'aws ', 'awss')));
}

/** Secrets drawn so that they cannot collide with any other value (the leak checks look for them). */
const distinctAccessKeyId = chars(UPPER + DIGITS, 16, 16).map((s) => `AKIA${s}`);
const distinctSecretKey = chars(`${ALNUM}/+`, 30, 40).map((s) => `Sk${s}`);
const distinctSessionToken = chars(`${ALNUM}/+=`, 40, 200).map((s) => `IQoJ${s}`);

/** Inputs whose value is a secret (masked with ::add-mask::; must never appear in a message). */
export const SECRET_INPUTS = ['aws-secret-access-key', 'aws-session-token', 'mfa-totp-secret', 'mfa-token-code'] as const;

/** Names that exist in the fixed workspace config of the test, and globs over them. */
export const FIXED_PROFILE_NAMES = ['default', 'ci', 'web', 'deploy', 'keys', 'audit-1', 'audit-2', 'mfa', 'env', 'loop-a', 'loop-b', 'self'];

/** Globs, bracket ranges included (`[k-i]` is out of order). */
export const globArb: Arb<string> = fc.oneof(
  w(3, pick('*', '?', 'audit-*', 'a*', '*-?', '[a-c]*', '[!a]*', '[]', '[!]', '*[', 'loop-[ab]')),
  w(
    2,
    fc.tuple(chars(`${LOWER + DIGITS}\\!^`, 1, 1), chars(`${LOWER + DIGITS}\\`, 1, 1)).map(([a, b]) => `[${a}-${b}]*`),
  ),
);

/** Web identity token file that the properties make "exist" (relative to the workspace). */
export const EXISTING_TOKEN_FILE = 'token';

// ---------------------------------------------------------------------------------------------
// Generators at a level

export interface Gens {
  readonly region: Arb<string>;
  readonly accountId: Arb<string>;
  roleArn(partition: Arb<string>): Arb<string>;
  hopLine(partition: Arb<string>): Arb<string>;
  roleChainText(partition: Arb<string>, maxHops?: number): Arb<string>;
  readonly sessionName: Arb<string>;
  readonly externalId: Arb<string>;
  readonly duration: Arb<string>;
  readonly sourceIdentity: Arb<string>;
  readonly mfaSerial: Arb<string>;
  readonly policyArn: Arb<string>;
  readonly tagKey: Arb<string>;
  readonly tagValue: Arb<string>;
  readonly bool: Arb<string>;
  readonly trueText: Arb<string>;
  readonly int: Arb<string>;
  readonly customTags: Arb<string>;
  readonly totpSecret: Arb<string>;
  readonly mfaTokenCode: Arb<string>;
  readonly accessKeyId: Arb<string>;
  readonly secretAccessKey: Arb<string>;
  readonly sessionToken: Arb<string>;
  readonly inlinePolicy: Arb<string>;
  readonly stsEndpoint: Arb<string>;
  readonly accountIdList: Arb<string>;
  readonly policyArnList: Arb<string>;
  readonly tagKeyList: Arb<string>;
  readonly path: Arb<string>;
  readonly profileName: Arb<string>;
  readonly profileNameTemplate: Arb<string>;
  readonly profileSelector: Arb<string>;
  readonly configPath: Arb<string>;
  readonly useGithubOidc: Arb<string>;
  readonly audience: Arb<string>;
}

const cache = new Map<Quality, Gens>();

export function gens(q: Quality): Gens {
  const hit = cache.get(q);
  if (hit) return hit;
  const clean = q === 'clean';
  /** Clean: the valid generator as is. Noisy: mostly valid, sometimes mutated, now and then hostile. */
  const lv = (valid: Arb<string>, weights?: [number, number, number]) => (clean ? valid : nearValid(valid, weights));
  /** Edge or invalid values that a clean case still meets now and then. */
  const edge = <T>(valid: Arb<T>, edges: Arb<T>, edgeWeight = 1) => fc.oneof(w(clean ? 20 : 8, valid), w(edgeWeight, edges));

  const region = clean
    ? pick(...ALL_REGIONS)
    : fc.oneof(
        w(12, pick(...ALL_REGIONS)),
        w(2, mutated(pick(...ALL_REGIONS))),
        w(1, pick('US-EAST-1', 'us-east-1-', '-us-east-1', 'a', 'a'.repeat(63), 'a'.repeat(64), 'us east 1', 'us_east_1', '123', 'local')),
        w(1, hostileString),
      );

  const accountId = edge(chars(DIGITS, 12, 12), pick('12345678901', '1234567890123', 'aws', '', '12345678901a', '١٢٣٤٥٦٧٨٩٠١٢', '*'), clean ? 0 : 1);
  const roleName = edge(chars(NAME_CHARS, 1, 24), fc.oneof(chars(NAME_CHARS, 60, 64), chars(NAME_CHARS, 65, 70)));
  const rolePath = fc.oneof(
    w(8, fc.constant('')),
    w(
      2,
      chars(`${ALNUM}-_`, 1, 12).map((p) => `${p}/`),
    ),
    w(1, pick('/', 'a/b/', 'x//', '!~/', 'p/'.repeat(40))),
  );
  const roleArn = (partition: Arb<string>): Arb<string> => {
    const wellFormed = fc.tuple(partition, accountId, rolePath, roleName).map(([p, a, path, n]) => `arn:${p}:iam::${a}:role/${path}${n}`);
    if (clean) return wellFormed;
    const wrongShape = fc
      .tuple(partition, accountId, roleName, fc.nat(9))
      .map(
        ([p, a, n, k]) =>
          [
            `arn:${p}:iam::${a}:user/${n}`,
            `arn:${p}:sts::${a}:assumed-role/${n}/session`,
            `arn:${p}:iam:${a}:role/${n}`,
            n,
            `arn:${p}:iam::${a}:role/`,
            `arn::iam::${a}:role/${n}`,
            `ARN:${p.toUpperCase()}:IAM::${a}:ROLE/${n}`,
            `arn:${p}:iam::${a}:role/${n}/`,
            `arn:${p}:iam::${a}:role/${n}:extra`,
            `arn:${p}:iam::${a}:role/${n}#`,
          ][k]!,
      );
    const tooLong = fc.nat(2).map((k) => `arn:aws:iam::123456789012:role/${'p/'.repeat(1000 + k * 20)}name`);
    return fc.oneof(w(14, wellFormed), w(3, mutated(wellFormed)), w(2, wrongShape), w(1, tooLong), w(1, hostileString));
  };

  const sessionName = lv(edge(chars(NAME_CHARS, 2, 32), fc.oneof(chars(NAME_CHARS, 62, 66), chars(NAME_CHARS, 1, 1))));
  const externalId = lv(
    edge(
      chars(`${ALNUM}_+=,.@:/-`, 2, 40),
      fc.oneof(
        fc.integer({ min: 1222, max: 1226 }).map((n) => 'e'.repeat(n)),
        chars(ALNUM, 1, 1),
      ),
    ),
  );
  const duration = clean
    ? edge(pick('900', '1800', '3600', '3600', '900'), pick('3601', '7200', '43200', '43201', '899'), 2)
    : fc.oneof(
        w(6, pick('900', '3600', '3601', '43200', '43201', '899', '7200', '1800')),
        w(3, fc.integer({ min: 0, max: 50000 }).map(String)),
        w(2, pick('0', '-1', '0900', '900.0', '+900', '1e3', '99999999999999999999', '٩٠٠', '9_00', '0x384', ' 900', 'NaN', 'Infinity')),
        w(1, hostileString),
      );
  const sourceIdentity = lv(
    edge(
      chars(NAME_CHARS, 2, 30),
      fc.oneof(
        chars(NAME_CHARS, 1, 10).map((s) => `aws:${s}`),
        chars(NAME_CHARS, 63, 66),
      ),
    ),
  );
  const mfaSerial = lv(
    edge(
      fc.oneof(
        fc.tuple(chars(DIGITS, 12, 12), chars(`${ALNUM}_-`, 1, 20)).map(([a, n]) => `arn:aws:iam::${a}:mfa/${n}`),
        chars(UPPER + DIGITS, 9, 16),
      ),
      pick('short', 'GAHT1234', 'x'.repeat(257), 'arn:aws:iam::123456789012:mfa/with space'),
    ),
  );
  const policyArn = lv(
    edge(
      fc.oneof(
        pick('arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess'),
        fc.tuple(chars(DIGITS, 12, 12), chars(`${ALNUM}-_/`, 1, 20)).map(([a, n]) => `arn:aws:iam::${a}:policy/${n}`),
      ),
      pick('ReadOnlyAccess', 'arn:aws:iam::aws:role/x', 'arn:aws:iam::aws:policy/', 'arn:aws-cn:iam::aws:policy/P'),
    ),
  );
  const tagKey = lv(edge(chars(TAG_CHARS, 1, 16), fc.oneof(chars(TAG_CHARS, 127, 130), pick('GitHub', 'repository', 'BRANCH', 'Actor', 'aws:x'))), [6, 2, 1]);
  const tagValue = lv(edge(chars(TAG_CHARS, 0, 20), chars(TAG_CHARS, 255, 258)), [6, 2, 1]);
  /** role-chain values cannot hold spaces (they separate settings): clean lines use tags without them. */
  const lineTagKey = clean ? edge(chars(LINE_TAG_CHARS, 1, 16), fc.oneof(chars(LINE_TAG_CHARS, 127, 130), pick('GitHub', 'repository', 'aws:x'))) : tagKey;
  const lineTagValue = clean ? edge(chars(LINE_TAG_CHARS, 0, 20), chars(LINE_TAG_CHARS, 255, 258)) : tagValue;

  /** One `key=value` setting of a role-chain line, or several (many tags, many policy ARNs), or junk. */
  const setting = fc.oneof(
    w(
      3,
      sessionName.map((v) => [`session-name=${v}`]),
    ),
    w(
      3,
      duration.map((v) => [`duration=${v}`]),
    ),
    w(
      2,
      externalId.map((v) => [`external-id=${v}`]),
    ),
    w(
      3,
      fc.tuple(lineTagKey, lineTagValue, fc.boolean()).map(([k, v, t]) => (t ? [`tag:${k}=${v}`, `transitive-tag=${k}`] : [`tag:${k}=${v}`])),
    ),
    w(
      1,
      lineTagKey.map((k) => [`transitive-tag=${k}`]),
    ),
    w(1, clean ? fc.constant<string[]>(['tags=none']) : pick<string[]>(['tags=none'], ['tags=all'], ['tags=NONE'])),
    w(
      2,
      sourceIdentity.map((v) => [`source-identity=${v}`]),
    ),
    w(
      2,
      mfaSerial.map((v) => [`mfa-serial=${v}`]),
    ),
    w(
      2,
      policyArn.map((v) => [`policy-arn=${v}`]),
    ),
    w(
      1,
      fc.integer({ min: clean ? 2 : 8, max: clean ? 11 : 12 }).map((n) => Array.from({ length: n }, (_, i) => `policy-arn=arn:aws:iam::aws:policy/P${i}`)),
    ),
    w(
      1,
      fc.integer({ min: clean ? 10 : 40, max: clean ? 45 : 56 }).map((n) => Array.from({ length: n }, (_, i) => `tag:k${i}=v${i}`)),
    ),
    w(
      clean ? 0 : 2,
      pick(['foo'], ['=x'], ['x='], ['session-name='], ['DURATION=900'], ['tag:=v'], ['tag:k'], ['=='], ['duration=900=1'], ['external-id'], ['#comment']),
    ),
    w(
      clean ? 0 : 1,
      hostileString.map((v) => [v]),
    ),
  );
  const hopLine = (partition: Arb<string>): Arb<string> =>
    fc
      .tuple(roleArn(partition), fc.array(setting, { maxLength: clean ? 3 : 4 }), pick(' ', ' ', ' ', '\t', '   '))
      .map(([arn, settings, sep]) => [arn, ...settings.flat()].join(sep));
  /** A multi-line role-chain (or fan-out-roles) value: hops, blank lines, comments and junk, LF or CRLF. */
  const roleChainText = (partition: Arb<string>, maxHops = 4): Arb<string> => {
    const line = fc.oneof(
      w(10, hopLine(partition)),
      w(1, pick('', '   ', '# a comment', '#', '\t# indented comment')),
      w(
        1,
        hopLine(partition).map((l) => `  ${l}  `),
      ),
      w(clean ? 0 : 1, hostileString),
    );
    return fc
      .tuple(fc.array(line, { minLength: 1, maxLength: maxHops }), pick('\n', '\n', '\r\n'), pick('', '\n', '\n\n'))
      .map(([lines, eol, tail]) => lines.join(eol) + tail);
  };

  const bool = clean
    ? edge(pick('true', 'True', 'TRUE', 'false', 'False', 'FALSE'), pick('yes', 'on', '1'), 1)
    : fc.oneof(
        w(10, pick('true', 'True', 'TRUE', 'false', 'False', 'FALSE')),
        w(3, pick('yes', 'no', 'on', 'off', '1', '0', 'tRUE', ' true', 'true ', 'y', 'null', '~', 'ture', '"true"')),
        w(1, hostileString),
      );
  const trueText = fc.oneof(w(6, pick('true', 'True', 'TRUE')), w(clean ? 0 : 1, bool));
  const int = clean
    ? edge(fc.integer({ min: 1, max: 64 }).map(String), pick('0', '65', '100', '101', '300', '21600', '21601'))
    : fc.oneof(
        w(5, fc.integer({ min: 0, max: 100 }).map(String)),
        w(2, pick('0', '1', '5', '64', '65', '100', '101', '300', '21600', '21601', '-1', '1.5', '1e2', ' 8', '08', '99999999999999999999999')),
        w(1, hostileString),
      );

  const customTags = clean
    ? edge(
        fc.dictionary(tagKey, tagValue, { maxKeys: 5 }).map((d) => JSON.stringify(d)),
        pick('{"team":"a","TEAM":"b"}', '{"GitHub":"x"}', '{"n":1,"b":true}', '[]', 'null'),
        2,
      )
    : (() => {
        const scalar = fc.oneof(w(8, tagValue as Arb<unknown>), w(1, fc.integer()), w(1, fc.boolean()), w(1, fc.double()));
        const value = fc.oneof(w(12, scalar), w(1, pick<unknown>(null, [], {}, ['a'], { a: 'b' })));
        const asJson = fc.tuple(fc.dictionary(tagKey, value, { maxKeys: 6 }), pick(0, 0, 2)).map(([d, indent]) => JSON.stringify(d, null, indent));
        return fc.oneof(
          w(8, asJson),
          w(
            1,
            fc.integer({ min: 40, max: 46 }).map((n) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, 'v'])))),
          ),
          w(
            1,
            pick(
              '{"team":"a","TEAM":"b"}',
              '{"GitHub":"x"}',
              '{"repository":"x"}',
              '{"__proto__":"x"}',
              '{"constructor":"x"}',
              '{"a\\nb":"c"}',
              '{"a":"b\\r\\nc"}',
            ),
          ),
          w(1, pick('[]', 'null', '"x"', '1', 'true', '{', "{'a':'b'}", '{"a":"b",}', '{"a":}', '{"a":"b"} x', '\ufeff{}')),
          w(
            1,
            fc.integer({ min: 1, max: 3000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
          ),
          w(
            1,
            fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
          ),
          w(1, hostileString),
        );
      })();

  const totpSecret = fc.oneof(
    w(6, chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16, 32)),
    w(2, chars('abcdefghijklmnopqrstuvwxyz234567', 16, 32)),
    w(
      2,
      chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 8, 16).map((s) => `${s.slice(0, 4)} ${s.slice(4)}-==`),
    ),
    w(clean ? 0 : 2, pick('JBSWY3DPEHPK3PX0', '====', '-', ' - ', 'A', 'JBSWY3DP=EHPK3PXP', '0189', 'JBSWY3DPEHPK3PXP\n')),
    w(clean ? 0 : 1, hostileString),
  );
  const mfaTokenCode = fc.oneof(
    w(6, chars(DIGITS, 6, 6)),
    w(clean ? 0 : 2, fc.oneof(chars(DIGITS, 5, 5), chars(DIGITS, 7, 7), chars(`${DIGITS}a`, 6, 6))),
    w(clean ? 0 : 1, pick(' 123456 ', '١٢٣٤٥٦', '12345６', '123 456')),
    w(clean ? 0 : 1, hostileString),
  );
  const secretish = (distinct: Arb<string>, odd: Arb<string>) =>
    clean ? distinct : fc.oneof(w(8, distinct), w(1, odd), w(1, pick('', ' ')), w(1, hostileString));
  const accessKeyId = secretish(distinctAccessKeyId, fc.constant('AKIA'));
  const secretAccessKey = secretish(
    distinctSecretKey,
    chars(ALNUM, 20, 30).map((s) => ` Sk${s}\n`),
  );
  const sessionToken = secretish(
    distinctSessionToken,
    chars(ALNUM, 20, 30).map((s) => `IQoJ${s}\n more`),
  );

  const inlinePolicy = lv(
    edge(
      pick('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}', '{}'),
      fc.oneof(
        fc.integer({ min: 2030, max: 2060 }).map((n) => JSON.stringify({ Sid: 'x'.repeat(n - 10) })),
        pick('[]', 'null', '{', '{"a":"\u0100"}', '"x"'),
      ),
    ),
  );
  const stsEndpoint = lv(
    edge(
      pick('https://sts.us-east-1.amazonaws.com', 'http://127.0.0.1:9', 'https://sts.amazonaws.com.cn'),
      pick(
        'ftp://x',
        'not a url',
        'https://',
        'http://[::1',
        'file:///etc/passwd',
        'javascript:alert(1)',
        'HTTPS://STS.EXAMPLE',
        'http://a b',
        '//host',
        'sts.amazonaws.com',
      ),
    ),
  );
  const accountIdList = fc.tuple(fc.array(accountId, { maxLength: 4 }), pick(',', ', ', '\n', ' ,\n')).map(([ids, sep]) => ids.join(sep));
  const policyArnList = fc.oneof(
    w(
      4,
      fc.tuple(fc.array(policyArn, { maxLength: 4 }), pick(',', '\n', ', ')).map(([a, sep]) => a.join(sep)),
    ),
    w(
      1,
      fc.integer({ min: clean ? 5 : 9, max: 12 }).map((n) => Array.from({ length: n }, (_, i) => `arn:aws:iam::aws:policy/P${i}`).join('\n')),
    ),
  );
  const tagKeyList = fc.tuple(fc.array(tagKey, { maxLength: 4 }), pick(',', '\n')).map(([a, sep]) => a.join(sep));
  const path = lv(pick('token', '/tmp/aac-fuzz-no-such-file', 'relative/path', './x', '../x', '.', '~/.aws/credentials')).map((s) =>
    s.startsWith('/') && s !== '/tmp/aac-fuzz-no-such-file' ? `.${s}` : s,
  );
  const profileName = lv(edge(chars(`${LOWER + DIGITS}-_`, 1, 12), pick('default', 'x y', '__proto__', 'constructor', 'a:b', 'a'.repeat(129))));
  const profileNameTemplate = lv(
    edge(
      pick('{account}-{role}', '{index}', '{partition}-{account}', '{role}', '{account}{role}{index}', 'fixed'),
      pick('{bogus}', '{constructor}', '{__proto__}', '{toString}', '{}', '{ account }', 'x y', ''),
    ),
  );
  const profileSelector = fc.oneof(
    w(6, pick(...FIXED_PROFILE_NAMES)),
    w(
      2,
      fc.tuple(fc.array(pick(...FIXED_PROFILE_NAMES), { minLength: 2, maxLength: 3 }), pick(',', '\n', ', ')).map(([a, sep]) => a.join(sep)),
    ),
    w(1, pick('missing', 'profile ci', '', ' , ', '# ci')),
    w(1, globArb),
    w(clean ? 0 : 1, hostileString),
  );
  const configPath = fc.oneof(
    w(6, pick('config', './config', 'aws/config')),
    w(2, pick('missing/config', 'junk.ini', 'dir', '.', 'credentials', 'empty')),
    w(
      clean ? 0 : 1,
      hostileString.map((s) => (s.startsWith('/') ? `.${s}` : s)),
    ),
  );
  const useGithubOidc = clean
    ? pick('auto', 'true', 'false')
    : fc.oneof(w(4, pick('auto', 'true', 'false')), w(1, pick('always', 'never', 'True', 'yes', '', 'AUTO')), w(1, hostileString));
  const audience = clean
    ? pick('sts.amazonaws.com', 'sts.amazonaws.com.cn', 'my-aud')
    : fc.oneof(w(4, pick('sts.amazonaws.com', 'my-aud')), w(1, hostileString));

  const made: Gens = {
    region,
    accountId,
    roleArn,
    hopLine,
    roleChainText,
    sessionName,
    externalId,
    duration,
    sourceIdentity,
    mfaSerial,
    policyArn,
    tagKey,
    tagValue,
    bool,
    trueText,
    int,
    customTags,
    totpSecret,
    mfaTokenCode,
    accessKeyId,
    secretAccessKey,
    sessionToken,
    inlinePolicy,
    stsEndpoint,
    accountIdList,
    policyArnList,
    tagKeyList,
    path,
    profileName,
    profileNameTemplate,
    profileSelector,
    configPath,
    useGithubOidc,
    audience,
  };
  cache.set(q, made);
  return made;
}

/** The generator for each input of action.yml (the test checks every declared input has one). */
export function inputValueArb(name: string, partition: Arb<string>, q: Quality = 'noisy'): Arb<string> {
  const G = gens(q);
  switch (name) {
    case 'aws-region':
      return G.region;
    case 'role-to-assume':
      return fc.oneof(w(6, G.roleArn(partition)), w(1, G.hopLine(partition)));
    case 'role-chain':
    case 'fan-out-roles':
      return G.roleChainText(partition);
    case 'role-session-name':
      return G.sessionName;
    case 'role-duration-seconds':
      return G.duration;
    case 'role-external-id':
      return G.externalId;
    case 'audience':
      return G.audience;
    case 'aws-access-key-id':
      return G.accessKeyId;
    case 'aws-secret-access-key':
      return G.secretAccessKey;
    case 'aws-session-token':
      return G.sessionToken;
    case 'web-identity-token-file':
    case 'profiles-credentials-file':
    case 'profiles-config-file':
      return G.path;
    case 'mfa-serial':
      return G.mfaSerial;
    case 'mfa-token-code':
      return G.mfaTokenCode;
    case 'mfa-totp-secret':
      return G.totpSecret;
    case 'source-identity':
      return G.sourceIdentity;
    case 'custom-tags':
      return G.customTags;
    case 'transitive-tag-keys':
      return G.tagKeyList;
    case 'inline-session-policy':
      return G.inlinePolicy;
    case 'managed-session-policies':
      return G.policyArnList;
    case 'sts-endpoint':
      return G.stsEndpoint;
    case 'http-proxy':
      // Proxy URLs, with and without a user and password, plus things that are not URLs at all.
      return fc.oneof(
        fc.constantFrom(
          'http://proxy.internal:3128',
          'https://proxy.internal:8443',
          'http://user:p%40ss@proxy.internal:3128',
          'socks5://proxy:1080',
          'proxy:3128',
          '',
        ),
        G.stsEndpoint,
      );
    case 'no-proxy':
      return fc.constantFrom('', '*', '.internal,169.254.169.254', 'localhost:8080');
    case 'allowed-sts-endpoints':
      // Host names, wildcards and URLs (accepted), and entries that are not hosts (an InputError).
      return fc.constantFrom('', 'sts.corp.example', '*.corp.example, sts.other.example', 'https://sts.corp.example:8443/', 'not a host', 'a/b');
    case 'config-file':
    case 'credentials-file':
      return G.configPath;
    case 'profile':
      return G.profileSelector;
    case 'use-github-oidc':
      return G.useGithubOidc;
    case 'profile-name-template':
      return G.profileNameTemplate;
    case 'aws-profile':
    case 'env-profile':
      return G.profileName;
    case 'max-concurrency':
    case 'retry-max-attempts':
    case 'action-timeout-s':
      return G.int;
    case 'allowed-account-ids':
      return G.accountIdList;
    case 'role-chaining':
    case 'force-skip-oidc':
    case 'role-skip-session-tagging':
    case 'dry-run':
    case 'fail-on-target-error':
    case 'write-profiles':
    case 'overwrite-profiles':
    case 'overwrite-aws-profile':
    case 'export-aws-profile':
    case 'output-credentials':
    case 'output-env-credentials':
    case 'unset-current-credentials':
    case 'mask-aws-account-id':
    case 'disable-retry':
    case 'cleanup':
    case 'job-summary':
    case 'refresh':
    case 'special-characters-workaround':
    case 'use-existing-credentials':
      return G.bool;
    default:
      throw new Error(`arbitraries: no generator for input "${name}"`);
  }
}

// ---------------------------------------------------------------------------------------------
// Whole input sets

/** GitHub context variables as the harness sets them (the default session name and tags come from them). */
export const HARNESS_GITHUB_ENV: Readonly<Record<string, string>> = {
  GITHUB_REPOSITORY: 'octo-org/octo-repo',
  GITHUB_WORKFLOW: 'harness',
  GITHUB_ACTION: 'assume',
  GITHUB_ACTOR: 'octocat',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_RUN_ID: '4242424242',
  GITHUB_RUN_ATTEMPT: '1',
};

const longUnicodeName: Arb<string> = fc
  .tuple(pick('', 'a'), pick('a', 'é', '\u{1D400}', '\u{1F600}', ' ', '日', 'Deploy (prod) '), fc.integer({ min: 100, max: 300 }))
  .map(([prefix, fill, n]) => prefix + fill.repeat(n));

/** GitHub context: the harness's, or workflow / actor / ref names with Unicode, long ones and junk. */
export const githubEnvArb: Arb<Record<string, string>> = fc.oneof(
  w(8, fc.constant(HARNESS_GITHUB_ENV)),
  w(
    2,
    fc.record(
      {
        GITHUB_REPOSITORY: nearValid(pick('octo-org/octo-repo', 'o/r')),
        GITHUB_WORKFLOW: fc.oneof(longUnicodeName, hostileString, pick('Deploy (prod)', '.github/workflows/ci.yml')),
        GITHUB_ACTION: fc.oneof(pick('__self', 'run1', '__aws-actions_configure'), hostileString),
        GITHUB_ACTOR: fc.oneof(pick('octocat', 'dependabot[bot]'), longUnicodeName, hostileString),
        GITHUB_SHA: fc.oneof(chars('0123456789abcdef', 40, 40), hostileString),
        GITHUB_REF: fc.oneof(
          pick('refs/heads/main', 'refs/pull/1/merge', 'refs/tags/v1.0'),
          longUnicodeName.map((s) => `refs/heads/${s}`),
          hostileString,
        ),
        GITHUB_RUN_ID: fc.oneof(chars(DIGITS, 1, 20), hostileString),
        GITHUB_RUN_ATTEMPT: fc.oneof(chars(DIGITS, 1, 3), hostileString),
      },
      { requiredKeys: [] },
    ),
  ),
);

export interface InputSet {
  /** By input name; only the inputs the workflow sets (the runner adds action.yml defaults). */
  readonly inputs: Record<string, string>;
  /** Whether the job can mint a GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_* set). */
  readonly canMintOidc: boolean;
  /** Whether unset inputs get action.yml's defaults (the runner always does; a wrapper might not). */
  readonly withDefaults: boolean;
  readonly github: Readonly<Record<string, string>>;
  /** AWS_REGION / AWS_DEFAULT_REGION of the job (used when aws-region is empty). */
  readonly awsEnv: Readonly<Record<string, string>>;
  readonly quality: Quality;
}

type Source = 'keys' | 'keys+token' | 'oidc' | 'token-file' | 'role-chaining' | 'none' | 'config';

const HOP_INPUTS = [
  'role-session-name',
  'role-duration-seconds',
  'role-external-id',
  'custom-tags',
  'transitive-tag-keys',
  'source-identity',
  'mfa-serial',
  'managed-session-policies',
  'inline-session-policy',
  'role-skip-session-tagging',
];

/**
 * A workflow step: a source, a region, a chain (role-to-assume or role-chain, maybe fan-out), a few hop-wide
 * inputs, all at one level (clean or noisy); then up to three inputs set to noisy values and up to two to
 * hostile ones.
 */
export function inputSetArb(inputNames: readonly string[]): Arb<InputSet> {
  return fc.gen().map((g): InputSet => {
    const quality = g(() => pick<Quality>('clean', 'clean', 'noisy'));
    const G = gens(quality);
    const inputs: Record<string, string> = {};
    const region = g(() => G.region);
    const partition = partitionArb(partitionOf(region), quality);
    if (g(fc.nat, 9) > 0) inputs['aws-region'] = region;

    const source = g(() => pick<Source>('keys', 'keys', 'keys+token', 'oidc', 'oidc', 'token-file', 'role-chaining', 'none', 'config'));
    let canMintOidc = g(fc.nat, 3) === 0;
    switch (source) {
      case 'keys':
      case 'keys+token':
        inputs['aws-access-key-id'] = g(() => G.accessKeyId);
        inputs['aws-secret-access-key'] = g(() => G.secretAccessKey);
        if (source === 'keys+token') inputs['aws-session-token'] = g(() => G.sessionToken);
        break;
      case 'oidc':
        canMintOidc = true;
        break;
      case 'token-file':
        inputs['web-identity-token-file'] = g(() => G.path);
        break;
      case 'role-chaining':
        inputs['role-chaining'] = g(() => G.trueText);
        break;
      case 'none':
      case 'config':
        break;
    }

    if (source === 'config') {
      inputs['config-file'] = g(() => G.configPath);
      inputs['profile'] = g(() => G.profileSelector);
      if (g(fc.nat, 3) === 0) inputs['credentials-file'] = g(() => pick('credentials', 'missing', 'junk.ini'));
      if (g(fc.nat, 2) === 0) delete inputs['aws-region'];
    } else {
      const form = g(() => pick('role-to-assume', 'role-chain', 'role-chain', 'none'));
      if (form === 'role-to-assume') inputs['role-to-assume'] = g(() => inputValueArb('role-to-assume', partition, quality));
      if (form === 'role-chain') inputs['role-chain'] = g(() => G.roleChainText(partition));
      if (g(fc.nat, form === 'none' ? 30 : 5) === 0) inputs['fan-out-roles'] = g(() => G.roleChainText(partition, 3));
      if (inputs['fan-out-roles'] !== undefined && g(fc.boolean)) inputs['profile-name-template'] = g(() => G.profileNameTemplate);
    }

    for (const name of g(fc.subarray, HOP_INPUTS, { maxLength: 4 })) inputs[name] = g(() => inputValueArb(name, partition, quality));
    if (inputs['mfa-serial'] !== undefined || (inputs['role-chain'] ?? '').includes('mfa-serial=') || g(fc.nat, 5) === 0) {
      const which = g(() =>
        pick('mfa-token-code', 'mfa-totp-secret', 'mfa-token-code', 'mfa-totp-secret', 'mfa-token-code', 'mfa-totp-secret', 'both', 'neither'),
      );
      if (which !== 'mfa-totp-secret' && which !== 'neither') inputs['mfa-token-code'] = g(() => G.mfaTokenCode);
      if (which !== 'mfa-token-code' && which !== 'neither') inputs['mfa-totp-secret'] = g(() => G.totpSecret);
    }

    const extra = g(() => pick(0, 0, 1, 1, 2, 3));
    for (let i = 0; i < extra; i++) {
      const name = g(() => pick(...inputNames));
      inputs[name] = g(() => inputValueArb(name, partition, g(fc.nat, 3) > 0 ? 'clean' : 'noisy'));
    }
    const hostile = g(() => pick(0, 0, 0, 0, 1, 1, 2));
    for (let i = 0; i < hostile; i++) {
      const name = g(() => pick(...inputNames));
      inputs[name] = g(() => hostileString);
    }

    const awsEnv: Record<string, string> = {};
    for (const name of g(fc.subarray, ['AWS_REGION', 'AWS_DEFAULT_REGION'])) awsEnv[name] = g(() => fc.oneof(w(6, G.region), w(1, gens('noisy').region)));
    return Object.freeze({ inputs, canMintOidc, withDefaults: g(fc.nat, 9) > 0, github: g(() => githubEnvArb), awsEnv, quality });
  });
}

// ---------------------------------------------------------------------------------------------
// AWS config / credentials files

export interface ConfigText {
  readonly text: string;
  /** Profile names the generator used (a section may still fail to define one). */
  readonly names: readonly string[];
  /** Secret values written to the file (each piece of a multi-line one too). */
  readonly secrets: readonly string[];
}

const configProfileNameArb: Arb<string> = fc.oneof(
  w(8, pick('default', 'ci', 'base', 'app', 'a', 'b', 'c', 'deploy', 'audit-1', 'audit-2')),
  w(2, chars(`${LOWER + DIGITS}-_.`, 1, 10)),
  w(1, pick('x y', '"q"', "it's", '__proto__', 'constructor', 'toString', 'DEFAULT', 'profile', '日本', 'a]b', 'a\\b', '')),
);

type Shape = 'role-source' | 'role-credsrc' | 'web-identity' | 'keys' | 'keys-partial' | 'process' | 'sso' | 'login' | 'empty' | 'random';

const ALL_KEYS = [
  'role_arn',
  'source_profile',
  'credential_source',
  'web_identity_token_file',
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'aws_security_token',
  'external_id',
  'role_session_name',
  'duration_seconds',
  'mfa_serial',
  'region',
  'endpoint_url',
  'credential_process',
  'sso_session',
  'sso_role_name',
  'sso_account_id',
  'sso_start_url',
  'sso_region',
  'login_session',
  'services',
  'ignore_configured_endpoint_urls',
  'output',
];

const SECRET_KEYS = new Set(['aws_secret_access_key', 'aws_session_token', 'aws_security_token']);

const noBreaks = (s: string) => s.replace(/[\r\n]/g, '');

/** A value for `key` in a profile; `secrets` collects what must never be printed. */
function configValue(g: Gen, q: Quality, key: string, pool: readonly string[], self: string, secrets: string[]): string {
  const G = gens(q);
  const clean = q === 'clean';
  switch (key) {
    case 'role_arn':
      return noBreaks(g(() => G.roleArn(partitionArb('aws', q))));
    case 'source_profile':
      return g(() => fc.oneof(w(8, pick(...pool)), w(1, fc.constant(self)), w(clean ? 0 : 1, pick('missing', '', 'x y'))));
    case 'credential_source':
      return g(() =>
        clean
          ? pick('Environment', 'Ec2InstanceMetadata', 'EcsContainer')
          : pick('Environment', 'Ec2InstanceMetadata', 'EcsContainer', 'environment', 'Bogus', '', 'constructor'),
      );
    case 'web_identity_token_file':
      return g(() => pick(EXISTING_TOKEN_FILE, EXISTING_TOKEN_FILE, '/tmp/aac-fuzz-no-such-token', ...(clean ? [] : ['', 'relative/missing'])));
    case 'aws_access_key_id':
      return g(() => fc.oneof(w(6, distinctAccessKeyId), w(clean ? 0 : 1, pick('', 'x'))));
    case 'aws_secret_access_key':
    case 'aws_session_token':
    case 'aws_security_token': {
      const value = g(() =>
        fc.oneof(
          w(
            8,
            chars(`${ALNUM}/+`, 24, 40).map((s) => `Zs${s}`),
          ),
          w(clean ? 0 : 1, fc.constant('')),
        ),
      );
      if (value !== '') secrets.push(value);
      return value;
    }
    case 'external_id':
      return noBreaks(g(() => G.externalId));
    case 'role_session_name':
      return noBreaks(g(() => fc.oneof(w(6, G.sessionName), w(1, fc.constant('')))));
    case 'duration_seconds':
      return g(() =>
        clean
          ? fc.oneof(w(8, pick('900', '3600', '1800', '9_00', '+3600')), w(1, pick('3601', '7200', '43200', '899')))
          : fc.oneof(
              w(6, pick('900', '3600', '3601', '7200', '43200', '43201', '899', '1800')),
              w(2, pick('9_00', '+3600', '-1', ' 1_800 ', '0x10', '3600.0', '', 'one hour', '1__0', '٣٦٠٠', '99999999999999999999999')),
              w(1, hostileString.map(noBreaks)),
            ),
      );
    case 'mfa_serial':
      return noBreaks(g(() => G.mfaSerial));
    case 'region':
      return noBreaks(g(() => (clean ? G.region : fc.oneof(w(6, G.region), w(1, pick('', 'us-east-1 ', 'US-EAST-1', '123', 'a-', 'a'.repeat(64)))))));
    case 'endpoint_url':
      return g(() => pick('https://sts.example.com', 'http://127.0.0.1:9', ...(clean ? [] : ['', 'not a url'])));
    case 'credential_process':
      return g(() => pick('/bin/echo {}', 'aws-vault export --format=json x', ...(clean ? [] : ['', '   '])));
    case 'sso_session':
    case 'services':
      return g(() => pick(...pool, 'missing'));
    case 'ignore_configured_endpoint_urls':
      return g(() => pick('true', 'false', 'TRUE'));
    default:
      return g(() => fc.oneof(w(4, chars(`${ALNUM}-_:/`, 1, 20)), w(1, fc.constant(''))));
  }
}

/** `key = value` in one of configparser's spellings, sometimes with continuation lines. */
function keyLine(g: Gen, q: Quality, key: string, value: string): string[] {
  const form = g(() =>
    fc.oneof(
      w(12, pick('eq', 'eq', 'tight', 'colon', 'upper', 'tabs')),
      w(q === 'clean' ? 1 : 3, pick('inline', 'continued', 'indented')),
      w(q === 'clean' ? 0 : 1, fc.constant('nested-start')),
    ),
  );
  switch (form) {
    case 'eq':
      return [`${key} = ${value}`];
    case 'tight':
      return [`${key}=${value}`];
    case 'colon':
      return [`${key} : ${value}`];
    case 'upper':
      return [`${key.toUpperCase()} = ${value}`];
    case 'tabs':
      return [`${key}\t=\t${value}`];
    case 'inline':
      return [`${key} = ${value} ; not a comment`];
    case 'continued':
      return [`${key} = ${value}`, `    ${g(() => pick('more', 'k = v', '', '# x'))}`];
    case 'nested-start':
      // botocore's nested form: the value starts on the next, indented line.
      return [`${key} =`, `    ${value}`];
    default:
      return [`  ${key} = ${value}`];
  }
}

function headerLine(g: Gen, q: Quality, name: string, file: 'config' | 'credentials'): string {
  const odd = q === 'clean' ? 0 : 1;
  if (file === 'credentials') {
    return g(() => fc.oneof(w(10, fc.constant(`[${name}]`)), w(odd, pick(`[profile ${name}]`, `[ ${name}]`, `[${name}`, '[DEFAULT]'))));
  }
  if (name === 'default' && g(fc.boolean)) return '[default]';
  return g(() =>
    fc.oneof(
      w(16, fc.constant(`[profile ${name}]`)),
      w(1, fc.constant(`[${name}]`)),
      w(1, pick(`[profile "${name}"]`, `[profile  ${name}]`, `[profile ${name} extra]`)),
      w(
        odd,
        pick(`[ profile ${name}]`, `[profile${name}]`, `[profile ${name}`, `[profile '${name}]`, '[DEFAULT]', `[sso-session ${name}]`, `[services ${name}]`),
      ),
    ),
  );
}

function profileKeys(g: Gen, shape: Shape): string[] {
  switch (shape) {
    case 'role-source':
      return ['role_arn', 'source_profile'];
    case 'role-credsrc':
      return ['role_arn', 'credential_source'];
    case 'web-identity':
      return g(fc.boolean) ? ['web_identity_token_file', 'role_arn'] : ['role_arn', 'web_identity_token_file'];
    case 'keys':
      return ['aws_access_key_id', 'aws_secret_access_key', ...(g(fc.boolean) ? ['aws_session_token'] : [])];
    case 'keys-partial':
      return [g(() => pick('aws_access_key_id', 'aws_secret_access_key'))];
    case 'process':
      return ['credential_process'];
    case 'sso':
      return g(fc.subarray, ['sso_session', 'sso_role_name', 'sso_account_id', 'sso_start_url', 'sso_region'], { minLength: 1 });
    case 'login':
      return ['login_session'];
    case 'empty':
      return [];
    case 'random':
      return g(fc.subarray, ALL_KEYS, { maxLength: 6 });
  }
}

function lineEnding(g: Gen): string {
  return g(() => fc.oneof(w(10, fc.constant('\n')), w(2, fc.constant('\r\n')), w(1, fc.constant('\r'))));
}

/** A structured config (or credentials) file: one section per name of a small pool, in random order. */
function buildStructuredConfig(g: Gen, file: 'config' | 'credentials', q: Quality): ConfigText {
  const noisy = q === 'noisy';
  const pool: string[] = g(() => fc.uniqueArray(configProfileNameArb, { minLength: 1, maxLength: 5 }));
  const order: string[] = g(() => fc.shuffledSubarray(pool, { minLength: 1 }));
  if (g(fc.nat, noisy ? 12 : 60) === 0) order.push(g(() => pick(...pool))); // a duplicate section
  // Now and then one mistake configparser refuses: a duplicate key in one section.
  const duplicateKeyIn = g(fc.nat, noisy ? 12 : 60) === 0 ? g(fc.nat, order.length - 1) : -1;
  const secrets: string[] = [];
  const lines: string[] = [];
  if (g(fc.nat, 4) === 0) lines.push(g(() => pick('# AWS config', '; generated', '')));
  if (file === 'config' && g(fc.nat, 8) === 0)
    lines.push(
      '[DEFAULT]',
      g(() => pick('region = us-east-1', 'output = json', 'duration_seconds = 900')),
    );
  for (const [index, name] of order.entries()) {
    lines.push(headerLine(g, q, name, file));
    const shape: Shape =
      file === 'credentials'
        ? g(() => pick<Shape>('keys', 'keys', 'keys', 'keys-partial', 'empty', ...(noisy ? ['random' as const] : [])))
        : g(() =>
            pick<Shape>(
              'role-source',
              'role-source',
              'role-source',
              'role-source',
              'role-credsrc',
              'web-identity',
              'web-identity',
              'keys',
              'keys',
              'process',
              'keys-partial',
              'sso',
              'login',
              'empty',
              ...(noisy ? ['random' as const] : []),
            ),
          );
    const keys = [...profileKeys(g, shape)];
    for (const extra of g(fc.subarray, ['external_id', 'role_session_name', 'duration_seconds', 'mfa_serial', 'region', 'region', 'endpoint_url', 'services'], {
      maxLength: 3,
    })) {
      if (!keys.includes(extra)) keys.push(extra);
    }
    if (index === duplicateKeyIn && keys.length > 0) keys.push(keys[0]!);
    for (const key of keys) {
      if (g(fc.nat, 10) === 0) lines.push(g(() => pick('# comment', '; comment', '', '   ')));
      const value = configValue(g, q, key, pool, name, secrets);
      const written = keyLine(g, q, key, value);
      if (SECRET_KEYS.has(key) && value !== '' && written.length > 1) {
        // A secret on a continuation line is still a secret.
        for (const piece of written.slice(1)) if (piece.trim().length >= 8) secrets.push(piece.trim());
      }
      lines.push(...written);
    }
    if (g(fc.nat, 6) === 0) lines.push('');
  }
  if (file === 'config' && g(fc.nat, 4) === 0) {
    lines.push(`[services ${g(() => pick(...pool))}]`, 'sts =', `  endpoint_url = ${g(() => pick('https://sts.example.com', 'http://127.0.0.1:9', ''))}`);
  }
  if (file === 'config' && g(fc.nat, 5) === 0) {
    lines.push(`[sso-session ${g(() => pick(...pool))}]`, 'sso_region = us-east-1', 'sso_start_url = https://example.awsapps.com/start');
  }
  const eol = lineEnding(g);
  const mixed = noisy && g(fc.nat, 8) === 0;
  let text = lines.map((l, i) => (i === 0 ? l : (mixed ? lineEnding(g) : eol) + l)).join('');
  if (g(fc.nat, 3) > 0) text += eol;
  if (g(fc.nat, 12) === 0) text = `\ufeff${text}`;
  return { text, names: pool, secrets };
}

export function structuredConfigArb(file: 'config' | 'credentials' = 'config', q?: Quality): Arb<ConfigText> {
  return fc.gen().map((g) => Object.freeze(buildStructuredConfig(g, file, q ?? g(() => pick<Quality>('clean', 'clean', 'noisy')))));
}

const junkLineArb: Arb<string> = fc.oneof(
  w(
    4,
    pick(
      '[',
      ']',
      '[x',
      'x]',
      '[]',
      '[[a]]',
      '=',
      ':',
      'a',
      'a=b',
      ' a=b',
      '\t',
      '#',
      ';',
      '[DEFAULT]',
      '[default]',
      '[profile a]',
      'role_arn=',
      'source_profile = a',
      '\u0085',
      '\u2028',
      '\v',
      '\f',
      '\ufeff',
      ' = x',
      '[profile a] x',
      'key = \\',
    ),
  ),
  w(2, fc.string({ unit: fc.constantFrom(...ODD_CHARS, 'a', '=', '[', ']', ' ', ':'), maxLength: 12 })),
  w(1, fc.string({ unit: 'binary', maxLength: 40 })),
);

/** Junk: random characters, random bytes read as UTF-8 (as the action reads files), random lines, or a structured file with a few random edits. */
export const junkConfigArb: Arb<ConfigText> = fc.oneof(
  w(
    2,
    fc.string({ unit: 'binary', maxLength: 300 }).map((text) => ({ text, names: [], secrets: [] })),
  ),
  w(
    1,
    fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ text: Buffer.from(bytes).toString('utf8'), names: [], secrets: [] })),
  ),
  w(
    3,
    fc.tuple(fc.array(junkLineArb, { maxLength: 20 }), pick('\n', '\r\n', '\r')).map(([l, eol]) => ({ text: l.join(eol), names: [], secrets: [] })),
  ),
  w(
    3,
    fc.gen().map((g): ConfigText => {
      const cfg = buildStructuredConfig(g, 'config', 'clean');
      const edits = g(() => fc.array(fc.tuple(fc.nat(), pick<Mutation>('insert', 'delete', 'replace'), oddChar), { minLength: 1, maxLength: 4 }));
      // An edit may cut a secret; the cut pieces are not looked for.
      return Object.freeze({ text: edits.reduce((t, [n, m, c]) => applyMutation(t, n, m, c), cfg.text), names: cfg.names, secrets: cfg.secrets });
    }),
  ),
);

export const configTextArb: Arb<ConfigText> = fc.oneof(w(6, structuredConfigArb()), w(1, junkConfigArb));
export const credentialsTextArb: Arb<ConfigText> = fc.oneof(w(6, structuredConfigArb('credentials')), w(1, junkConfigArb));

/** Session names resolveProfileChain gets as its default (from role-session-name or the run id). */
export const defaultSessionNameArb: Arb<string> = fc.oneof(w(8, pick('GitHubActions-4242424242-1', 'GitHubActions')), w(2, gens('noisy').sessionName));

/**
 * The config/credentials reader must read files the way botocore does (Python configparser +
 * botocore's section naming), including every row of profile-semantics.md §2.5 where the `ini`
 * package reads the same file differently.
 */
import { parseConfigText, type IniDocument } from '../src/config/configparser.js';
import { shlexSplit } from '../src/config/python.js';
import { buildProfileMap, type ProfileMap } from '../src/config/profiles.js';
import { ConfigError } from '../src/base/errors.js';

const PATH = '/home/runner/.aws/config';

function parse(...lines: string[]): IniDocument {
  return parseConfigText(`${lines.join('\n')}\n`, PATH);
}

/** The values of one section as a plain object. */
function section(doc: IniDocument, name: string): Record<string, string> {
  const found = doc.sections.find((s) => s.name === name);
  if (!found) throw new Error(`no section [${name}] in ${doc.sections.map((s) => s.name).join(', ')}`);
  return Object.fromEntries([...found.values].map(([key, value]) => [key, value.text]));
}

function parseFailure(text: string): ConfigError {
  try {
    parseConfigText(text, PATH);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigParseError');
}

function profilesOf(configLines: string[], credentialLines?: string[]): ProfileMap {
  const config = { doc: parseConfigText(configLines.join('\n'), PATH), path: PATH };
  const credentials = credentialLines === undefined ? undefined : { doc: parseConfigText(credentialLines.join('\n'), '/creds'), path: '/creds' };
  return buildProfileMap(config, credentials);
}

function settingsOf(map: ProfileMap, name: string): Record<string, string> {
  const profile = map.profiles.get(name);
  if (!profile) throw new Error(`no profile ${name}; have ${[...map.profiles.keys()].join(', ')}`);
  return Object.fromEntries([...profile.settings].map(([key, setting]) => [key, setting.value]));
}

describe('parseConfigText: the §2.5 table (where `ini` disagrees with botocore)', () => {
  test('a ";" inside a value is part of it (credential_process with two commands)', () => {
    const doc = parse('[profile p]', 'credential_process = sh -c "echo a; echo b"');
    expect(section(doc, 'profile p').credential_process).toBe('sh -c "echo a; echo b"');
  });

  test('a "#" inside a value is part of it', () => {
    expect(section(parse('[profile p]', 'external_id = abc#def'), 'profile p').external_id).toBe('abc#def');
  });

  test('a trailing "# comment" is part of the value', () => {
    const doc = parse('[profile p]', 'region=us-east-1 # trailing comment');
    expect(section(doc, 'profile p').region).toBe('us-east-1 # trailing comment');
  });

  test('true / null stay strings', () => {
    const doc = parse('[profile p]', 'role_session_name = true', 'mfa_serial = null');
    expect(section(doc, 'profile p')).toEqual({ role_session_name: 'true', mfa_serial: 'null' });
  });

  test('quotes are kept, and ";" inside them too', () => {
    expect(section(parse('[profile p]', 'output = "quoted ; value"'), 'profile p').output).toBe('"quoted ; value"');
  });

  test('[profile a.b] is the profile "a.b" (no dotted nesting)', () => {
    const map = profilesOf(['[profile a.b]', 'region = eu-west-1']);
    expect(settingsOf(map, 'a.b')).toEqual({ region: 'eu-west-1' });
  });

  test('[profile   base  ] is the profile "base"', () => {
    expect([...profilesOf(['[profile   base  ]', 'region = x']).profiles.keys()]).toEqual(['base']);
  });

  test('":" is a delimiter too', () => {
    expect(section(parse('[p]', 'aws_secret_access_key:basesecret'), 'p')).toEqual({ aws_secret_access_key: 'basesecret' });
  });

  test('keys are lower-cased', () => {
    expect(section(parse('[p]', 'AWS_ACCESS_KEY_ID = x'), 'p')).toEqual({ aws_access_key_id: 'x' });
  });

  test('"s3 =" followed by indented "k = v" lines is a nested block', () => {
    const doc = parse('[profile p]', 's3 =', '    max_concurrent_requests = 20', '    Signature_Version = s3v4', 'region = x');
    const s3 = doc.sections[0]?.values.get('s3');
    expect(s3?.text).toBe('\nmax_concurrent_requests = 20\nSignature_Version = s3v4');
    // nested names keep their case and are split at "=" only
    expect(Object.fromEntries(s3?.nested ?? [])).toEqual({ max_concurrent_requests: '20', Signature_Version: 's3v4' });
    expect(section(doc, 'profile p').region).toBe('x');
  });

  test('an indented line after a key continues its value', () => {
    const doc = parse('[profile app]', 'role_arn = arn:aws:iam::1:role/app', '  source_profile = base', 'region = us-east-1');
    expect(section(doc, 'profile app')).toEqual({
      role_arn: 'arn:aws:iam::1:role/app\nsource_profile = base',
      region: 'us-east-1',
    });
  });

  test('a duplicate key in a section is an error naming the line', () => {
    const error = parseFailure('[profile a]\nregion = x\n\nREGION = y\n');
    expect(error.kind).toBe('ConfigParseError');
    expect(error.detail).toBe(`Unable to parse config file: ${PATH} (duplicate key "region" in section [profile a])`);
    expect(error.origin).toEqual({ where: PATH, line: 4 });
  });

  test('a duplicate section is an error naming the line', () => {
    const error = parseFailure('[profile a]\nx = 1\n[profile b]\n[profile a]\ny = 2\n');
    expect(error.detail).toBe(`Unable to parse config file: ${PATH} (duplicate section [profile a])`);
    expect(error.origin).toEqual({ where: PATH, line: 4 });
    expect(error.message).toBe(`ConfigParseError: ${error.detail} [${PATH}:4]`);
  });

  test("[DEFAULT] values are inherited by every section; a section's own value wins", () => {
    const doc = parse('[profile a]', 'region = eu-west-1', '[DEFAULT]', 'region = sa-east-1', 'source_profile = base', '[profile b]');
    expect(section(doc, 'profile a')).toEqual({ region: 'eu-west-1', source_profile: 'base' });
    expect(section(doc, 'profile b')).toEqual({ region: 'sa-east-1', source_profile: 'base' });
    expect(doc.sections.map((s) => s.name)).toEqual(['profile a', 'profile b']);
    const inherited = doc.sections[1]?.values.get('source_profile');
    expect(inherited).toMatchObject({ line: 5, inherited: true });
  });

  test('[default] then [profile default]: the later section wins wholesale', () => {
    const laterPrefixed = profilesOf(['[default]', 'region = a', 'output = json', '[profile default]', 'region = b']);
    expect(settingsOf(laterPrefixed, 'default')).toEqual({ region: 'b' });
    const laterPlain = profilesOf(['[profile default]', 'region = b', 'output = json', '[default]', 'region = a']);
    expect(settingsOf(laterPlain, 'default')).toEqual({ region: 'a' });
  });
});

describe('parseConfigText: other configparser rules', () => {
  test('whole-line comments, also indented, are skipped; blank lines too', () => {
    const doc = parse('# hash', '; semicolon', '[p]', '   # indented comment', '', 'k = v', '\t; tab comment');
    expect(section(doc, 'p')).toEqual({ k: 'v' });
  });

  test('keys and values are stripped; tabs around the delimiter are fine', () => {
    expect(section(parse('[p]', 'role_arn\t=\tarn:x   ', 'duration_seconds =   3600   '), 'p')).toEqual({
      role_arn: 'arn:x',
      duration_seconds: '3600',
    });
  });

  test('the first "=" or ":" separates key and value', () => {
    expect(section(parse('[p]', 'k : v = w', 'url = http://x:1/'), 'p')).toEqual({ k: 'v = w', url: 'http://x:1/' });
  });

  test('an empty value is an empty string', () => {
    expect(section(parse('[p]', 'role_session_name =', 'x:'), 'p')).toEqual({ role_session_name: '', x: '' });
  });

  test('continuation means "indented deeper than the key line"', () => {
    const doc = parse('[p]', '  a = 1', '    more', '  b = 2', 'c = 3');
    expect(section(doc, 'p')).toEqual({ a: '1\nmore', b: '2', c: '3' });
  });

  test('blank lines inside a value are kept, trailing ones dropped; comment lines inside are skipped', () => {
    const doc = parse('[p]', 'k = v', '', '  after blank', '  # not part of it', '  last', '', '', 'z = 1');
    expect(section(doc, 'p')).toEqual({ k: 'v\n\nafter blank\nlast', z: '1' });
  });

  test('an indented [header] after a key is part of the value, not a section', () => {
    const doc = parse('[p]', 'k = v', '    [q]');
    expect(doc.sections.map((s) => s.name)).toEqual(['p']);
    expect(section(doc, 'p').k).toBe('v\n[q]');
  });

  test('a line starting with the header runs to the last "]" and the rest is ignored', () => {
    const doc = parse('[profile app] trailing', 'k = 1', '[a]b]', 'k = 2');
    expect(doc.sections.map((s) => s.name)).toEqual(['profile app', 'a]b']);
  });

  test('section names are not stripped or lower-cased', () => {
    const doc = parse('[ profile x ]', 'k = 1', '[Profile Y]', 'k = 2');
    expect(doc.sections.map((s) => s.name)).toEqual([' profile x ', 'Profile Y']);
  });

  test('CRLF, lone CR and a byte-order mark are handled', () => {
    const crlf = parseConfigText('\uFEFF[p]\r\nk = v\r\n  more\r\nj = w\r\n', PATH);
    expect(section(crlf, 'p')).toEqual({ k: 'v\nmore', j: 'w' });
    expect(section(parseConfigText('[p]\rk = v\r', PATH), 'p')).toEqual({ k: 'v' });
  });

  test('Python whitespace (e.g. \\x1c, \\u3000) is stripped like str.strip()', () => {
    expect(section(parse('[p]', 'K\x1c = v\u3000'), 'p')).toEqual({ k: 'v' });
  });

  test('line numbers are kept for headers and keys', () => {
    const doc = parse('# c', '[a]', 'x = 1', '', '[b]', '', 'y = 2', '  cont');
    expect(doc.sections.map((s) => [s.name, s.line])).toEqual([
      ['a', 2],
      ['b', 5],
    ]);
    expect(doc.sections[1]?.values.get('y')?.line).toBe(7);
  });

  test('two [DEFAULT] sections merge, but a key repeated across them is a duplicate', () => {
    expect([...parse('[DEFAULT]', 'k = 1', '[DEFAULT]', 'j = 2', '[s]').defaults.keys()]).toEqual(['k', 'j']);
    expect(parseFailure('[DEFAULT]\nk = 1\n[DEFAULT]\nk = 2\n').origin?.line).toBe(4);
  });

  test('an empty file, or only comments, has no sections', () => {
    expect(parseConfigText('', PATH).sections).toEqual([]);
    expect(parseConfigText('# nothing\n\n', PATH).sections).toEqual([]);
  });

  describe('errors', () => {
    test.each([
      ['a key before any section', 'region = x\n[p]\n', 1, 'a line before the first [section] header'],
      ['a line with no delimiter', '[p]\nk = v\ngarbage line\n', 3, 'line is neither a [section] header nor "key = value"'],
      ['an empty key', '[p]\n= v\n', 2, 'empty key before the "=" or ":"'],
      ['[] is not a header', '[p]\n[]\n', 2, 'line is neither a [section] header nor "key = value"'],
      ['a nested line without "="', '[p]\ns3 =\n  nodelim\n', 2, 'nested value of "s3" has a line without "="'],
      ['a byte-order mark only at the start', '[p]\n\uFEFFk = v\n\uFEFF[q]\n', 3, 'line is neither a [section] header nor "key = value"'],
    ])('%s', (_name, text, line, what) => {
      const error = parseFailure(text);
      expect(error.kind).toBe('ConfigParseError');
      expect(error.detail).toBe(`Unable to parse config file: ${PATH} (${what})`);
      expect(error.origin).toEqual({ where: PATH, line });
    });

    test('a duplicate is reported at once; a bad line only at the end of the file', () => {
      // configparser raises duplicates immediately and collects bad lines for the end.
      expect(parseFailure('[p]\nbad line\nk = 1\nk = 2\n').origin?.line).toBe(4);
      expect(parseFailure('[p]\nbad line\nother bad\n').origin?.line).toBe(2);
    });

    test('a bad line keeps the previous key open for continuation lines', () => {
      // "  k = 2" is a continuation of k (deeper than the bad line), so it is not a duplicate.
      expect(parseFailure('[p]\nk = 1\nbad\n  k = 2\n').origin?.line).toBe(3);
    });

    test('a nested block inherited from [DEFAULT] is checked in every section that inherits it', () => {
      expect(parseConfigText('[DEFAULT]\ns3 =\n  bad\n', PATH).sections).toEqual([]);
      expect(parseFailure('[DEFAULT]\ns3 =\n  bad\n[p]\n').origin?.line).toBe(2);
    });
  });
});

describe('shlexSplit (section names)', () => {
  test.each([
    ['profile x', ['profile', 'x']],
    ['profile   x  ', ['profile', 'x']],
    ['profile "with space"', ['profile', 'with space']],
    ["profile 'a b'", ['profile', 'a b']],
    ['profile a\\ b', ['profile', 'a b']],
    ['profile ""', ['profile', '']],
    ["profile a'b'c", ['profile', 'abc']],
    ['profile "a\\"b"', ['profile', 'a"b']],
    ['profile "a\\xb"', ['profile', 'a\\xb']],
    ['profile two words', ['profile', 'two', 'words']],
    ['profileglued', ['profileglued']],
    ['profile\tx', ['profile', 'x']],
  ])('%s', (input, words) => {
    expect(shlexSplit(input)).toEqual(words);
  });

  test.each(['profile "a', "profile it's", 'profile a\\'])('%s is a shlex error', (input) => {
    expect(shlexSplit(input)).toBeUndefined();
  });
});

describe('buildProfileMap', () => {
  const sample = [
    '[profile "with space"]',
    'region = a',
    '[profileglued]',
    'region = b',
    '[profile two words]',
    'region = c',
    '[profile-x odd]',
    'region = d',
    "[profile it's]",
    'region = e',
    '[profiles plural]',
    'region = f',
    '[preview]',
    'region = g',
    '[ default ]',
    'region = h',
    '[sso-session corp]',
    'sso_region = us-east-1',
    '[services local]',
    'sts =',
    '  endpoint_url = http://localhost:4566',
  ];

  test('only section names of exactly two shell words after "profile…" are profiles', () => {
    const map = profilesOf(sample);
    expect([...map.profiles.keys()].sort()).toEqual(['odd', 'plural', 'with space']);
  });

  test('sso-session and services sections are kept apart from profiles', () => {
    const map = profilesOf(sample);
    expect([...map.ssoSessions.keys()]).toEqual(['corp']);
    const sts = map.services.get('local')?.settings.get('sts');
    expect(Object.fromEntries(sts?.nested ?? [])).toEqual({ endpoint_url: 'http://localhost:4566' });
  });

  test('credentials-file section names are profile names as they are', () => {
    const map = profilesOf([], ['[profile base]', 'aws_access_key_id = A', '[default]', 'aws_access_key_id = D']);
    expect([...map.profiles.keys()]).toEqual(['profile base', 'default']);
  });

  test('credentials-file settings override config-file settings key by key, keeping each origin', () => {
    const map = profilesOf(
      ['[profile app]', 'role_arn = from-config', 'role_session_name = config-session', 'region = us-east-1'],
      ['[app]', 'role_arn = from-credentials', 'region = eu-west-3'],
    );
    expect(settingsOf(map, 'app')).toEqual({
      role_arn: 'from-credentials',
      role_session_name: 'config-session',
      region: 'eu-west-3',
    });
    const app = map.profiles.get('app');
    expect(app?.settings.get('role_arn')?.origin).toEqual({ where: '/creds', line: 2, profile: 'app' });
    expect(app?.settings.get('role_session_name')?.origin).toEqual({ where: PATH, line: 3, profile: 'app' });
    expect(app?.origin).toEqual({ where: PATH, line: 1, profile: 'app' });
    // each file's own section stays available (botocore reads keys per file)
    expect(app?.config?.settings.get('role_arn')?.value).toBe('from-config');
    expect(app?.credentials?.settings.get('role_arn')?.value).toBe('from-credentials');
  });

  test('a profile only in the credentials file is defined there', () => {
    const map = profilesOf([], ['# creds', '[ops]', 'role_arn = x']);
    expect(map.profiles.get('ops')?.origin).toEqual({ where: '/creds', line: 2, profile: 'ops' });
  });

  test('[default] gives nothing to other profiles; [DEFAULT] gives to all', () => {
    const map = profilesOf(['[default]', 'region = eu-west-1', '[profile app]', 'role_arn = x']);
    expect(settingsOf(map, 'app')).toEqual({ role_arn: 'x' });
    const withDefaults = profilesOf(['[DEFAULT]', 'region = sa-east-1', '[profile app]', 'role_arn = x']);
    expect(settingsOf(withDefaults, 'app')).toEqual({ region: 'sa-east-1', role_arn: 'x' });
  });

  test('either file may be missing', () => {
    expect(buildProfileMap().profiles.size).toBe(0);
    const onlyCreds = buildProfileMap(undefined, { doc: parseConfigText('[a]\nk = v\n', '/c'), path: '/c' });
    expect(onlyCreds.credentialsPath).toBe('/c');
    expect(onlyCreds.configPath).toBeUndefined();
  });
});

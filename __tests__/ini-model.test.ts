/**
 * The reader (parseConfigText) and the in-place editor (parseIni) share one line model and one
 * section classifier, so they cannot disagree on what a file holds: these tests pin the model and
 * check, over generated files, that both sides see the same sections and the same option lines.
 */
import { ConfigError } from '../src/base/errors.js';
import { parseConfigText, parseIni, scanLines } from '../src/config/configparser.js';
import { joinLines, splitLines } from '../src/config/iniLines.js';
import { classifySection, headerFor, profileOfSection } from '../src/config/sections.js';

describe('scanLines', () => {
  it('names every kind of line as configparser reads it', () => {
    const lines = ['stray = 1', '[a]', '# c', '; c', '', 'k = v', '  more', '', '  after blank', 'junk', '  still k', '[DEFAULT]', '  = x', '  y'];
    expect(scanLines(lines).map((l) => l.kind)).toEqual([
      'preamble',
      'header',
      'comment',
      'comment',
      'blank',
      'option',
      'continuation',
      'blank',
      'continuation',
      'invalid', // leaves `k` open: the next indented line still continues it
      'continuation',
      'header',
      'option', // an empty key opens no value
      'invalid',
    ]);
  });

  it('gives headers their raw name and options their stripped key and value', () => {
    const [header, option, colon] = scanLines(['[ profile  x ] trailing', '  Key  =  a ; b ', 'k2: v=w']);
    expect(header).toMatchObject({ kind: 'header', name: ' profile  x ' });
    expect(option).toMatchObject({ kind: 'option', name: 'Key', value: 'a ; b' });
    expect(colon).toMatchObject({ kind: 'option', name: 'k2', value: 'v=w' });
  });

  it('does not let a key with an empty name open a continuation', () => {
    expect(scanLines(['[a]', '= x', '  [b]']).map((l) => l.kind)).toEqual(['header', 'option', 'header']);
    expect(scanLines(['[a]', 'k = x', '  [b]']).map((l) => l.kind)).toEqual(['header', 'option', 'continuation']);
  });
});

describe('splitLines', () => {
  it('gives every byte back, whatever the line ends', () => {
    for (const text of ['', 'a', 'a\n', 'a\r\nb\rc\n\n', '\n\r\n\r', 'x\r\n[y]\r\nz']) {
      expect(joinLines(splitLines(text))).toBe(text);
    }
    expect(splitLines('a\r\nb').map((l) => l.eol)).toEqual(['\r\n', '']);
  });
});

/** A small deterministic generator: files built from lines that exercise headers, comments and indentation. */
function generatedFiles(count: number): string[] {
  let state = 12345;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const pool = [
    '[a]',
    '[profile b]',
    '  [c]',
    '[DEFAULT]',
    'k = v',
    'K2: w',
    '  cont',
    '\tx = y',
    '',
    '# note',
    '; note',
    '= empty',
    'junk',
    '[a]',
    'k = again',
  ];
  const ends = ['\n', '\r\n', '\r'];
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = '[start]\n';
    const lines = 1 + next(12);
    for (let j = 0; j < lines; j++) text += (pool[next(pool.length)] ?? '') + (ends[next(ends.length)] ?? '\n');
    files.push(text);
  }
  return files;
}

describe('reader and editor agree', () => {
  it('see the same sections and option lines in every file the reader accepts', () => {
    let accepted = 0;
    let refused = 0;
    for (const text of generatedFiles(600)) {
      const edited = parseIni(splitLines(text));
      let read: ReturnType<typeof parseConfigText>;
      try {
        read = parseConfigText(text, '/cfg');
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        refused++;
        continue;
      }
      accepted++;
      const editorNames = edited.sections.map((s) => s.name).filter((n) => n !== 'DEFAULT');
      expect({ text, names: read.sections.map((s) => s.name) }).toEqual({ text, names: editorNames });
      const optionLines = new Set(edited.kinds.flatMap((k, i) => (k === 'option' ? [i + 1] : [])));
      for (const section of read.sections) {
        for (const value of section.values.values()) if (!value.inherited) expect(optionLines.has(value.line)).toBe(true);
      }
    }
    // Both outcomes must occur, or the comparison above proves little.
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });
});

describe('classifySection', () => {
  it('reads config-file sections in botocore order', () => {
    expect(classifySection('profile dev', 'config')).toEqual({ kind: 'profile', name: 'dev' });
    expect(classifySection('default', 'config')).toEqual({ kind: 'profile', name: 'default' });
    expect(classifySection('sso-session corp', 'config')).toEqual({ kind: 'sso-session', name: 'corp' });
    expect(classifySection('services s3x', 'config')).toEqual({ kind: 'services', name: 's3x' });
    expect(classifySection("profile 'a b'", 'config')).toEqual({ kind: 'profile', name: 'a b' });
    for (const none of ['dev', 'profile', 'profile a b', 'profiledev', 'DEFAULT', 'profile "open']) {
      expect(classifySection(none, 'config')).toBeUndefined();
    }
  });

  it('takes a credentials-file section name as the profile name as it is', () => {
    expect(classifySection('profile dev', 'credentials')).toEqual({ kind: 'profile', name: 'profile dev' });
    expect(classifySection('DEFAULT', 'credentials')).toBeUndefined();
    expect(profileOfSection('sso-session corp', 'config')).toBeUndefined();
    expect(profileOfSection('sso-session corp', 'credentials')).toBe('sso-session corp');
  });

  it('reads back every header it writes as the same profile', () => {
    for (const file of ['config', 'credentials'] as const) {
      for (const name of ['default', 'dev', 'a.b-c_d']) expect(profileOfSection(headerFor(name, file).slice(1, -1), file)).toBe(name);
    }
  });
});

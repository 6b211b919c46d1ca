/**
 * Review 4: the Windows credential_process line as the AWS SDK for Go v2 (Terraform's AWS provider,
 * among others) runs it: its INI reader drops one pair of quotes around the whole value, then it
 * starts `cmd.exe /C <line>`, Go's argument escaping turning each `"` into `\"`, and cmd.exe (no /S)
 * drops the first and last quote of what follows /C and toggles its quote state at every other `"`
 * (a backslash does not escape for cmd.exe).
 *
 * When the line both starts and ends with a quote (a node path with a space, and a profile name that
 * needs quotes for a cmd.exe character), the dropped pair flips which parts cmd.exe sees as quoted:
 * the profile name's `&` is then outside quotes and starts a second command. Such a line must not be
 * written; a line the Go SDK merely cannot start is a known limit (README), a second command is not.
 * Pure: runs on every platform.
 */
import { UserError } from '../src/base/errors.js';
import { credentialProcessCommand } from '../src/refresh/refreshPlan.js';

/** The value the Go SDK's INI reader hands on (aws-sdk-go-v2 internal/ini, as command-line.test.ts models it). */
function goSdkValue(value: string): string {
  let v = value.trim();
  if (v.length > 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
  return v;
}

/** Go's syscall.EscapeArg for the one argument after /C. */
function goEscapeArg(s: string): string {
  if (s !== '' && !/[\s"]/.test(s)) return s;
  let out = '"';
  let slashes = 0;
  for (const ch of s) {
    if (ch === '\\') slashes++;
    else if (ch === '"') {
      out += '\\'.repeat(slashes + 1);
      slashes = 0;
    } else slashes = 0;
    out += ch;
  }
  return `${out}${'\\'.repeat(slashes)}"`;
}

/** cmd.exe /C without /S: the commands it would run (split at unquoted `&`, `|`). */
function cmdExeCommands(afterC: string): string[] {
  let text = afterC;
  if (text.startsWith('"')) {
    const last = text.lastIndexOf('"');
    text = text.slice(1, last) + text.slice(last + 1);
  }
  const commands: string[] = [];
  let quoted = false;
  let current = '';
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === '&' || ch === '|')) {
      commands.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  commands.push(current);
  return commands.map((c) => c.trim()).filter((c) => c !== '');
}

const NODE_WITH_SPACE = 'C:\\actions runner\\externals\\node24\\bin\\node.exe';
const ENTRY = 'C:\\actions runner\\_work\\_actions\\octo\\aws-assume-chain\\v1\\dist\\refresh\\index.js';
const PLAN = 'D:\\a\\_temp\\aac-7f3e\\plan.json';

test('the model: a line without a trailing quote runs as one command through the Go SDK', () => {
  const line = credentialProcessCommand(NODE_WITH_SPACE, ENTRY, PLAN, 'deploy', 'win32');
  expect(cmdExeCommands(goEscapeArg(goSdkValue(line)))).toHaveLength(1);
  // And the model does see a second command when one is really there (cmd /C "a & b" runs both).
  expect(cmdExeCommands(goEscapeArg('a.exe x & calc'))).toEqual(['a.exe x', 'calc']);
  expect(cmdExeCommands(goEscapeArg('a.exe "x & calc"'))).toHaveLength(1);
});

test.each(['deploy&calc', 'ops|calc', 'x(1)&calc', '^team&calc'])(
  'a profile name %s after a quoted node path never becomes a second cmd.exe command through the Go SDK',
  (profile) => {
    let line: string | undefined;
    try {
      line = credentialProcessCommand(NODE_WITH_SPACE, ENTRY, PLAN, profile, 'win32');
    } catch (err) {
      // Refusing the line is a right answer: one line, naming the profile name.
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toContain('profile name');
      expect((err as Error).message).not.toMatch(/[\r\n]/);
      return;
    }
    expect(cmdExeCommands(goEscapeArg(goSdkValue(line)))).toHaveLength(1);
  },
);

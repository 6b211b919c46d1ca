/**
 * AccountIdSet: the one-pass replacement of account IDs that the summary, the diagram and the log's
 * redaction use (a 1 000-account fan-out made the old one-`split/join`-per-ID loops quadratic).
 * Checked against that old loop as the reference, and for safety: no listed ID survives a replacement.
 */
import fc from 'fast-check';
import { AccountIdSet } from '../src/base/accountIds.js';
import { resultsMarkdown } from '../src/export/summary.js';
import type { Hop, Target } from '../src/base/types.js';
import type { TargetOutcome } from '../src/run/execute.js';

/** The replacement as summary.ts and chainDiagram.ts did it before: one split/join per ID. */
const reference = (text: string, ids: readonly string[], by: (id: string) => string): string => ids.reduce((t, id) => t.split(id).join(by(id)), text);

// Few distinct digits, so IDs share prefixes and overlap inside longer digit runs.
const digits = (n: number) => fc.array(fc.constantFrom('1', '2', '3'), { minLength: n, maxLength: n }).map((a) => a.join(''));
const accountId = digits(12);
const separator = fc.constantFrom(':', '/', ' ', 'arn:aws:iam::', '-', '\n', '`');

describe('AccountIdSet.replaceIn', () => {
  test('equals one split/join per ID when the IDs in the text stand alone (between non-digits)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(accountId, { minLength: 1, maxLength: 20 }), fc.array(fc.tuple(fc.nat(30), separator), { maxLength: 30 }), (ids, picks) => {
        const others = ids.map((id) => id.replace(/.$/, (d) => String((Number(d) + 5) % 10)));
        const text = picks.map(([n, sep]) => `${n % 2 ? ids[n % ids.length] : others[n % others.length]}${sep}`).join('');
        const set = new AccountIdSet(ids);
        const by = (id: string) => `<${id.slice(-2)}>`;
        expect(set.replaceIn(text, by)).toBe(reference(text, ids, by));
      }),
      { numRuns: 300 },
    );
  });

  test('no listed ID survives, also inside longer digit runs and where occurrences overlap', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(accountId, { minLength: 1, maxLength: 10 }),
        fc.array(fc.oneof(accountId, digits(5), separator), { maxLength: 40 }),
        (ids, parts) => {
          const out = new AccountIdSet(ids).replaceIn(parts.join(''), () => '***');
          for (const id of ids) expect(out).not.toContain(id);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('an ID inside a longer run of digits is replaced, the digits around it kept', () => {
    const set = new AccountIdSet(['123456789012']);
    expect(set.replaceIn('x 9123456789012 y 1234567890123 z 123456789012', () => '***')).toBe('x 9*** y ***3 z ***');
    expect(set.replaceIn('12345678901', () => '***')).toBe('12345678901');
    expect(new AccountIdSet().replaceIn('123456789012', () => '***')).toBe('123456789012');
  });

  test('refuses anything that is not a 12-digit ID (no ID may be silently left unreplaced)', () => {
    expect(() => new AccountIdSet(['12345678901'])).toThrow('not a 12-digit account ID (11 characters)');
    expect(() => new AccountIdSet().add('12345678901a')).toThrow(/not a 12-digit/);
    expect(new AccountIdSet(['123456789012', '123456789012']).size).toBe(1);
  });
});

describe('the summary of a wide fan-out', () => {
  const N = 300;
  const member = (i: number) => `arn:aws:iam::${String(400000000000 + i)}:role/audit`;
  const hop = (roleArn: string, action: Hop['action']): Hop => ({
    action,
    roleArn,
    roleSessionName: 'GitHubActions-1-1',
    tags: [],
    transitiveTagKeys: [],
    policyArns: [],
    origin: { where: 'fan-out-roles' },
  });
  const outcomes: TargetOutcome[] = Array.from({ length: N }, (_, k) => {
    const hops = [hop('arn:aws:iam::111111111111:role/github-hub', 'AssumeRoleWithWebIdentity'), hop(member(k + 1), 'AssumeRole')];
    const target: Target = {
      name: `audit-${String(400000000000 + k + 1)}`,
      chain: { source: { kind: 'web-identity', token: { kind: 'github-oidc', audience: 'sts.amazonaws.com' } }, hops },
    };
    const credentials = { accessKeyId: 'ASIAKEY', secretAccessKey: 'secret-never-shown', expiration: new Date('2026-12-03T20:00:00Z') };
    return {
      target,
      ok: true,
      hops: hops.map((h) => ({ hop: h, assumedRoleArn: h.roleArn, accountId: h.roleArn.split(':')[4]!, credentials })),
      credentials,
      arn: member(k + 1),
      accountId: String(400000000000 + k + 1),
    };
  });

  test('masked: no account ID anywhere (headings, cells, diagram); every target has its section', () => {
    const md = resultsMarkdown(outcomes, () => '***');
    expect(md).not.toMatch(/\d{12}/);
    expect(md.match(/^### audit-\\\*\\\*\\\*$/gm)).toHaveLength(N);
    expect(md).not.toContain('secret-never-shown');
  });

  test('unmasked: every account ID is shown as it is', () => {
    const md = resultsMarkdown(outcomes, (id) => id);
    for (let i = 1; i <= N; i++) expect(md).toContain(`| ${member(i)} | GitHubActions-1-1 | ${String(400000000000 + i)} |`);
    expect(md).not.toContain('***');
  });
});

/** The Mermaid picture of the chain: shape (shared hops, fan-out, failures, grouping) and label escaping. */
import { MAX_CHILDREN, mermaidText, outcomesDiagram, planDiagram } from '../src/export/chainDiagram.js';
import { planMarkdown, resultsMarkdown } from '../src/export/summary.js';
import type { Hop, Plan, Target } from '../src/base/types.js';
import type { TargetOutcome } from '../src/run/execute.js';
import { UserError } from '../src/base/errors.js';

const HUB = 'arn:aws:iam::111111111111:role/github-hub';
const hop = (roleArn: string, roleSessionName = 'GitHubActions-1-1', extra: Partial<Hop> = {}): Hop => ({
  action: 'AssumeRole',
  roleArn,
  roleSessionName,
  tags: [],
  transitiveTagKeys: [],
  policyArns: [],
  origin: { where: 'role-chain' },
  ...extra,
});
const target = (name: string, hops: Hop[]): Target => ({
  name,
  chain: {
    source: { kind: 'web-identity', token: { kind: 'github-oidc', audience: 'sts.amazonaws.com' } },
    hops: [{ ...hops[0]!, action: 'AssumeRoleWithWebIdentity' }, ...hops.slice(1)],
  },
});
const EXP = new Date('2026-12-03T17:00:00Z');
const ok = (t: Target): TargetOutcome => ({
  target: t,
  ok: true,
  hops: t.chain.hops.map((h) => ({
    hop: h,
    assumedRoleArn: h.roleArn,
    accountId: h.roleArn.split(':')[4]!,
    credentials: { accessKeyId: 'AKIDSECRETNOTSHOWN', secretAccessKey: 'shh-secret-value', expiration: EXP },
  })),
  credentials: { accessKeyId: 'AKIDSECRETNOTSHOWN', secretAccessKey: 'shh-secret-value' },
  arn: t.chain.hops.at(-1)!.roleArn,
  accountId: t.chain.hops.at(-1)!.roleArn.split(':')[4]!,
});
const failed = (t: Target): TargetOutcome => ({ target: t, ok: false, error: new UserError('AccessDenied for <b>x</b>') });
const member = (i: number) => `arn:aws:iam::${400000000000 + i}:role/audit`;

/** The statements between the fence lines. */
const body = (diagram: string): string[] => {
  const lines = diagram.split('\n');
  expect(lines[0]).toBe('```mermaid');
  expect(lines.at(-1)).toBe('```');
  expect(lines[1]).toBe('flowchart LR');
  return lines.slice(2, -1);
};

/** Every label: the quoted text of each node statement. */
const labels = (diagram: string): string[] => body(diagram).flatMap((l) => [...l.matchAll(/^ {2}n\d+\["(.*)"\]$/g)].map((m) => m[1]!));

describe('shape', () => {
  test('a chain: source → each hop → the target, with account, session name and expiry', () => {
    const d = outcomesDiagram([ok(target('deploy', [hop(HUB), hop('arn:aws:iam::222222222222:role/deployer', 'deploy')]))], (id) => id);
    expect(body(d)).toEqual([
      '  n0["GitHub OIDC token"]',
      '  n1["github-hub<br/>account 111111111111<br/>session GitHubActions-1-1<br/>expires 2026-12-03T17:00:00.000Z"]',
      '  n0 --> n1',
      '  n2["deployer<br/>account 222222222222<br/>session deploy<br/>expires 2026-12-03T17:00:00.000Z"]',
      '  n1 --> n2',
      '  n3["deploy"]',
      '  n2 --> n3',
    ]);
  });

  test('a fan-out shares the hub node; a failed target is drawn along its planned chain and marked', () => {
    const d = outcomesDiagram([ok(target('a', [hop(HUB), hop(member(1))])), failed(target('b', [hop(HUB), hop(member(2))]))], (id) => id);
    const lines = body(d);
    expect(lines.filter((l) => l.includes('github-hub'))).toHaveLength(1);
    expect(lines.filter((l) => /^ {2}n1 --> /.test(l))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/^ {2}class n\d+(,n\d+)* failed$/);
    const failedIds = lines
      .at(-1)!
      .replace(/^ {2}class | failed$/g, '')
      .split(',');
    expect(failedIds.map((id) => lines.find((l) => l.startsWith(`  ${id}[`)))).toEqual(['  n5["b<br/>failed"]']);
  });

  test(`more than ${MAX_CHILDREN} targets under one node are grouped; failures stay visible one by one`, () => {
    const outcomes = Array.from({ length: 50 }, (_, i) => {
      const t = target(`audit-${i + 1}`, [hop(HUB), hop(member(i + 1))]);
      return i === 6 || i === 30 ? failed(t) : ok(t);
    });
    const d = outcomesDiagram(outcomes, (id) => id);
    const ls = labels(d);
    expect(ls).toContain('48 targets<br/>audit-1 #8230; audit-50<br/>roles audit');
    // Only the failed targets are drawn one by one, each marked.
    expect(ls.filter((l) => l.startsWith('audit-'))).toEqual(['audit-7<br/>failed', 'audit-31<br/>failed']);
    expect(ls.filter((l) => l.startsWith('audit<br/>'))).toEqual([]);
    expect(body(d).length).toBeLessThan(15);
  });

  test('masked accounts are masked in every label, profile names included', () => {
    const d = outcomesDiagram(
      [ok(target('p-400000000001', [hop(HUB), hop(member(1))])), failed(target('p-400000000002', [hop(HUB), hop(member(2))]))],
      () => '***',
    );
    expect(d).not.toMatch(/\d{12}/);
    expect(labels(d)).toEqual(expect.arrayContaining(['p-#42;#42;#42;']));
  });

  test('a dry-run plan shows the durations asked for; the plan and the summary embed the diagram', () => {
    const plan: Plan = { region: 'eu-west-1', targets: [target('deploy', [hop(HUB, 's', { durationSeconds: 900 }), hop(member(1))])] };
    expect(labels(planDiagram(plan))).toEqual([
      'GitHub OIDC token',
      'github-hub<br/>account 111111111111<br/>session s<br/>duration 900',
      'audit<br/>account 400000000001<br/>session GitHubActions-1-1<br/>duration STS default',
      'deploy',
    ]);
    expect(planMarkdown(plan)).toContain(planDiagram(plan));
    const outcomes = [ok(plan.targets[0]!)];
    expect(resultsMarkdown(outcomes, (id) => id)).toContain(outcomesDiagram(outcomes, (id) => id));
    expect(resultsMarkdown(outcomes, (id) => id)).not.toMatch(/AKIDSECRETNOTSHOWN|shh-secret-value/);
  });
});

describe('hostile labels', () => {
  const HOSTILE = [
    '"]; click n0 href "https://evil.example" "x',
    '<img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
    '`**md**` ``` end of fence',
    'line\nbreak\r\nand\u2028sep',
    '#lt;script#gt;alert(1)#lt;/script#gt;',
    'n0 --> n1; style n0 fill:#f00',
    '[link](https://evil.example) & %% comment',
    'a|b{c}(d)[e]',
    '\u0000\u001b[31mred',
  ];

  test.each(HOSTILE)('%j cannot escape its label', (evil) => {
    const outcomes = [ok(target(evil, [hop(HUB, evil), hop(`arn:aws:iam::222222222222:role/${evil.replace(/\s/g, '')}`)]))];
    for (const d of [outcomesDiagram(outcomes, (id) => id), planDiagram({ region: 'us-east-1', targets: [outcomes[0]!.target] })]) {
      const statements = body(d);
      // Only statements this module writes: node definitions, edges, the failed class.
      for (const s of statements) expect(s).toMatch(/^ {2}(n\d+\["[^"]*"\]|n\d+ --> n\d+|classDef failed .*|class [n\d,]+ failed)$/);
      for (const l of labels(d)) {
        const text = l.split('<br/>');
        for (const t of text) expect(t).toMatch(/^([A-Za-z0-9 _.,:/@+=-]|#\d+;)*$/);
      }
      expect(d.match(/```/g)).toHaveLength(2);
      expect(d).not.toMatch(/<(?!br\/>)/);
    }
  });

  test('mermaidText writes each non-plain character as its code point, cuts long lines, and turns controls into spaces', () => {
    expect(mermaidText('a"b')).toBe('a#34;b');
    expect(mermaidText('#')).toBe('#35;');
    expect(mermaidText('x\ny')).toBe('x y');
    expect(mermaidText('😀')).toBe('#128512;');
    expect(mermaidText('r'.repeat(100))).toBe(`${'r'.repeat(63)}#8230;`);
  });
});

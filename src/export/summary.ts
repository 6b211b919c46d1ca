/**
 * Job summary and dry-run plan as Markdown: hops, roles, session names, accounts, expiry. No secrets.
 * Every value is escaped by `mdText` (markdown.ts): it renders, and prints, as the literal text it is.
 */
import type { Plan, Target } from '../base/types.js';
import type { TargetOutcome } from '../run/execute.js';
import { AccountIdSet } from '../base/accountIds.js';
import { redactAccounts } from '../base/runner.js';
import { mdText } from './markdown.js';
import { mermaidText, outcomesDiagram, planDiagram } from './chainDiagram.js';

/**
 * A value as Markdown text. With mask-aws-account-id its account IDs become `***` first: replaced
 * after escaping, the asterisks would be Markdown emphasis.
 */
const cell = (value: string): string => mdText(redactAccounts(value));

/** `maskAccount` hides account IDs wherever they appear (in ARNs and profile names too) when masking is on. */
export function resultsMarkdown(outcomes: readonly TargetOutcome[], maskAccount: (id: string) => string): string {
  const accounts = new AccountIdSet(outcomes.flatMap((o) => (o.ok ? [o.accountId, ...o.hops.map((h) => h.accountId)] : [])));
  // Masked in the raw value, then escaped: a `***` put into Markdown afterwards could pair up as emphasis.
  const masked = (value: string): string => cell(accounts.replaceIn(value, maskAccount));
  const parts = ['## AWS credentials (aws-assume-chain)', ''];
  for (const o of outcomes) {
    parts.push(`### ${masked(o.target.name)}${o.ok ? '' : ' — failed'}`, '');
    if (!o.ok) {
      parts.push(`> ${masked(o.error.message)}`, '');
      continue;
    }
    parts.push('| hop | action | role | session name | account | expires |', '| --- | --- | --- | --- | --- | --- |');
    o.hops.forEach((h, i) => {
      parts.push(
        `| ${i + 1} | ${h.hop.action} | ${masked(h.hop.roleArn)} | ${masked(h.hop.roleSessionName)} | ${masked(h.accountId)} | ${h.credentials.expiration?.toISOString() ?? ''} |`,
      );
    });
    if (o.hops.length === 0) parts.push(`| – | source credentials | ${masked(o.arn)} | | ${masked(o.accountId)} | |`);
    parts.push('');
  }
  // The diagram escapes its own labels (Mermaid, not Markdown); account IDs are hidden in it the same way.
  // Account IDs appear in the diagram's labels as digits (names, ARNs): hidden there the same way, as Mermaid text.
  const diagram = accounts.replaceIn(outcomesDiagram(outcomes, maskAccount), (id) => mermaidText(maskAccount(id)));
  parts.push(redactAccounts(diagram), '');
  return parts.join('\n');
}

export function planMarkdown(plan: Plan): string {
  const parts = [
    '## aws-assume-chain plan (dry run: no STS call made)',
    '',
    `Region: ${plan.region === undefined ? 'none (no STS call needs one)' : cell(plan.region)}${plan.stsEndpoint ? `, endpoint ${cell(plan.stsEndpoint)}` : ''}`,
    '',
    // No source input and no OIDC: which of the runner's own identities the chain starts from.
    ...(plan.runnerSource ? [`Source identity: ${cell(plan.runnerSource)}`, ''] : []),
  ];
  for (const target of plan.targets) {
    const endpoint = target.stsEndpoint ?? plan.stsEndpoint;
    // Every target's endpoint: a second profile's endpoint_url is where its token would go.
    const where = endpoint ? cell(endpoint) : "default (AWS_ENDPOINT_URL_STS if set, else the region's)";
    parts.push(
      `### ${cell(target.name)}`,
      '',
      `Source: ${describeSource(target)}`,
      '',
      `STS endpoint: ${where}${target.region ? `, region ${cell(target.region)}` : ''}`,
      '',
    );
    parts.push(
      '| hop | action | role | session name | duration | external ID | tags | MFA | from |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    target.chain.hops.forEach((h, i) => {
      const from = h.origin.line === undefined ? h.origin.where : `${h.origin.where}:${h.origin.line}`;
      parts.push(
        `| ${i + 1} | ${h.action} | ${cell(h.roleArn)} | ${cell(h.roleSessionName)} | ${cell(String(h.durationSeconds ?? 'default'))} | ${h.externalId ? 'set' : ''} | ${h.tags.map((t) => cell(t.key)).join(', ')} | ${h.mfa ? cell(h.mfa.serialNumber) : ''} | ${cell(from)}${h.origin.profile ? ` (profile ${cell(h.origin.profile)})` : ''} |`,
      );
    });
    parts.push('');
  }
  parts.push(redactAccounts(planDiagram(plan)), '');
  return parts.join('\n');
}

export function describeSource(target: Target): string {
  const s = target.chain.source;
  switch (s.kind) {
    case 'web-identity':
      return s.token.kind === 'github-oidc'
        ? `GitHub OIDC token (audience "${cell(s.token.audience)}")`
        : `web identity token file ${cell(s.token.path)}${s.token.githubFallbackAudience ? ` (GitHub OIDC token, audience "${cell(s.token.githubFallbackAudience)}", if the file is missing)` : ''}`;
    case 'static':
      return `static access keys from ${s.origin.profile ? `profile "${cell(s.origin.profile)}"` : cell(s.origin.where)}`;
    case 'environment':
      return 'credentials in the environment';
    case 'container':
      return 'container credentials endpoint';
    case 'instance-metadata':
      return 'EC2 instance metadata';
    case 'process':
      return `credential_process of profile "${cell(s.origin.profile ?? '')}": ${cell(s.command)}`;
  }
}

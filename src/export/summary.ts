/** Job summary and dry-run plan as Markdown: hops, roles, session names, accounts, expiry. No secrets. */
import type { Plan, Target } from '../plan/types.js';
import type { TargetOutcome } from '../sts/execute.js';
import { outcomesDiagram, planDiagram } from './chainDiagram.js';

const cell = (v: string) => v.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** `maskAccount` hides account IDs wherever they appear (in ARNs and profile names too) when masking is on. */
export function resultsMarkdown(outcomes: readonly TargetOutcome[], maskAccount: (id: string) => string): string {
  const accounts = new Set(outcomes.flatMap((o) => (o.ok ? [o.accountId, ...o.hops.map((h) => h.accountId)] : [])));
  let text = `${rawResultsMarkdown(outcomes)}\n${outcomesDiagram(outcomes, maskAccount)}\n`;
  for (const id of accounts) text = text.split(id).join(maskAccount(id));
  return text;
}

function rawResultsMarkdown(outcomes: readonly TargetOutcome[]): string {
  const maskAccount = (id: string) => id;
  const parts = ['## AWS credentials (aws-assume-chain)', ''];
  for (const o of outcomes) {
    parts.push(`### ${cell(o.target.name)}${o.ok ? '' : ' — failed'}`, '');
    if (!o.ok) {
      parts.push(`> ${cell(o.error.message)}`, '');
      continue;
    }
    parts.push('| hop | action | role | session name | account | expires |', '| --- | --- | --- | --- | --- | --- |');
    o.hops.forEach((h, i) => {
      const role = h.hop.roleArn.replace(h.accountId, maskAccount(h.accountId));
      parts.push(
        `| ${i + 1} | ${h.hop.action} | ${cell(role)} | ${cell(h.hop.roleSessionName)} | ${maskAccount(h.accountId)} | ${h.credentials.expiration?.toISOString() ?? ''} |`,
      );
    });
    if (o.hops.length === 0) parts.push(`| – | source credentials | ${cell(o.arn.replace(o.accountId, maskAccount(o.accountId)))} | | ${maskAccount(o.accountId)} | |`);
    parts.push('');
  }
  return parts.join('\n');
}

export function planMarkdown(plan: Plan): string {
  const parts = ['## aws-assume-chain plan (dry run: no STS call made)', '', `Region: \`${plan.region}\`${plan.stsEndpoint ? `, endpoint \`${plan.stsEndpoint}\`` : ''}`, ''];
  for (const target of plan.targets) {
    const endpoint = target.stsEndpoint ?? plan.stsEndpoint;
    // Every target's endpoint: a second profile's endpoint_url is where its token would go.
    parts.push(`### ${cell(target.name)}`, '', `Source: ${describeSource(target)}`, '', `STS endpoint: ${endpoint ? `\`${endpoint}\`` : 'default (AWS_ENDPOINT_URL_STS if set, else the region\'s)'}${target.region ? `, region \`${target.region}\`` : ''}`, '');
    parts.push('| hop | action | role | session name | duration | external ID | tags | MFA | from |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    target.chain.hops.forEach((h, i) => {
      const from = h.origin.line === undefined ? h.origin.where : `${h.origin.where}:${h.origin.line}`;
      parts.push(
        `| ${i + 1} | ${h.action} | ${cell(h.roleArn)} | ${cell(h.roleSessionName)} | ${h.durationSeconds ?? 'default'} | ${h.externalId ? 'set' : ''} | ${h.tags.map((t) => cell(t.key)).join(', ')} | ${h.mfa ? cell(h.mfa.serialNumber) : ''} | ${cell(from)}${h.origin.profile ? ` (profile ${cell(h.origin.profile)})` : ''} |`,
      );
    });
    parts.push('');
  }
  parts.push(planDiagram(plan), '');
  return parts.join('\n');
}

export function describeSource(target: Target): string {
  const s = target.chain.source;
  switch (s.kind) {
    case 'web-identity':
      return s.token.kind === 'github-oidc'
        ? `GitHub OIDC token (audience \`${s.token.audience}\`)`
        : `web identity token file \`${s.token.path}\`${s.token.githubFallbackAudience ? ` (GitHub OIDC token, audience \`${s.token.githubFallbackAudience}\`, if the file is missing)` : ''}`;
    case 'static':
      return `static access keys from ${s.origin.profile ? `profile \`${s.origin.profile}\`` : `\`${s.origin.where}\``}`;
    case 'environment':
      return 'credentials in the environment';
    case 'container':
      return 'container credentials endpoint';
    case 'instance-metadata':
      return 'EC2 instance metadata';
    case 'process':
      return `credential_process of profile \`${s.origin.profile ?? ''}\`: \`${s.command}\``;
  }
}

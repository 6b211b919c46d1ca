/**
 * The chain and the fan-out tree as a Mermaid flowchart, which GitHub renders in the job summary and in Markdown:
 * source identity → each hop → each target, with account, session name and expiry (or, in a dry run, duration);
 * failed targets marked; a large fan-out grouped so the picture stays readable.
 *
 * Every label is built from bytes the action did not choose (profile names, role ARNs, session names, error-free
 * but user-supplied text), so each one goes through `mermaidText`: an allow-list of plain characters, everything
 * else written as a Mermaid entity code (`#35;`). No label can close its quotes, start a statement, open HTML,
 * a link, a Markdown string or the surrounding code fence. Node IDs are generated (`n0`, `n1`, …), never taken
 * from input. The only markup in a label is the `<br/>` this module puts between its own lines.
 */
import type { Plan, Source, Target } from '../base/types.js';
import type { TargetOutcome } from '../run/execute.js';
import { AccountIdSet } from '../base/accountIds.js';

/** Fan-outs wider than this under one node are drawn as one group node (failures are still drawn one by one). */
export const MAX_CHILDREN = 12;
/** Longest label line kept (characters of input); longer lines are cut with an ellipsis. */
const MAX_LINE = 64;
const MAX_FAILED_SHOWN = 8;

/** Characters that mean nothing to Mermaid, HTML or Markdown inside a quoted label. */
const PLAIN = /[A-Za-z0-9 _.,:/@+=-]/;

/** One line of label text: control characters become spaces, anything not plain becomes `#<code point>;`. */
export function mermaidText(raw: string): string {
  let s = raw.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  const chars = [...s];
  if (chars.length > MAX_LINE) s = `${chars.slice(0, MAX_LINE - 1).join('')}…`;
  return [...s].map((c) => (PLAIN.test(c) ? c : `#${c.codePointAt(0)};`)).join('');
}

interface HopInfo {
  roleArn: string;
  sessionName: string;
  /** Run: expiry of the hop's credentials; dry run: the duration asked for. */
  detail: string;
}

interface TreeNode {
  id: string;
  lines: string[];
  children: Map<string, TreeNode>;
  /** Leaves: the target's name and whether it failed. */
  target?: { name: string; failed: boolean };
}

const accountOf = (arn: string): string | undefined => /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
const roleNameOf = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

function sourceLabel(s: Source): string {
  switch (s.kind) {
    case 'web-identity':
      return s.token.kind === 'github-oidc' ? 'GitHub OIDC token' : 'web identity token file';
    case 'static':
      return 'access keys';
    case 'environment':
      return 'credentials in the environment';
    case 'container':
      return 'container credentials';
    case 'instance-metadata':
      return 'EC2 instance metadata';
    case 'process':
      return 'credential_process';
  }
}

class Tree {
  private next = 0;
  readonly roots = new Map<string, TreeNode>();

  node(lines: string[]): TreeNode {
    return { id: `n${this.next++}`, lines, children: new Map() };
  }

  /** Adds one target's path; targets that share a source and leading hops share those nodes. */
  add(target: Target, hops: readonly HopInfo[], failed: boolean, mask: (text: string) => string): void {
    const sourceKey = sourceLabel(target.chain.source);
    let at: TreeNode = this.roots.get(sourceKey) ?? this.node([sourceKey]);
    this.roots.set(sourceKey, at);
    for (const h of hops) {
      const key = `${h.roleArn} ${h.sessionName}`;
      const account = accountOf(h.roleArn);
      const lines = [roleNameOf(h.roleArn), ...(account ? [`account ${mask(account)}`] : []), `session ${h.sessionName}`, h.detail].filter(Boolean);
      const child: TreeNode = at.children.get(key) ?? this.node(lines);
      // A hop first drawn for a failed target has no expiry yet; a target that got through it knows it.
      if (h.detail && child.lines.length < lines.length) child.lines = lines;
      at.children.set(key, child);
      at = child;
    }
    const leaf = this.node(failed ? [mask(target.name), 'failed'] : [mask(target.name)]);
    leaf.target = { name: target.name, failed };
    at.children.set(`target ${this.next}`, leaf);
  }
}

const label = (lines: readonly string[]): string => `"${lines.map(mermaidText).join('<br/>')}"`;

/** The one target a subtree leads to, when it is a plain path (no further fan-out below). */
function onlyLeaf(node: TreeNode): TreeNode | undefined {
  if (node.target) return node;
  const children = [...node.children.values()];
  return children.length === 1 ? onlyLeaf(children[0]!) : undefined;
}

/** Mermaid statements for a node's children; a wide fan-out of plain paths becomes one group node, and its failed
 *  targets are drawn one by one (up to MAX_FAILED_SHOWN). */
function drawChildren(tree: Tree, parent: TreeNode, out: string[], failed: string[]): void {
  const children = [...parent.children.values()];
  const grouped = children.length > MAX_CHILDREN ? children.filter((c) => onlyLeaf(c) !== undefined) : [];
  // A set, not `grouped.includes`: a 1 000-target fan-out would make this loop quadratic.
  const groupedSet = new Set(grouped);
  for (const child of children) {
    if (groupedSet.has(child)) continue;
    out.push(`  ${child.id}[${label(child.lines)}]`, `  ${parent.id} --> ${child.id}`);
    if (child.target?.failed) failed.push(child.id);
    drawChildren(tree, child, out, failed);
  }
  if (grouped.length === 0) return;
  const leaves = grouped.map((c) => ({ path: c, leaf: onlyLeaf(c)! }));
  const ok = leaves.filter((l) => !l.leaf.target!.failed);
  const bad = leaves.filter((l) => l.leaf.target!.failed);
  if (ok.length > 0) {
    const roles = [...new Set(ok.map((l) => l.path.lines[0]!))];
    const group = tree.node([
      `${ok.length} targets`,
      `${ok[0]!.leaf.lines[0]} … ${ok[ok.length - 1]!.leaf.lines[0]}`,
      roles.length <= 3 ? `roles ${roles.join(', ')}` : `${roles.length} roles`,
    ]);
    out.push(`  ${group.id}[${label(group.lines)}]`, `  ${parent.id} --> ${group.id}`);
  }
  for (const l of bad.slice(0, MAX_FAILED_SHOWN)) {
    out.push(`  ${l.leaf.id}[${label(l.leaf.lines)}]`, `  ${parent.id} --> ${l.leaf.id}`);
    failed.push(l.leaf.id);
  }
  if (bad.length > MAX_FAILED_SHOWN) {
    const more = tree.node([`${bad.length - MAX_FAILED_SHOWN} more failed targets`]);
    out.push(`  ${more.id}[${label(more.lines)}]`, `  ${parent.id} --> ${more.id}`);
    failed.push(more.id);
  }
}

function render(tree: Tree): string {
  const out = ['```mermaid', 'flowchart LR'];
  const failed: string[] = [];
  for (const root of tree.roots.values()) {
    out.push(`  ${root.id}[${label(root.lines)}]`);
    drawChildren(tree, root, out, failed);
  }
  if (failed.length > 0) out.push('  classDef failed stroke:#c00,stroke-width:2px,color:#c00', `  class ${failed.join(',')} failed`);
  out.push('```');
  return out.join('\n');
}

/** Masks every account ID of the given ARNs wherever it appears in a label (profile names too). */
function masker(arns: readonly string[], maskAccount: (id: string) => string): (text: string) => string {
  const ids = new AccountIdSet(arns.map(accountOf).filter((a): a is string => a !== undefined));
  return (text) => ids.replaceIn(text, maskAccount);
}

/** After the run: each hop's expiry from the results; failed targets drawn along their planned chain. */
export function outcomesDiagram(outcomes: readonly TargetOutcome[], maskAccount: (id: string) => string): string {
  const arns = outcomes.flatMap((o) => [...o.target.chain.hops.map((h) => h.roleArn), ...(o.ok ? o.hops.map((h) => h.assumedRoleArn) : [])]);
  const mask = masker(arns, maskAccount);
  const tree = new Tree();
  for (const o of outcomes) {
    const hops = o.target.chain.hops.map((hop, i) => {
      const expires = o.ok ? o.hops[i]?.credentials.expiration?.toISOString() : undefined;
      return { roleArn: hop.roleArn, sessionName: mask(hop.roleSessionName), detail: expires ? `expires ${expires}` : '' };
    });
    tree.add(o.target, hops, !o.ok, mask);
  }
  return render(tree);
}

/** Dry run: the planned hops with the duration each asks for. */
export function planDiagram(plan: Plan): string {
  const tree = new Tree();
  const mask = (text: string) => text;
  for (const t of plan.targets) {
    const hops = t.chain.hops.map((h) => ({
      roleArn: h.roleArn,
      sessionName: h.roleSessionName,
      detail: `duration ${h.durationSeconds ?? 'STS default'}`,
    }));
    tree.add(t, hops, false, mask);
  }
  return render(tree);
}

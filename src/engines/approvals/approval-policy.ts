// The approval policy: defaults from configs/approvals.yaml, a tenant's overrides, and the decision "is this held?".
import { readYamlFile } from '../../config/yaml-file.js';
import { ClawError } from '../../errors/claw-error.js';
import { parseDuration } from '../../model/values/duration.js';
import type { ApprovalPolicyOverrides } from '../../store/entities/tenant.js';
import { configPath } from '../../util/package-root.js';

export interface ApprovalRule {
  command: string;
  /** Only when this boolean flag is set (`stop --force`). */
  flag?: string;
}

export interface ApprovalPolicy {
  expiryMs: number;
  approvals: number;
  reasonRequired: boolean;
  batchThreshold: number;
  /** Approvers must hold their approving role from a grant the requester did not make (stricter tenants). */
  independentApprovers: boolean;
  rules: ApprovalRule[];
  approvalChat: ApprovalPolicyOverrides['approvalChat'] | null;
}

function fail(file: string, reason: string): never {
  throw new ClawError('CLAW_CONFIG_INVALID', { setting: file, reason });
}

export function loadApprovalPolicy(file = configPath('approvals.yaml')): ApprovalPolicy {
  const doc = readYamlFile(file) as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object') fail(file, 'expected a mapping');
  const extra = Object.keys(doc).filter((k) => !['expiry', 'approvals', 'reasonRequired', 'batchThreshold', 'independentApprovers', 'rules'].includes(k));
  if (extra.length) fail(file, `unknown key ${extra.join(', ')}`);
  const expiry = parseDuration(String(doc.expiry ?? '30m'));
  if (!expiry.ok) fail(file, `expiry: ${expiry.reason.en}`);
  const approvals = Number(doc.approvals ?? 1);
  if (!Number.isInteger(approvals) || approvals < 0 || approvals > 10) fail(file, 'approvals must be an integer from 0 (off) to 10');
  const batchThreshold = Number(doc.batchThreshold ?? 5);
  if (!Number.isInteger(batchThreshold) || batchThreshold < 0) fail(file, 'batchThreshold must be a whole number');
  if (!Array.isArray(doc.rules)) fail(file, 'rules must be a list');
  const rules = doc.rules.map((r: unknown, i: number) => {
    const rule = r as { command?: unknown; flag?: unknown };
    if (typeof rule?.command !== 'string' || !/^[a-z][a-z -]*$/.test(rule.command)) fail(file, `rules[${i}].command must be command words`);
    if (rule.flag !== undefined && typeof rule.flag !== 'string') fail(file, `rules[${i}].flag must be a flag name`);
    return { command: rule.command, ...(typeof rule.flag === 'string' ? { flag: rule.flag } : {}) };
  });
  if (doc.independentApprovers !== undefined && typeof doc.independentApprovers !== 'boolean') fail(file, 'independentApprovers must be true or false');
  return { expiryMs: expiry.value, approvals, reasonRequired: doc.reasonRequired === true, batchThreshold, independentApprovers: doc.independentApprovers === true, rules, approvalChat: null };
}

/** The defaults with a tenant's overrides on top. */
export function policyFor(defaults: ApprovalPolicy, overrides: ApprovalPolicyOverrides | null | undefined): ApprovalPolicy {
  return {
    ...defaults,
    ...(overrides?.approvals !== undefined ? { approvals: overrides.approvals } : {}),
    ...(overrides?.expiryMs !== undefined ? { expiryMs: overrides.expiryMs } : {}),
    ...(overrides?.reasonRequired !== undefined ? { reasonRequired: overrides.reasonRequired } : {}),
    ...(overrides?.batchThreshold !== undefined ? { batchThreshold: overrides.batchThreshold } : {}),
    ...(overrides?.independentApprovers !== undefined ? { independentApprovers: overrides.independentApprovers } : {}),
    // A tenant can hold more commands than the defaults, never fewer.
    rules: [...defaults.rules, ...(overrides?.rules ?? []).filter((r) => !defaults.rules.some((d) => d.command === r.command && d.flag === r.flag))],
    approvalChat: overrides?.approvalChat ?? null,
  };
}

/** What a rule may name: a command's words and its yes/no flags (a rule's flag is held when set). */
export type CommandFlagsLookup = (command: string) => { boolFlags: readonly string[] } | undefined;

/** What is wrong with a rule (a command or flag that does not exist), or null when it names a real command and flag. */
export function ruleProblem(rule: ApprovalRule, commands: CommandFlagsLookup): string | null {
  const command = commands(rule.command);
  if (!command) return `there is no command \`claw ${rule.command}\``;
  if (rule.flag !== undefined && !command.boolFlags.includes(rule.flag)) {
    const known = command.boolFlags.length ? `its yes/no flags are ${command.boolFlags.map((f) => `--${f}`).join(', ')}` : 'it has no yes/no flags';
    return `\`claw ${rule.command}\` has no yes/no flag --${rule.flag} (${known})`;
  }
  return null;
}

/**
 * Refuses rules that name no command or a flag the command lacks, as the command registry refuses its mistakes: a
 * typo would otherwise hold nothing, silently. `where` names the source in the start-up error.
 */
export function checkRules(rules: readonly ApprovalRule[], commands: CommandFlagsLookup, where: string): void {
  rules.forEach((rule, i) => {
    const problem = ruleProblem(rule, commands);
    if (problem) fail(where, `rules[${i}]: ${problem}`);
  });
}

/** A rule as people type it: `destroy`, `stop --force`, `tenant delete`; null when it is not that shape. */
export function parseRule(text: string): ApprovalRule | null {
  const m = /^\s*(?:claw\s+)?([a-z][a-z0-9-]*(?:\s+[a-z][a-z0-9-]*)*)(?:\s+--([a-z][a-z0-9-]*))?\s*$/.exec(text);
  return m ? { command: m[1]!.split(/\s+/).join(' '), ...(m[2] ? { flag: m[2] } : {}) } : null;
}

/** Whether an invocation must wait for approval: a rule matches, or it is a batch over more than the threshold (never with approvals 0). */
export function isHeld(policy: ApprovalPolicy, input: { command: string; flags: Record<string, unknown>; batch: boolean; targets: number }): boolean {
  if (policy.approvals === 0) return false;
  if (policy.rules.some((r) => r.command === input.command && (r.flag === undefined || input.flags[r.flag] === true))) return true;
  return input.batch && input.targets > policy.batchThreshold;
}

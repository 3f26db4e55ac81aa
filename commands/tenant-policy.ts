// claw tenant policy [NAME]: shows a tenant's approval policy; with flags, changes it (platform admins), or sets the
// group it is typed in as the tenant's approval chat or alert chat (tenant admins).
import { ClawError } from '../src/errors/claw-error.js';
import { requireGroup } from '../src/model/chat-origin.js';
import { defineCommand } from '../src/pipeline/command-spec.js';
import { scopeTenant } from '../src/store/resolved-scope.js';
import { formatDuration } from '../src/model/values/duration.js';
import { parseRule, ruleProblem } from '../src/engines/approvals/approval-policy.js';
import type { ApprovalPolicyOverrides } from '../src/store/entities/tenant.js';

/** Reading the policy needs tenant:read; changing it needs this (platform admins); the dispatcher checks per flag. */
const POLICY = 'tenant:policy';

export default defineCommand({
  words: ['tenant', 'policy'],
  summary: { en: 'Show or change a tenant\'s approval policy', zh: '查看或修改租户的审批策略' },
  description: {
    en: 'Which commands wait for approval comes from configs/approvals.yaml. Per tenant you can change how many people must approve, how long a request stays open, whether --reason is required, the batch size that needs approval, more commands to hold (`--hold`, never fewer), whether approvers must be independent of the requester, and a group where every approval card is posted too (`--approval-chat here`, typed in that group).',
    zh: '哪些命令需要审批由 configs/approvals.yaml 决定。每个租户可调整：需要几人批准、请求有效期、是否必须填写 --reason、批量操作超过多少个实例需要审批、额外需要审批的命令（`--hold`，只能增加）、审批人是否须独立于发起人，以及一个额外接收所有审批卡片的群（在该群中发送 `--approval-chat here`）。',
  },
  args: [{ name: 'name', kind: 'name', help: { en: 'Tenant (default: yours)', zh: '租户（默认：你所属的租户）' } }],
  flags: {
    approvals: { kind: 'int', min: 0, max: 10, permission: POLICY, help: { en: 'How many different people must approve (0 turns approvals off)', zh: '需要多少位不同的人批准（0 表示关闭审批）' } },
    expiry: { kind: 'duration', min: 60_000, max: 7 * 86_400_000, permission: POLICY, help: { en: 'How long a request stays open', zh: '请求的有效期' } },
    'require-reason': { kind: 'enum', values: ['on', 'off'], permission: POLICY, help: { en: 'Held commands need --reason "..."', zh: '需审批的命令必须填写 --reason "..."' } },
    'batch-threshold': { kind: 'int', min: 0, max: 100_000, permission: POLICY, help: { en: 'Batches over more instances than this need approval', zh: '批量操作超过此数量的实例时需要审批' } },
    'independent-approvers': { kind: 'enum', values: ['on', 'off'], permission: POLICY, help: { en: 'Approvers must hold their role from a grant the requester did not make (a lone tenant admin\'s requests go to a platform admin)', zh: '审批人的角色须来自非发起人所做的授权（仅有一位租户管理员时，其请求由平台管理员审批）' } },
    hold: { kind: 'string', multiple: true, maxLength: 100, valueName: 'COMMAND', permission: POLICY, help: { en: 'Also hold this command for approval, e.g. "restart" or "stop --force" (repeatable)', zh: '额外需要审批的命令，如 "restart" 或 "stop --force"（可重复）' } },
    release: { kind: 'string', multiple: true, maxLength: 100, valueName: 'COMMAND', permission: POLICY, help: { en: 'Stop holding a command this tenant added with --hold (repeatable)', zh: '取消此前用 --hold 添加的命令（可重复）' } },
    'approval-chat': { kind: 'enum', values: ['here', 'none'], permission: 'chat:bind', help: { en: 'Post every approval card in this group too (here), or stop (none)', zh: '所有审批卡片也发到本群（here），或取消（none）' } },
    'alert-chat': { kind: 'enum', values: ['here', 'none'], permission: 'chat:bind', help: { en: 'Post the tenant\'s alert cards in this group too (here), or stop (none); configs/alerts.yaml routing says from which severity', zh: '租户的告警卡片也发到本群（here），或取消（none）；从哪个级别起发送见 configs/alerts.yaml 的 routing' } },
    reset: { kind: 'bool', permission: POLICY, help: { en: 'Back to the defaults of configs/approvals.yaml', zh: '恢复为 configs/approvals.yaml 的默认值' } },
  },
  examples: ['claw tenant policy acme', 'claw tenant policy acme --approvals 2 --expiry 1h --require-reason on', 'claw tenant policy acme --independent-approvers on', 'claw tenant policy acme --hold restart --hold update', 'claw tenant policy --approval-chat here', 'claw tenant policy acme --alert-chat here', 'claw tenant policy default --approvals 0'],
  permission: 'tenant:read',
  risk: 'write',
  scope: ({ args }) => ({ kind: 'tenant', tenant: args.name }),
  engines: ['tenancy', 'approvals', 'help', 'platforms', 'alerts'],
  async handle(ctx) {
    const f = ctx.flags;
    let tenant = scopeTenant(ctx.scope);
    const numbers = f.approvals !== undefined || f.expiry !== undefined || f['require-reason'] !== undefined || f['batch-threshold'] !== undefined || f['independent-approvers'] !== undefined || f.hold.length > 0 || f.release.length > 0 || f.reset;
    const chat = f['approval-chat'];
    if (numbers || chat) {
      const base: ApprovalPolicyOverrides = f.reset ? { ...(tenant.approvalPolicy?.approvalChat ? { approvalChat: tenant.approvalPolicy.approvalChat } : {}) } : { ...tenant.approvalPolicy };
      const next: ApprovalPolicyOverrides = {
        ...base,
        ...(f.approvals !== undefined ? { approvals: f.approvals } : {}),
        ...(f.expiry !== undefined ? { expiryMs: f.expiry } : {}),
        ...(f['require-reason'] !== undefined ? { reasonRequired: f['require-reason'] === 'on' } : {}),
        ...(f['batch-threshold'] !== undefined ? { batchThreshold: f['batch-threshold'] } : {}),
        ...(f['independent-approvers'] !== undefined ? { independentApprovers: f['independent-approvers'] === 'on' } : {}),
      };
      const rules = holdRules(base.rules ?? [], f.hold, f.release, (words) => ctx.engines.help.flagsOf(words));
      if (rules.length) next.rules = rules;
      else delete next.rules;
      if (chat === 'here') next.approvalChat = requireGroup(ctx.origin, 'tenant policy --approval-chat here', ctx.engines.platforms);
      if (chat === 'none') delete next.approvalChat;
      tenant = await ctx.engines.tenancy.setApprovalPolicy(tenant, Object.keys(next).length ? next : null);
    }
    const alertChatFlag = ctx.flags['alert-chat'];
    if (alertChatFlag) {
      const group = alertChatFlag === 'here' ? requireGroup(ctx.origin, 'tenant policy --alert-chat here', ctx.engines.platforms) : null;
      await ctx.engines.alerts.setAlertChat(tenant, group, ctx.actor.name);
    }
    const alertChat = await ctx.engines.alerts.alertChat(tenant.id);
    const changed = numbers || chat || alertChatFlag;
    const policy = ctx.engines.approvals.policy(tenant);
    const on = ctx.t({ en: 'yes', zh: '是' });
    const off = ctx.t({ en: 'no', zh: '否' });
    const rules = policy.rules.map((r) => `claw ${r.command}${r.flag ? ` --${r.flag}` : ''}`).join(', ');
    return {
      data: {
        tenant: tenant.name,
        policy: { approvals: policy.approvals, expiryMs: policy.expiryMs, reasonRequired: policy.reasonRequired, batchThreshold: policy.batchThreshold, independentApprovers: policy.independentApprovers, rules: policy.rules, approvalChat: policy.approvalChat },
        alertChat: alertChat ? { platform: alertChat.platform, orgId: alertChat.orgId, chatId: alertChat.chatId } : null,
      },
      view: {
        kind: 'detail', tone: changed ? 'success' : 'info',
        title: changed
          ? ctx.t({ en: 'Approval policy of {tenant} updated', zh: '已更新 {tenant} 的审批策略' }, { tenant: tenant.name })
          : ctx.t({ en: 'Approval policy of {tenant}', zh: '{tenant} 的审批策略' }, { tenant: tenant.name }),
        fields: [
          { label: ctx.t({ en: 'Needs approval', zh: '需要审批' }), value: rules || '-' },
          { label: ctx.t({ en: 'Batches over', zh: '批量超过' }), value: ctx.t({ en: '{n} instances', zh: '{n} 个实例' }, { n: policy.batchThreshold }) },
          { label: ctx.t({ en: 'Approvals needed', zh: '需批准人数' }), value: policy.approvals === 0 ? ctx.t({ en: '0 (approvals off: everything runs at once)', zh: '0（已关闭审批：所有命令立即执行）' }) : String(policy.approvals) },
          { label: ctx.t({ en: 'Expires after', zh: '有效期' }), value: formatDuration(policy.expiryMs) },
          { label: ctx.t({ en: 'Reason required', zh: '必须填写原因' }), value: policy.reasonRequired ? on : off },
          { label: ctx.t({ en: 'Independent approvers', zh: '独立审批人' }), value: policy.independentApprovers ? on : off },
          { label: ctx.t({ en: 'Approval chat', zh: '审批群' }), value: policy.approvalChat ? `${policy.approvalChat.platform}:${policy.approvalChat.chatId}` : '-' },
          { label: ctx.t({ en: 'Alert chat', zh: '告警群' }), value: alertChat ? `${alertChat.platform}:${alertChat.chatId}` : '-' },
        ],
      },
    };
  },
});

type Rule = NonNullable<ApprovalPolicyOverrides['rules']>[number];
const sameRule = (a: Rule, b: Rule) => a.command === b.command && a.flag === b.flag;

/** The tenant's own rules after --hold and --release; each names a real command and yes/no flag, or the change stops. */
function holdRules(current: Rule[], hold: string[], release: string[], flagsOf: (words: string) => { boolFlags: string[] } | undefined): Rule[] {
  const parse = (what: string, text: string): Rule => {
    const rule = parseRule(text);
    if (!rule) throw invalid(what, { en: `"${text}" is not a command with at most one flag, e.g. "stop --force"`, zh: `"${text}" 不是命令（最多带一个开关），例如 "stop --force"` });
    const problem = ruleProblem(rule, flagsOf);
    if (problem) throw invalid(what, { en: problem, zh: problem });
    return rule;
  };
  let rules = [...current];
  for (const text of release) {
    const rule = parse('--release', text);
    if (!rules.some((r) => sameRule(r, rule))) {
      throw invalid('--release', { en: `"${text}" is not held by this tenant's own rules (those of configs/approvals.yaml stay)`, zh: `"${text}" 不在此租户自己添加的规则中（configs/approvals.yaml 的规则不可移除）` });
    }
    rules = rules.filter((r) => !sameRule(r, rule));
  }
  for (const text of hold) {
    const rule = parse('--hold', text);
    if (!rules.some((r) => sameRule(r, rule))) rules.push(rule);
  }
  return rules;
}

function invalid(what: string, reason: { en: string; zh: string }): ClawError {
  return new ClawError('CLAW_ARG_INVALID', { what, reason });
}

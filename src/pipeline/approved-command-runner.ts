// Runs an approved command: through the dispatcher again, as its requester (with today's permissions), from the exact
// stored text; the dispatcher refuses it as stale if the text now means something else or a target changed.
import type { AccessEngine } from '../engines/access/access-engine.js';
import type { ApprovalExecutor } from '../engines/approvals/approvals-engine.js';
import type { TenancyEngine } from '../engines/tenancy/tenancy-engine.js';
import type { Locale } from '../i18n/locale.js';
import type { ChatOrigin } from '../model/chat-origin.js';
import { renderText } from '../render/text.js';
import type { ChannelName, Dispatcher } from './dispatcher.js';

export function approvedCommandRunner(o: { dispatcher: Dispatcher; tenancy: TenancyEngine; access: AccessEngine; locale: Locale }): ApprovalExecutor {
  return async (approval, text) => {
    const zh = o.locale === 'zh';
    const member = await o.tenancy.getMemberById(approval.requesterMemberId);
    if (!member) return { status: 'failed', summary: zh ? `发起人 ${approval.requesterName} 已不再是成员` : `the requester ${approval.requesterName} is no longer a member` };
    const principal = await o.access.principalOf(member, { kind: 'approval', approvalId: approval.id, requestedVia: approval.requesterIdentity });
    // Answers that go to a chat of their own (a rollout's card) go where the command was asked.
    const origin = approval.origin ? (JSON.parse(approval.origin) as ChatOrigin) : undefined;
    const outcome = await o.dispatcher.dispatch({
      requestId: `approval-${approval.id}`, channel: approval.channel as ChannelName, principal, text, locale: o.locale, normalize: false, approval,
      ...(origin ? { origin } : {}),
    });
    if (outcome.ok) return { status: 'executed', summary: renderText(outcome.view) };
    return { status: outcome.error.code === 'CLAW_APPROVAL_STALE' ? 'stale' : 'failed', summary: outcome.error.messageIn(o.locale) };
  };
}

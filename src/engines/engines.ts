// The engines a command handler may declare and use; handlers never reach the store or a runtime directly.
import type { HelpCatalog } from '../pipeline/help-catalog.js';
import type { AccessEngine } from './access/access-engine.js';
import type { ChatIdentities } from './access/chat-identities.js';
import type { ChannelDirectory } from './channels/channel-directory.js';
import type { AuditLog } from './audit/audit-log.js';
import type { LifecycleEngine } from './lifecycle/lifecycle-engine.js';
import type { ApprovalsEngine } from './approvals/approvals-engine.js';
import type { TenancyEngine } from './tenancy/tenancy-engine.js';

export interface Engines {
  tenancy: TenancyEngine;
  lifecycle: LifecycleEngine;
  approvals: ApprovalsEngine;
  /** Chat identities of members and one-time link codes. */
  identities: ChatIdentities;
  /** The chat channels' state, for `claw channels`. */
  channels: ChannelDirectory;
  access: AccessEngine;
  audit: AuditLog;
  help: HelpCatalog;
}

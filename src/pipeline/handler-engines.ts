// The engines a command handler may declare and use; handlers never reach the store or a runtime directly.
// The bag lives in the pipeline, not in src/engines/, because it also carries the help catalog (a pipeline part):
// engines stay below the pipeline and never see it.
import type { HelpCatalog } from './help-catalog.js';
import type { AccessEngine } from '../engines/access/access-engine.js';
import type { ChatIdentities } from '../engines/access/chat-identities.js';
import type { ChannelDirectory } from '../engines/channels/channel-directory.js';
import type { AuditLog } from '../engines/audit/audit-log.js';
import type { LifecycleEngine } from '../engines/lifecycle/lifecycle-engine.js';
import type { ApprovalsEngine } from '../engines/approvals/approvals-engine.js';
import type { TenancyEngine } from '../engines/tenancy/tenancy-engine.js';
import type { PlatformDirectory } from '../model/chat-platforms.js';
import type { DigestEngine } from '../engines/digests/digest-engine.js';
import type { AlertsEngine } from '../engines/alerts/alerts-engine.js';
import type { TokenBudgets } from '../engines/budgets/token-budgets.js';
import type { UsageEngine } from '../engines/usage/usage-engine.js';
import type { KeyRotation } from '../engines/secrets/key-rotation.js';
import type { ConfigStore } from '../engines/config/config-store.js';
import type { RolloutsEngine } from '../engines/rollouts/rollout-engine.js';

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
  /** The chat platforms this control plane runs: their names, labels and account flags. */
  platforms: PlatformDirectory;
  /** Alerts, silences and tenants' alert chats. */
  alerts: AlertsEngine;
  /** Token use and resource samples the collector stored. */
  usage: UsageEngine;
  /** Monthly token budgets of tenants and projects and this month's use. */
  budgets: TokenBudgets;
  /** Usage digest subscriptions and digests on demand. */
  digests: DigestEngine;
  /** The config center: templates, variables at every scope, versions, history and diffs. */
  config: ConfigStore;
  /** Secrets at rest: counts per key generation, and key rotation. */
  secrets: KeyRotation;
  /** Config rollouts: publish and rollback wave by wave behind a health gate; pause, resume, abort. */
  rollouts: RolloutsEngine;
}

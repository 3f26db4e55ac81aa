// Migrations in the order they run; append, never edit a released one.
import { Core1763700000001 } from './0001-core.js';
import { Instances1763700000002 } from './0002-instances.js';
import { Chat1763700000003 } from './0003-chat.js';
import { InboundHeartbeat1763700000004 } from './0004-inbound-heartbeat.js';
import { AuditAttempts1763700000005 } from './0005-audit-attempts.js';
import { AuditKeyed1763700000006 } from './0006-audit-keyed.js';
import { CredentialProvenance1763700000007 } from './0007-credential-provenance.js';
import { LocalClawUsers1763700000008 } from './0008-local-claw-users.js';
import { Usage1763700000009 } from './0009-usage.js';
import { Alerts1763700000010 } from './0010-alerts.js';
import { Digests1763700000011 } from './0011-digests.js';
import { TokenBudgets1763700000012 } from './0012-token-budgets.js';
import { AlertGroups1763700000013 } from './0013-alert-groups.js';
import { ConfigCenter1763700000014 } from './0014-config-center.js';
import { Rollouts1763700000015 } from './0015-rollouts.js';
import { InstanceConfigHash1763700000016 } from './0016-instance-config-hash.js';

export const MIGRATIONS = [Core1763700000001, Instances1763700000002, Chat1763700000003, InboundHeartbeat1763700000004, AuditAttempts1763700000005, AuditKeyed1763700000006, CredentialProvenance1763700000007, LocalClawUsers1763700000008, Usage1763700000009, Alerts1763700000010, Digests1763700000011, TokenBudgets1763700000012, AlertGroups1763700000013, ConfigCenter1763700000014, Rollouts1763700000015, InstanceConfigHash1763700000016];

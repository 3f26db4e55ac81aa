// The entity list handed to TypeORM; later issues append their entities here.
import { AlertChatEntity } from './alert-chat.js';
import { AlertSilenceEntity } from './alert-silence.js';
import { AlertEntity } from './alert.js';
import { ApiTokenEntity } from './api-token.js';
import { ApprovalVoteEntity } from './approval-vote.js';
import { ApprovalEntity } from './approval.js';
import { InboundEventEntity } from './inbound-event.js';
import { LinkCodeEntity } from './link-code.js';
import { OutboxMessageEntity } from './outbox-message.js';
import { InstanceEventEntity } from './instance-event.js';
import { InstanceEntity } from './instance.js';
import { LeaseEntity } from './lease.js';
import { LocalClawUserEntity } from './local-claw-user.js';
import { MetaEntity } from './meta.js';
import { AuditEventEntity } from './audit-event.js';
import { ChatBindingEntity } from './chat-binding.js';
import { ChatIdentityEntity } from './chat-identity.js';
import { ConfigTemplateEntity } from './config-template.js';
import { ConfigVariableEntity } from './config-variable.js';
import { ConfigVersionEntity } from './config-version.js';
import { DigestSlotEntity } from './digest-slot.js';
import { DigestSubscriptionEntity } from './digest-subscription.js';
import { MemberEntity } from './member.js';
import { ProjectEntity } from './project.js';
import { RoleBindingEntity } from './role-binding.js';
import { RoleEntity } from './role.js';
import { RolloutTargetEntity } from './rollout-target.js';
import { RolloutEntity } from './rollout.js';
import { TenantEntity } from './tenant.js';
import { UsageResourceRollupEntity, UsageResourceSampleEntity } from './usage-resource-sample.js';
import { UsageTokenDayEntity } from './usage-token-day.js';
import { UsageTokenRollupEntity } from './usage-token-rollup.js';

export const ENTITIES = [
  TenantEntity,
  ProjectEntity,
  MemberEntity,
  ChatIdentityEntity,
  RoleEntity,
  RoleBindingEntity,
  ChatBindingEntity,
  ApiTokenEntity,
  AuditEventEntity,
  InstanceEntity,
  ConfigVersionEntity,
  ConfigVariableEntity,
  ConfigTemplateEntity,
  InstanceEventEntity,
  LeaseEntity,
  MetaEntity,
  InboundEventEntity,
  OutboxMessageEntity,
  ApprovalEntity,
  ApprovalVoteEntity,
  LinkCodeEntity,
  LocalClawUserEntity,
  UsageTokenDayEntity,
  UsageTokenRollupEntity,
  UsageResourceSampleEntity,
  UsageResourceRollupEntity,
  AlertEntity,
  AlertSilenceEntity,
  AlertChatEntity,
  DigestSubscriptionEntity,
  DigestSlotEntity,
  RolloutEntity,
  RolloutTargetEntity,
];

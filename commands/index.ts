// Every command, in the order help lists them. Adding a command = adding its module here.
import type { AnyCommand } from '../src/pipeline/command-spec.js';
import alertAck from './alert-ack.js';
import alerts from './alerts.js';
import approvals from './approvals.js';
import approve from './approve.js';
import bind from './bind.js';
import channels from './channels.js';
import link from './link.js';
import memberLink from './member-link.js';
import tenantPolicy from './tenant-policy.js';
import unbind from './unbind.js';
import audit from './audit.js';
import reject from './reject.js';
import create from './create.js';
import digestList from './digest-list.js';
import digestPreview from './digest-preview.js';
import digestSubscribe from './digest-subscribe.js';
import digestUnsubscribe from './digest-unsubscribe.js';
import destroy from './destroy.js';
import events from './events.js';
import logs from './logs.js';
import restart from './restart.js';
import start from './start.js';
import status from './status.js';
import top from './top.js';
import usage from './usage.js';
import stop from './stop.js';
import tenantQuota from './tenant-quota.js';
import update from './update.js';
import auditVerify from './audit-verify.js';
import grant from './grant.js';
import help from './help.js';
import memberAdd from './member-add.js';
import memberList from './member-list.js';
import memberRemove from './member-remove.js';
import projectCreate from './project-create.js';
import projectDelete from './project-delete.js';
import projectQuota from './project-quota.js';
import projectList from './project-list.js';
import revoke from './revoke.js';
import silenceAdd from './silence-add.js';
import silenceExpire from './silence-expire.js';
import silenceList from './silence-list.js';
import roles from './roles.js';
import configPublish from './config-publish.js';
import configRollback from './config-rollback.js';
import rolloutAbort from './rollout-abort.js';
import rolloutPause from './rollout-pause.js';
import rolloutResume from './rollout-resume.js';
import rolloutStatus from './rollout-status.js';
import secretRotateKey from './secret-rotate-key.js';
import secretStatus from './secret-status.js';
import configCheck from './config-check.js';
import tenantCreate from './tenant-create.js';
import tenantDelete from './tenant-delete.js';
import tenantList from './tenant-list.js';
import tenantShow from './tenant-show.js';
import tokenCreate from './token-create.js';
import tokenList from './token-list.js';
import tokenRevoke from './token-revoke.js';
import version from './version.js';
import whoami from './whoami.js';
import configSet from './config-set.js';
import configUnset from './config-unset.js';
import configList from './config-list.js';
import configGet from './config-get.js';
import configHistory from './config-history.js';
import configDiff from './config-diff.js';
import templateList from './template-list.js';
import templateShow from './template-show.js';
import templateCreate from './template-create.js';
import templateEdit from './template-edit.js';

export const COMMANDS: readonly AnyCommand[] = [
  help, version, whoami,
  status, top, usage, create, start, stop, restart, destroy, update, logs, events,
  tenantCreate, tenantList, tenantShow, tenantDelete, tenantQuota, tenantPolicy,
  projectCreate, projectList, projectDelete, projectQuota,
  memberAdd, memberList, memberRemove, memberLink,
  grant, revoke, roles,
  tokenCreate, tokenList, tokenRevoke,
  approvals, approve, reject,
  alerts, alertAck, silenceAdd, silenceList, silenceExpire,
  digestSubscribe, digestList, digestUnsubscribe, digestPreview,
  bind, unbind, channels, link,
  audit, auditVerify,
  secretStatus, secretRotateKey,
  configCheck,
  configSet, configUnset, configList, configGet, configHistory, configDiff,
  configPublish, configRollback, rolloutStatus, rolloutPause, rolloutResume, rolloutAbort,
  templateList, templateShow, templateCreate, templateEdit,
];

// The engines a command handler may declare and use; handlers never reach the store or a runtime directly.
import type { HelpCatalog } from '../pipeline/help-catalog.js';
import type { AccessEngine } from './access/access-engine.js';
import type { AuditLog } from './audit/audit-log.js';
import type { LifecycleEngine } from './lifecycle/lifecycle-engine.js';
import type { TenancyEngine } from './tenancy/tenancy-engine.js';

export interface Engines {
  tenancy: TenancyEngine;
  lifecycle: LifecycleEngine;
  access: AccessEngine;
  audit: AuditLog;
  help: HelpCatalog;
}

// The labels a user may put on an instance: label syntax by the selector module's rules, minus the control plane's prefixes.
import { ClawError } from '../../errors/claw-error.js';
import type { Text } from '../../i18n/locale.js';
import { labelKeyProblem, labelValueProblem } from '../../model/values/selector.js';

/** The runtime writes its own labels under these (tenant, project, instance, managed-by); a user's label must not pose as one. */
const RESERVED_PREFIXES = ['clusterclaw.io/', 'app.kubernetes.io/'];

/** Refuses the first bad label: its key's syntax, then a reserved prefix, then its value's syntax. */
export function checkInstanceLabels(labels: Record<string, string>): void {
  for (const [key, value] of Object.entries(labels)) {
    const reason = labelKeyProblem(key) ?? reservedKeyProblem(key) ?? labelValueProblem(value);
    if (reason) throw new ClawError('CLAW_ARG_INVALID', { what: '--label', reason });
  }
}

function reservedKeyProblem(key: string): Text | null {
  return RESERVED_PREFIXES.some((prefix) => key.startsWith(prefix))
    ? { en: `"${key}" is reserved for the control plane`, zh: `"${key}" 为控制平面保留` }
    : null;
}

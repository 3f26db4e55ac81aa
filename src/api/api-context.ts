// What API routes are given: the dispatcher and a few settings; routes never reach engines or the store directly.
import type { Locale } from '../i18n/locale.js';
import type { CommandRegistry } from '../pipeline/command-registry.js';
import type { Dispatcher } from '../pipeline/dispatcher.js';

export interface ApiContext {
  dispatcher: Dispatcher;
  /** The command specs, read (never run) so routes that pass a command's flags document them as the spec declares. */
  commands: CommandRegistry;
  /** Locale for API answers when the request names none. */
  defaultLocale: Locale;
  /** Longest command text accepted, for the API description; the dispatcher enforces it (and audits the attempt). */
  commandMaxLength: number;
  /** Aborted at shutdown, so requests waiting for an instance answer at once instead of holding the close. */
  signal: AbortSignal;
}

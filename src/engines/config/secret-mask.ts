// How a secret value is shown anywhere (listings, history, diffs, explain): four stars and its last four characters,
// enough to tell two keys apart; a short secret shows nothing of itself.
const SHOWN = 4;
/** Below this length the last four characters would give away too much of the value. */
const MIN_LENGTH_TO_SHOW = 12;

export function maskSecret(value: string): string {
  return value.length >= MIN_LENGTH_TO_SHOW ? `****${value.slice(-SHOWN)}` : '****';
}

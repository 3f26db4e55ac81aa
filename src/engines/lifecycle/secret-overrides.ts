// An instance's secret config values (`--set model.apiKey=...`) are stored as one sealed JSON object, or null when none.
import type { SecretBox } from '../../store/secret-box.js';

export function openSecretOverrides(box: SecretBox, sealed: string | null): Record<string, string> {
  return sealed ? (JSON.parse(box.open(sealed)) as Record<string, string>) : {};
}

export function sealSecretOverrides(box: SecretBox, values: Record<string, string>): string | null {
  return Object.keys(values).length ? box.seal(JSON.stringify(values)) : null;
}

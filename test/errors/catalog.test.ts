// The error catalog: every code documented in the README, with bilingual messages and a consistent API code and status.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode } from '../../src/errors/catalog.js';
import { ClawError } from '../../src/errors/claw-error.js';
import { toApiError } from '../../src/render/error-text.js';

const readme = readFileSync('README.md', 'utf8');
const documented = new Map(
  [...readme.matchAll(/^\| (CLAW_[A-Z_]+) \| (\w+) \| (\d{3}) \|/gm)].map((m) => [m[1]!, { api: m[2]!, status: Number(m[3]) }]),
);

describe('error catalog', () => {
  it('documents every code in the README with its API code and status, and nothing retired', () => {
    for (const [code, def] of Object.entries(ERRORS)) expect(documented.get(code), code).toEqual({ api: def.api, status: def.status });
    for (const code of documented.keys()) expect(ERRORS, code).toHaveProperty(code);
  });

  it('has a message in both languages and a doc line for every code', () => {
    for (const [code, def] of Object.entries(ERRORS)) {
      expect(def.message.en.length, code).toBeGreaterThan(2);
      expect(def.message.zh.length, code).toBeGreaterThan(1);
      expect(def.doc.length, code).toBeGreaterThan(10);
      expect(code).toMatch(/^CLAW_[A-Z]+_[A-Z_]+$/);
    }
  });

  it('maps each API code to one HTTP status', () => {
    const byApi = new Map<string, Set<number>>();
    for (const def of Object.values(ERRORS)) byApi.set(def.api, (byApi.get(def.api) ?? new Set()).add(def.status));
    for (const [api, statuses] of byApi) expect([api, [...statuses]]).toEqual([api, [...statuses].slice(0, 1)]);
  });

  it('shows internal errors only as a reference, never their details', () => {
    const e = new ClawError('CLAW_INTERNAL_ERROR' as ErrorCode, { correlationId: 'req-42' }, { hint: 'db password is hunter2', suggestions: ['x'] });
    expect(toApiError(e, 'en')).toEqual({ code: 'internal', message: 'Internal error (reference req-42).', hint: null, suggestions: [] });
  });
});

// A control plane per command test file, with helpers to run text as the admin or another member and read results.
import { afterAll, beforeAll } from 'vitest';
import type { Principal } from '../../src/model/principal.js';
import { startTestControlPlane, type TestControlPlane, type TestControlPlaneOptions } from '../support/test-control-plane.js';
import { renderText } from '../../src/render/text.js';
import { renderErrorText } from '../../src/render/error-text.js';

export interface Ran {
  ok: boolean;
  result: any;
  text: string;
  code: string | null;
  message: string;
}

export function useControlPlane(options: TestControlPlaneOptions = {}) {
  const ctx = {
    t: undefined as unknown as TestControlPlane,
    admin: undefined as unknown as Principal,
    async run(text: string, as?: Principal, locale: 'zh' | 'en' = 'en'): Promise<Ran> {
      const r = await ctx.t.run(as ?? ctx.admin, text, locale);
      return r.ok
        ? { ok: true, result: r.result, text: renderText(r.view), code: null, message: '' }
        : { ok: false, result: null, text: renderErrorText(r.error, locale), code: r.error.apiCode, message: r.error.messageIn(locale) };
    },
    async must(text: string, as?: Principal): Promise<Ran> {
      const r = await ctx.run(text, as);
      if (!r.ok) throw new Error(`${text}: ${r.text}`);
      return r;
    },
    /** Adds a member with a role and returns their principal (signed in with a fresh token). */
    async member(name: string, tenant: string, role: string): Promise<Principal> {
      await ctx.must(`claw member add ${name} --tenant ${tenant} --role ${role}`);
      const token = await ctx.must(`claw token create --member ${name} --tenant ${tenant}`);
      return ctx.t.principal(token.result.token);
    },
  };
  beforeAll(async () => {
    ctx.t = await startTestControlPlane(options);
    ctx.admin = await ctx.t.principal(ctx.t.adminToken);
  });
  afterAll(async () => ctx.t?.close());
  return ctx;
}

// Config templates in the database: built-ins loaded at start, created and edited from YAML (the CLI's --file, the
// API's attachment), checked with the other templates and against the claw type's adapter before anything is saved,
// every edit a version whose diff shows the lines that changed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClaw } from '../support/claw-cli.js';
import { databaseKinds } from '../support/databases.js';
import { startTestControlPlane, type TestControlPlane } from '../support/test-control-plane.js';

const SUPPORT = `name: support
extends: default
description: { en: Support desk assistant, zh: 客服助手 }
variables:
  model.maxTokens:
    type: number
    min: 256
    max: 32768
    default: 4096
    description: { en: Longest answer, zh: 单次回复最多 token 数 }
defaults:
  agent.name: Support
`;

describe.each(databaseKinds())('config templates on %s', (database) => {
  let t: TestControlPlane;
  const dir = mkdtempSync(join(tmpdir(), 'claw-templates-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const claw = (...args: string[]) => runClaw(args, { CLAW_URL: t.url, CLAW_TOKEN: t.adminToken, CLAW_LOCALE: 'en' });
  /** POST /api/v1/commands with the YAML as `attachment`, as the web page and scripts send it. */
  const api = async (text: string, attachment?: string) => {
    const response = await fetch(`${t.url}/api/v1/commands`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
      body: JSON.stringify({ text, ...(attachment !== undefined ? { attachment } : {}) }),
    });
    return { status: response.status, body: (await response.json()) as { ok: boolean; text: string; result?: any; error?: { code: string; message: string } } };
  };
  beforeAll(async () => {
    t = await startTestControlPlane({ database });
  });
  afterAll(async () => t?.close());

  it('loads the built-in templates into the database once, as a version', async () => {
    const list = await api('claw template list');
    expect(list.body.result.templates.map((x: { name: string }) => x.name)).toEqual(['default', 'nanoclaw', 'sales']);
    expect(list.body.text).toContain('built-in');
    const show = await api('claw template show sales');
    expect(show.body.text).toContain('extends: default');
    expect(show.body.result.variables.find((v: { name: string }) => v.name === 'agent.name')).toMatchObject({ default: 'Sales assistant' });
    // A restart (bootstrap again) with unchanged files adds nothing.
    const head = await t.plane.configs.head();
    await t.plane.configs.bootstrap();
    expect(await t.plane.configs.head()).toBe(head);
  });

  it('creates a template from a file through the CLI and edits it, each a version with a line diff', async () => {
    const created = await claw('template', 'create', '--file', file('support.yaml', SUPPORT), '--message', 'support desk');
    expect(created).toMatchObject({ code: 0, stdout: expect.stringContaining('template support (openclaw) created') });
    const shown = await api('claw template show support');
    expect(shown.body.result).toMatchObject({ type: 'openclaw', builtin: false, author: 'admin' });
    expect(shown.body.result.variables.find((v: { name: string }) => v.name === 'model.maxTokens')).toMatchObject({ default: '4096', accepts: 'a number 256..32768' });
    const v1 = shown.body.result.version as number;

    const edited = await claw('template', 'edit', 'support', '--file', file('support2.yaml', SUPPORT.replace('default: 4096', 'default: 8192')));
    expect(edited.code).toBe(0);
    const diff = await api(`claw config diff v${v1} v${v1 + 1}`);
    expect(diff.body.text).toContain('-     default: 4096');
    expect(diff.body.text).toContain('+     default: 8192');
    expect((await claw('template', 'edit', 'support', '--file', file('support3.yaml', SUPPORT.replace('default: 4096', 'default: 8192')))).stdout).toContain('already exactly this YAML');
    // Its bounds hold for values set at any scope.
    const small = await api('claw config set model.maxTokens=100 --global');
    expect(small.body.error?.message).toContain('"100" is less than 256; it accepts a number 256..32768');
    // The old version is still readable.
    expect((await api(`claw template show support --version v${v1}`)).body.text).toContain('default: 4096');
  });

  it.each([
    ['not YAML', 'name: x\n  bad: [', 'Template (new) is invalid: '],
    ['a YAML bomb', 'name: bomb\na: &a ["x","x","x","x","x","x","x","x","x"]\n' + Array.from({ length: 60 }, (_, i) => `b${i}: [*a,*a,*a,*a,*a,*a,*a,*a]`).join('\n'), 'resource exhaustion'],
    ['an unknown claw type', 'name: odd\ntype: robotclaw\ndescription: { en: o, zh: o }\n', 'no adapter for claw type "robotclaw"'],
    ['a variable the adapter does not read', 'name: odd\nextends: default\ndescription: { en: o, zh: o }\nvariables:\n  model.temprature:\n    type: number\n    description: { en: t, zh: t }\n', 'OpenClaw does not read variable model.temprature'],
    ['a variable of the wrong type', 'name: odd\nextends: default\ndescription: { en: o, zh: o }\nvariables:\n  model.maxTokens:\n    type: boolean\n    description: { en: t, zh: t }\n', 'OpenClaw reads model.maxTokens as number, not boolean'],
    ['a default out of its own bounds', 'name: odd\nextends: default\ndescription: { en: o, zh: o }\nvariables:\n  model.maxTokens:\n    type: number\n    max: 10\n    default: 20\n    description: { en: t, zh: t }\n', 'default 20 is invalid'],
    ['a name taken', SUPPORT, 'Template `support` already exists'],
    ['no file', undefined, 'Missing the template\'s YAML'],
  ])('refuses %s and saves nothing', async (_what, yaml, message) => {
    const head = await t.plane.configs.head();
    const r = await api('claw template create --file x.yaml', yaml);
    expect(r.body.ok).toBe(false);
    expect(r.body.error?.message).toContain(message);
    expect(r.status).toBeLessThan(500);
    expect(await t.plane.configs.head()).toBe(head);
  });

  it('refuses an edit that breaks a template extending it, and a rename', async () => {
    const broken = await api('claw template edit default --file d.yaml', 'name: default\ntype: openclaw\ndescription: { en: d, zh: d }\n');
    expect(broken.body.error?.message).toContain('defaults: no variable "agent.name" to set');
    const renamed = await api('claw template edit support --file s.yaml', SUPPORT.replace('name: support', 'name: helpdesk'));
    expect(renamed.body.error?.message).toContain('a template cannot be renamed');
    const denied = await api('claw template edit nope --file s.yaml', SUPPORT.replace('name: support', 'name: nope'));
    expect(denied.body.error?.message).toContain('Template `nope` not found');
  });
});

// The `claw` terminal client as a real process against a running control plane: text, --json, exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argvToText } from '../../src/cli/client.js';
import { runClaw, type ClawRun } from '../support/claw-cli.js';
import { startTestControlPlane, type TestControlPlane } from '../support/test-control-plane.js';

let t: TestControlPlane;

beforeAll(async () => {
  t = await startTestControlPlane();
});
afterAll(async () => t?.close());

function claw(args: string[], env: Record<string, string | undefined> = {}): Promise<ClawRun> {
  return runClaw(args, { CLAW_URL: t.url, CLAW_TOKEN: t.adminToken, CLAW_LOCALE: '', ...env });
}

describe('argvToText', () => {
  it('quotes what the shell split so the server sees what the user meant', () => {
    expect(argvToText(['tenant', 'create', 'acme', '--display-name', 'Acme Corp'])).toBe('claw tenant create acme --display-name "Acme Corp"');
    expect(argvToText(['x', '--display-name=Acme Corp', '--note=say "hi"', ''])).toBe('claw x --display-name="Acme Corp" --note="say \\"hi\\"" ""');
    expect(argvToText(['x', 'a\\b'])).toBe('claw x "a\\\\b"');
  });
});

describe('claw', () => {
  it('runs the first session of the issue and exits 0', async () => {
    expect(await claw(['tenant', 'create', 'acme', '--display-name', 'Acme Corp'])).toMatchObject({ code: 0, stdout: expect.stringContaining('Tenant acme created') });
    expect((await claw(['project', 'create', 'sales', '--tenant', 'acme'])).code).toBe(0);
    expect((await claw(['member', 'add', 'bob', '--tenant', 'acme', '--role', 'viewer'])).code).toBe(0);
    const token = await claw(['token', 'create', '--member', 'bob', '--tenant', 'acme']);
    expect(token.code).toBe(0);
    const bob = /claw_[A-Za-z0-9]{40}/.exec(token.stdout)?.[0];
    expect(bob).toBeDefined();

    const whoami = await claw(['whoami'], { CLAW_TOKEN: bob });
    expect(whoami).toMatchObject({ code: 0, stdout: expect.stringContaining('You are bob') });
    expect(whoami.stdout).toContain('viewer@acme');

    const denied = await claw(['tenant', 'delete', 'acme'], { CLAW_TOKEN: bob });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Error: You may not run `claw tenant delete` on tenant acme (needs tenant:delete).');

    const help = await claw(['help'], { CLAW_TOKEN: bob });
    expect(help.stdout).not.toContain('tenant delete');

    const typo = await claw(['tenat', 'list'], { CLAW_TOKEN: bob });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('Did you mean `claw tenant list`?');
  });

  it('keeps the display name exactly as typed', async () => {
    const r = await claw(['tenant', 'show', 'acme', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, result: { tenant: { displayName: 'Acme Corp' } } });
  });

  it('prints the JSON answer with --json, failures included', async () => {
    const r = await claw(['--json', 'tenant', 'show', 'nope']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('answers in Chinese with CLAW_LOCALE=zh', async () => {
    const r = await claw(['tenant', 'show', 'nope'], { CLAW_LOCALE: 'zh' });
    expect(r.stderr).toContain('错误: 找不到租户 `nope`。');
  });

  it('is recorded as the cli channel', async () => {
    const r = await claw(['audit', '--limit', '1', '--json']);
    // The audit command is recorded after it answers, so the newest event it shows is the command before it.
    expect(JSON.parse(r.stdout).result.events[0]).toMatchObject({ channel: 'cli', command: 'tenant show', member: 'admin' });
  });

  it('exits 2 with guidance when the token is missing or wrong, or the server is unreachable', async () => {
    const none = await claw(['whoami'], { CLAW_TOKEN: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('CLAW_TOKEN is not set');
    const wrong = await claw(['whoami'], { CLAW_TOKEN: 'claw_wrong-wrong-wrong-wrong' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('Missing or invalid credentials.');
    const away = await claw(['whoami'], { CLAW_URL: 'http://127.0.0.1:9' });
    expect(away.code).toBe(2);
    expect(away.stderr).toContain('cannot reach the control plane at http://127.0.0.1:9');
  });

  it('prints usage and exits 2 without arguments', async () => {
    const r = await claw([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage: claw [--json] COMMAND');
  });
});

// Progress of commands that wait, for API clients, the `claw` CLI and the web console: NDJSON progress lines while an
// instance comes up on the real test cluster, then the answer with the HTTP status it would have had.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runClaw } from '../support/claw-cli.js';
import { k8sSettings } from '../support/k8s-settings.js';
import { startTestControlPlane, type CommandAnswer, type TestControlPlane } from '../support/test-control-plane.js';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/client.js';
import { randomToken } from '../../src/util/ids.js';

const tenant = `pg${randomToken(6).toLowerCase()}`;
let t: TestControlPlane;

beforeAll(async () => {
  t = await startTestControlPlane({ settings: k8sSettings(inject('kubeconfigPath')) });
  for (const text of [`claw tenant create ${tenant}`, `claw project create p --tenant ${tenant}`, `claw tenant policy ${tenant} --approvals 0`]) {
    const { body } = await t.command(t.adminToken, text);
    if (!body.ok) throw new Error(`${text}: ${body.text}`);
  }
});
afterAll(async () => t?.close());

/** POSTs a command as a progress-aware client and splits the answer into its progress lines and final envelope. */
async function streamed(text: string): Promise<{ status: number; type: string; progress: string[]; answer: CommandAnswer & { status?: number } }> {
  const response = await fetch(`${t.url}/api/v1/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson, application/json', authorization: `Bearer ${t.adminToken}` },
    body: JSON.stringify({ text: `${text} --tenant ${tenant} --project p`, locale: 'en' }),
  });
  const type = response.headers.get('content-type') ?? '';
  const raw = await response.text();
  if (!type.startsWith('application/x-ndjson')) return { status: response.status, type, progress: [], answer: JSON.parse(raw) as CommandAnswer };
  const lines = raw.trimEnd().split('\n').map((line) => JSON.parse(line) as { progress?: string } & CommandAnswer & { status?: number });
  return { status: response.status, type, progress: lines.slice(0, -1).map((l) => l.progress!), answer: lines.at(-1)! };
}

describe('progress of commands that wait', () => {
  it('streams the phases of a create --wait, then the answer', async () => {
    const r = await streamed('claw create demo --wait --timeout 60s');
    expect(r.type).toMatch(/^application\/x-ndjson/);
    expect(r.status).toBe(200);
    expect(r.progress[0]).toMatch(/^demo: Creating/);
    expect(r.progress.at(-1)).toBe('demo: Running (ready)');
    expect(r.answer).toMatchObject({ ok: true, status: 200, text: 'demo: Running (ready)' });
  });

  it('counts a batch down as its instances settle, then answers a line per instance', async () => {
    for (const name of ['batch1', 'batch2', 'batch3']) {
      const created = await streamed(`claw create ${name} --label wave=one --wait --timeout 60s`);
      expect(created.answer.ok).toBe(true);
    }
    const r = await streamed('claw stop --selector wave=one --wait --timeout 60s');
    expect(r.status).toBe(200);
    expect(r.progress[0]).toMatch(/^0\/3 done · batch\d: /);
    expect(r.progress.at(-1)).toMatch(/^3\/3 done · batch\d: Stopped$/);
    const counts = r.progress.map((line) => Number(/^(\d)\/3 done/.exec(line)![1]));
    expect(counts).toEqual([...counts].sort());
    expect(r.answer.text).toMatch(/batch1\s+p\s+Stopped[\s\S]*batch2\s+p\s+Stopped[\s\S]*batch3\s+p\s+Stopped/);
  });

  it('answers plain JSON with the real status when a command reports no progress', async () => {
    const quick = await streamed('claw status demo');
    expect(quick.type).toMatch(/^application\/json/);
    expect(quick).toMatchObject({ status: 200, answer: { ok: true } });
    const missing = await streamed('claw stop nosuch --wait');
    expect(missing).toMatchObject({ status: 404, type: expect.stringMatching(/^application\/json/), answer: { ok: false, error: { code: 'not_found' } } });
  });

  it('ends a stream that fails with the error and the status it would have had', async () => {
    const r = await streamed('claw restart demo --wait --timeout 1ms');
    expect(r.status).toBe(200);
    expect(r.progress.length).toBeGreaterThan(0);
    expect(r.answer).toMatchObject({ ok: false, status: 504, error: { code: 'timeout' } });
    expect(r.answer.text).toContain('follow it with `claw status demo`');
  });

  it('the claw CLI prints progress on stderr and the answer on stdout', async () => {
    const cli = await runClaw(['create', 'viacli', '--tenant', tenant, '--project', 'p', '--wait'], { CLAW_URL: t.url, CLAW_TOKEN: t.adminToken, CLAW_LOCALE: 'en' });
    expect(cli.code).toBe(0);
    expect(cli.stderr).toMatch(/^viacli: Creating/m);
    expect(cli.stdout).toBe('viacli: Running (ready)\n');
  });

  it('on a terminal, the claw CLI rewrites one progress line in place, fits it to the width and clears it at the end', async () => {
    const collect = (stream: PassThrough) => {
      let text = '';
      stream.on('data', (d: Buffer) => (text += d.toString()));
      return () => text;
    };
    const out = new PassThrough();
    const err = Object.assign(new PassThrough(), { isTTY: true, columns: 24 });
    const [stdout, stderr] = [collect(out), collect(err)];
    const code = await main(['create', 'ontty', '--tenant', tenant, '--project', 'p', '--wait'], { CLAW_URL: t.url, CLAW_TOKEN: t.adminToken, CLAW_LOCALE: 'en' }, out, err);
    expect(code).toBe(0);
    expect(stdout()).toBe('ontty: Running (ready)\n');
    const frames = stderr().split('\r\x1b[2K');
    expect(frames[0]).toBe('');
    expect(frames.at(-1)).toBe('');
    const shown = frames.slice(1, -1);
    expect(shown[0]).toMatch(/^ontty: Creating/);
    expect(shown).toContain('ontty: Running (ready)');
    expect(shown.every((frame) => frame.length <= 23 && !frame.includes('\n'))).toBe(true);
    expect(shown.some((frame) => frame.endsWith('…'))).toBe(true);
  });
});

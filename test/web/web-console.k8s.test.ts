// The web console in a real headless Chromium (Debian's package; .ci/run installs it): sign in with a token, run
// commands, see progress while an instance comes up on the real test cluster, and errors with their hints.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { k8sSettings } from '../support/k8s-settings.js';
import { startTestControlPlane, type TestControlPlane } from '../support/test-control-plane.js';
import { randomToken } from '../../src/util/ids.js';

const CHROMIUM = process.env.CLAW_TEST_CHROMIUM ?? '/usr/bin/chromium';
const tenant = `wb${randomToken(6).toLowerCase()}`;
let t: TestControlPlane;
let browser: Browser;
let page: Page;
const cspViolations: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set CLAW_TEST_CHROMIUM`);
  t = await startTestControlPlane({ settings: k8sSettings(inject('kubeconfigPath')) });
  for (const text of [`claw tenant create ${tenant}`, `claw project create p --tenant ${tenant}`, `claw tenant policy ${tenant} --approvals 0`]) {
    const { body } = await t.command(t.adminToken, text);
    if (!body.ok) throw new Error(`${text}: ${body.text}`);
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
  // The browser reports what the page's CSP refused on its console; the console must need nothing it refuses.
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Types a command into the console and waits for its answer: the entry after the echoed `> command`. */
async function send(text: string): Promise<{ text: string; ok: boolean }> {
  const before = await page.locator('#log .entry').count();
  await page.fill('#command', text);
  await page.press('#command', 'Enter');
  const answer = page.locator('#log .entry').nth(before + 1);
  await answer.waitFor({ timeout: 60_000 });
  await page.locator('#log .progress').waitFor({ state: 'detached', timeout: 60_000 });
  const last = page.locator('#log .entry').last();
  return { text: (await last.textContent()) ?? '', ok: (await last.getAttribute('class'))?.includes('ok') ?? false };
}

describe('web console', () => {
  it('refuses a wrong token and signs in with the right one', async () => {
    const response = await page.goto(t.url);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    await page.fill('#token', 'claw_wrong_token');
    await page.click('#login-form button');
    await expect.poll(() => page.textContent('#login-error')).toContain('Invalid token');
    await page.fill('#token', t.adminToken);
    await page.click('#login-form button');
    await page.locator('#console').waitFor({ state: 'visible' });
    expect(await page.locator('#login').isHidden()).toBe(true);
    expect(await page.textContent('#log')).toContain('admin');
  });

  it('runs commands in the chosen language, with hints for mistakes and history on the arrow keys', async () => {
    await page.selectOption('#lang', 'en');
    const typo = await send('claw tenat list');
    expect(typo.ok).toBe(false);
    expect(typo.text).toContain('Did you mean');
    await page.selectOption('#lang', 'zh');
    const list = await send('claw tenant list');
    expect(list.ok).toBe(true);
    expect(list.text).toContain(tenant);
    await page.press('#command', 'ArrowUp');
    expect(await page.inputValue('#command')).toBe('claw tenant list');
    await page.press('#command', 'ArrowUp');
    expect(await page.inputValue('#command')).toBe('claw tenat list');
    await page.fill('#command', '');
  });

  it('shows progress in place while an instance comes up, then the answer', async () => {
    await page.selectOption('#lang', 'en');
    // Every text the progress line shows, in order (the line is removed once the answer is there). The page's code
    // goes in as text: this project's TypeScript has no DOM types.
    await page.evaluate(`
      window.progressSeen = [];
      new MutationObserver(() => {
        const line = document.querySelector('#log .progress')?.textContent;
        if (line && window.progressSeen.at(-1) !== line) window.progressSeen.push(line);
      }).observe(document.getElementById('log'), { subtree: true, childList: true, characterData: true });
    `);
    const answer = await send(`claw create webdemo --tenant ${tenant} --project p --wait --timeout 60s`);
    expect(answer).toEqual({ ok: true, text: 'webdemo: Running (ready)' });
    const seen = (await page.evaluate('window.progressSeen')) as string[];
    expect(seen[0]).toMatch(/^webdemo: Creating/);
    expect(await page.locator('#log .progress').count()).toBe(0);
  });

  it('needed nothing its CSP refuses (no inline script or style) in all of the above', () => {
    expect(cspViolations).toEqual([]);
  });
});

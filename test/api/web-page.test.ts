// The web page's HTTP answers: a CSP without inline script or framing, nosniff, a strict referrer policy; its code
// and styles are files the CSP allows, and the page itself carries none inline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../support/test-control-plane.js';

let t: TestControlPlane;
beforeAll(async () => {
  t = await startTestControlPlane();
});
afterAll(async () => {
  await t?.close();
});

/** The CSP as directive -> sources. */
function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...sources]) => [name!, sources]));
}

describe('web page', () => {
  it.each(['/', '/web/console.js', '/web/console.css'])('serves %s without a token, under a CSP that runs no inline script and forbids framing', async (path) => {
    const response = await fetch(`${t.url}${path}`);
    expect(response.status).toBe(200);
    const csp = directives(response.headers.get('content-security-policy') ?? '');
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(response.headers.get('content-security-policy')).not.toContain('unsafe-');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('keeps its script and styles in the files the CSP allows, none inline', async () => {
    const page = await (await fetch(`${t.url}/`)).text();
    expect(page).toContain('<script type="module" src="/web/console.js"></script>');
    expect(page).toContain('<link rel="stylesheet" href="/web/console.css">');
    // An inline script, a style block or attribute, or an event handler attribute would be refused by the browser.
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const script = await fetch(`${t.url}/web/console.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("fetch('/api/v1/commands'");
    expect((await fetch(`${t.url}/web/console.css`)).headers.get('content-type')).toMatch(/^text\/css/);
  });
});

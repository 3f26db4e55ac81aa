// Config templates: typed variables with defaults, `extends`, required values, secrets kept apart, clear refusals.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TemplateCatalog } from '../../../src/engines/config/template-catalog.js';
import { ClawError } from '../../../src/errors/claw-error.js';

const catalog = TemplateCatalog.fromDirectory();

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'claw-templates-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('shipped templates', () => {
  it('resolves the default template with typed defaults', () => {
    const r = catalog.resolve('default', {});
    expect(r.values).toMatchObject({ 'model.provider': 'openai-compatible', 'model.id': 'qwen3-32b', 'model.maxTokens': 8192, 'metrics.prometheus': true });
    expect(r.secrets).toEqual({});
  });

  it('lets sales extend default with its own defaults', () => {
    expect(catalog.resolve('sales', {}).values).toMatchObject({ 'agent.name': 'Sales assistant', 'model.maxTokens': 16384, 'model.id': 'qwen3-32b' });
  });

  it('types --set values and keeps secrets apart', () => {
    // Values arrive together, as `--set` gives them; the template's types put the secret apart.
    const r = catalog.resolve('default', { 'model.maxTokens': '4096', 'model.apiKey': 'sk-1' });
    expect(r.values).not.toHaveProperty('model.apiKey');
    expect(r.values['model.maxTokens']).toBe(4096);
    expect(r.secrets['model.apiKey']).toBe('sk-1');
  });

  it.each([
    [{ 'model.nmae': 'x' }, 'template default has no variable model.nmae', 'Did you mean model.name?'],
    [{ 'model.maxTokens': 'many' }, '"many" is not a number', ''],
    [{ 'model.provider': 'azure' }, '"azure" is not one of openai-compatible, anthropic, none', ''],
    [{ 'model.baseUrl': 'ftp://x' }, '"ftp://x" is not an http(s) URL', ''],
    [{ 'agent.name': 'a\u0007b' }, 'contains control characters', ''],
  ])('refuses %j', (set, message, hint) => {
    try {
      catalog.resolve('default', set);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ClawError);
      expect((error as ClawError).message).toContain(message);
      if (hint) expect(JSON.stringify((error as ClawError).extras.hint)).toContain(hint);
    }
  });

  it('names the templates when one is unknown', () => {
    expect(() => catalog.get('slaes')).toThrow('Template `slaes` not found.');
  });
});

describe('template files', () => {
  const base = 'name: base\ntype: openclaw\ndescription: { en: b, zh: b }\nvariables:\n  x:\n    type: string\n    required: true\n    description: { en: x, zh: x }\n';

  it('requires required variables', () => {
    const c = TemplateCatalog.fromDirectory(dirWith({ 'base.yaml': base }));
    expect(() => c.resolve('base', {})).toThrow('Missing template variable x (--set x=...).');
    expect(c.resolve('base', { x: 'v' }).values).toEqual({ x: 'v' });
  });

  it.each([
    [{ 'a.yaml': 'name: b\ntype: openclaw\ndescription: { en: a, zh: a }\n' }, 'must be named b.yaml'],
    [{ 'a.yaml': 'name: a\nextends: nope\ndescription: { en: a, zh: a }\n' }, 'extends unknown template "nope"'],
    [{ 'a.yaml': 'name: a\nextends: b\ndescription: { en: a, zh: a }\n', 'b.yaml': 'name: b\nextends: a\ndescription: { en: b, zh: b }\n' }, 'cycle'],
    [{ 'a.yaml': 'name: a\ntype: openclaw\ndescription: { en: a, zh: a }\nvariables:\n  k:\n    type: secret\n    default: s\n    description: { en: k, zh: k }\n' }, 'a secret cannot have a default'],
    [{ 'a.yaml': 'name: a\ntype: openclaw\ndescription: { en: a, zh: a }\nvariables:\n  k:\n    type: number\n    default: ten\n    description: { en: k, zh: k }\n' }, 'default ten is invalid'],
    [{ 'a.yaml': 'name: a\ntype: openclaw\ndescription: { en: a, zh: a }\nbogus: 1\n' }, 'unknown key bogus'],
  ])('refuses broken files (%#)', (files, message) => {
    expect(() => TemplateCatalog.fromDirectory(dirWith(files))).toThrow(message);
  });
});

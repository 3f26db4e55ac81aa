// The generated-file path guard of the local runtime: a spec's file paths stay inside the instance's files directory,
// and a spec with one bad path is refused whole, with an error that names the path, before anything is written.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../src/runtime/runtime.js';
import { assertRelativeFilePath, writeGeneratedFiles } from '../../../src/runtime/local/generated-files.js';

const base = mkdtempSync(join(tmpdir(), 'claw-files-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** The error assertRelativeFilePath throws for path, or undefined when it accepts it. */
function refusal(path: string): RuntimeError | undefined {
  try {
    assertRelativeFilePath(path);
    return undefined;
  } catch (error) {
    if (!(error instanceof RuntimeError)) throw error;
    return error;
  }
}

describe('generated file paths (local runtime)', () => {
  it.each([
    ['absolute', '/etc/passwd'],
    ['parent', '..'],
    ['escaping parent', '../outside.json'],
    ['escaping after a subdirectory', 'conf/../../outside.json'],
    ['NUL byte', 'openclaw.json\0.txt'],
    ['empty', ''],
    ['the directory itself', '.'],
  ])('refuses a %s path with a clear error', (_what, path) => {
    const error = refusal(path);
    expect(error?.kind).toBe('invalid');
    expect(error?.message).toBe(`file path "${path}" must be relative and stay inside the instance's files directory`);
  });

  it.each(['openclaw.json', 'skills/weather/SKILL.md', './agents.json', 'a/../b.json', 'name..with..dots'])('accepts %j, which stays inside', (path) => {
    expect(refusal(path)).toBeUndefined();
  });

  it('writes nothing at all when one path of the spec is bad', async () => {
    const dir = join(base, 'instance-a', 'generated');
    const outside = join(base, 'instance-a', 'outside.json');
    await expect(writeGeneratedFiles(dir, { 'openclaw.json': '{}', '../outside.json': 'escaped' })).rejects.toMatchObject({ kind: 'invalid' });
    expect(existsSync(outside)).toBe(false);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it('writes good paths inside the directory, subdirectories included', async () => {
    const dir = join(base, 'instance-b', 'generated');
    await writeGeneratedFiles(dir, { 'openclaw.json': '{}', 'skills/weather/SKILL.md': '# weather', './agents.json': '[]' });
    expect(readdirSync(dir, { recursive: true }).map(String).sort()).toEqual(['agents.json', 'openclaw.json', 'skills', 'skills/weather', 'skills/weather/SKILL.md']);
  });
});

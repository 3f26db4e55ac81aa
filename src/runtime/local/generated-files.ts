// Writes spec.files into the instance's generated/ directory (like a ConfigMap volume): exactly those files, each atomically.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { RuntimeError } from '../runtime.js';
import { writeFileAtomic } from './atomic-file.js';

/** Rejects paths that would land outside the directory: absolute, "..", or empty. */
export function assertRelativeFilePath(path: string): void {
  const normal = normalize(path);
  if (path === '' || isAbsolute(path) || normal === '..' || normal.startsWith(`..${sep}`) || normal === '.' || path.includes('\0')) {
    throw new RuntimeError('invalid', `file path "${path}" must be relative and stay inside the instance's files directory`);
  }
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path, base)));
    else files.push(relative(base, path));
  }
  return files;
}

/** The file's current content, or undefined when it does not exist. */
async function currentContent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes every file whose content differs, then deletes files an earlier spec had and this one has not, so the
 * directory mirrors the spec. Every reconcile pass comes here: an unchanged spec writes nothing (no fsync, no new mtime).
 * Returns how many files were written and removed.
 */
export async function writeGeneratedFiles(
  dir: string,
  files: Record<string, string>,
  /** `group`: readable by the directory's group (the claw's, when it runs as a user of its own; the directory is setgid). */
  readers: 'owner' | 'group' = 'owner',
): Promise<{ written: number; removed: number }> {
  const [dirMode, fileMode] = readers === 'group' ? [0o2750, 0o640] : [0o700, 0o600];
  const wanted = new Set<string>();
  for (const path of Object.keys(files)) {
    assertRelativeFilePath(path);
    wanted.add(normalize(path));
  }
  await mkdir(dir, { recursive: true, mode: dirMode });
  let written = 0;
  let removed = 0;
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, normalize(path));
    if ((await currentContent(target)) === content) continue;
    await mkdir(dirname(target), { recursive: true, mode: dirMode });
    await writeFileAtomic(target, content, fileMode);
    written++;
  }
  for (const existing of await listFiles(dir)) {
    if (wanted.has(existing)) continue;
    await rm(join(dir, existing), { force: true });
    removed++;
  }
  return { written, removed };
}

/** The files in the directory now (relative paths), or undefined when it does not exist. */
export async function readGeneratedFiles(dir: string): Promise<Record<string, string> | undefined> {
  const paths = await listFiles(dir);
  if (paths.length === 0) {
    try {
      await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
  const files: Record<string, string> = {};
  for (const path of paths.sort()) {
    const content = await currentContent(join(dir, path));
    if (content !== undefined) files[path] = content;
  }
  return files;
}

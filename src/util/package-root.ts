// Locates the package root (where package.json and configs/ live) from compiled or source files alike.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && existsSync(join(dir, 'configs'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the package root (package.json next to configs/)');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findRoot();

export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

export function configPath(...parts: string[]): string {
  return join(PACKAGE_ROOT, 'configs', ...parts);
}

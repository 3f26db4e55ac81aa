// The floors of the source tree, lowest first. A file may import its own floor and the floors below it, never one
// above, so a command's path runs one way (channel -> pipeline -> commands -> engines -> runtime) and never climbs back:
//
//    1. base      src/util, src/i18n, src/errors, src/observability   helpers that know nothing of the product
//    2. model     src/model        the domain vocabulary: scopes and scope paths, principal and identity, permission
//                                  checks, selectors, names, quantities, durations, chat origin
//    3. config    src/config       settings and YAML files (parses durations and quantities with the model)
//    4. store     src/store        TypeORM entities, migrations, the data source
//    5. runtime   src/runtime      where claws run: the Runtime interface, Kubernetes and local runtimes
//    6. engines   src/engines      tenancy, access, approvals, audit, config, lifecycle: they return data, never views
//    7. render    src/render       views (messages, tables, cards) and their text form, built from engine data
//    8. pipeline  src/pipeline     normalise, grammar, bind, identity, scope resolution, RBAC gate, dispatcher, help
//    9. commands  commands/, adapters/    one module per chat command (and its helpers); one folder per claw type
//   10. edges     src/channels, src/api, src/cli, src/web    where commands come in and replies go out
//   11. root      src/control-plane.ts, src/main.ts          the composition root wires everything together
//
// Type-only imports count: a type that climbs is still a dependency that climbs. Folders on the same floor may
// import each other, but never in a cycle; and below the pipeline no two files import each other even through types
// (src/pipeline still has one: command-spec -> handler-engines -> help-catalog -> command-spec, all types).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCANNED = ['src', 'commands', 'adapters'];

const FLOORS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['base', ['src/util', 'src/i18n', 'src/errors', 'src/observability']],
  ['model', ['src/model']],
  ['config', ['src/config']],
  ['store', ['src/store']],
  ['runtime', ['src/runtime']],
  ['engines', ['src/engines']],
  ['render', ['src/render']],
  ['pipeline', ['src/pipeline']],
  ['commands', ['commands', 'adapters']],
  ['edges', ['src/channels', 'src/api', 'src/cli', 'src/web']],
  ['root', ['src/control-plane.ts', 'src/main.ts']],
];

const FLOOR_OF = new Map<string, { name: string; level: number }>();
FLOORS.forEach(([name, units], level) => units.forEach((unit) => FLOOR_OF.set(unit, { name, level })));

/** The folder (or top-level file) a path belongs to: `src/engines/access/x.ts` -> `src/engines`. */
function unitOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] !== 'src') return parts[0]!;
  return parts.length === 2 ? path : `src/${parts[1]}`;
}

function sourceFiles(): string[] {
  const files: string[] = [];
  for (const top of SCANNED) {
    for (const entry of readdirSync(join(ROOT, top), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        files.push(relative(ROOT, join(entry.parentPath, entry.name)).split(sep).join('/'));
      }
    }
  }
  return files.sort();
}

interface Edge {
  file: string;
  specifier: string;
  /** The imported file, `.ts` for the `.js` the specifier names. */
  target: string;
  from: string;
  to: string;
}

/** Every relative import of every scanned file: `import`, `import type`, `export ... from`, `import()`. */
function relativeImports(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles()) {
    // preProcessFile reads the module specifiers the way the compiler does, so comments and strings never count.
    const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith('.')) continue;
      const target = normalize(join(dirname(file), specifier)).split(sep).join('/').replace(/\.js$/, '.ts');
      edges.push({ file, specifier, target, from: unitOf(file), to: unitOf(target) });
    }
  }
  return edges;
}

/** Cycles in a graph, each as `a -> b -> a`; one per strongly connected group is enough to name it. */
function cycles(pairs: Array<readonly [string, string]>): string[] {
  const next = new Map<string, Set<string>>();
  for (const [from, to] of pairs) {
    if (from === to) continue;
    if (!next.has(from)) next.set(from, new Set());
    next.get(from)!.add(to);
  }
  const found = new Set<string>();
  const path: string[] = [];
  const done = new Set<string>();
  const visit = (unit: string): void => {
    const at = path.indexOf(unit);
    if (at >= 0) {
      const loop = path.slice(at);
      // Rotate so the same loop found from another folder reads the same.
      const start = loop.indexOf([...loop].sort()[0]!);
      const canonical = [...loop.slice(start), ...loop.slice(0, start)];
      found.add([...canonical, canonical[0]].join(' -> '));
      return;
    }
    if (done.has(unit)) return;
    path.push(unit);
    for (const to of next.get(unit) ?? []) visit(to);
    path.pop();
    done.add(unit);
  };
  for (const unit of [...next.keys()].sort()) visit(unit);
  return [...found].sort();
}

describe('layering', () => {
  const imports = relativeImports();
  const edges = imports.filter((e) => e.from !== e.to);

  it('places every folder of src/, commands/ and adapters/ on a floor', () => {
    const units = new Set(sourceFiles().map(unitOf));
    expect([...units].filter((u) => !FLOOR_OF.has(u))).toEqual([]);
  });

  it('never imports a higher floor', () => {
    const climbing = edges
      .filter((e) => FLOOR_OF.has(e.from) && FLOOR_OF.has(e.to) && FLOOR_OF.get(e.to)!.level > FLOOR_OF.get(e.from)!.level)
      .map((e) => `${e.file} (${FLOOR_OF.get(e.from)!.name}) imports '${e.specifier}' (${FLOOR_OF.get(e.to)!.name})`);
    expect(climbing).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    expect(cycles(edges.map((e) => [e.from, e.to] as const))).toEqual([]);
  });

  it('has no import cycle between files below the pipeline', () => {
    const pipeline = FLOOR_OF.get('src/pipeline')!.level;
    const below = imports.filter((e) => FLOOR_OF.has(e.from) && FLOOR_OF.get(e.from)!.level < pipeline);
    expect(cycles(below.map((e) => [e.file, e.target] as const))).toEqual([]);
  });
});

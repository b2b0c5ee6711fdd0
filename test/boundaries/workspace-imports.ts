import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** What a package.json says about a package, for the import rules. */
export interface PackageInfo {
  name: string;
  /** Repository-relative directory ('' for the root package). */
  dir: string;
  dependencies: ReadonlySet<string>;
  devDependencies: ReadonlySet<string>;
  /** The keys of its `exports` map ('.', './testing', ...). */
  exports: readonly string[];
}

/** One import specifier in one source file. */
export interface SourceImport {
  /** Repository-relative path of the importing file. */
  file: string;
  specifier: string;
}

/** The services: none may import another one, or the CLI. */
export const SERVICES: ReadonlySet<string> = new Set([
  '@floodgate/api-server',
  '@floodgate/gateway',
  '@floodgate/load-balancer',
]);
const CLI = '@floodgate/cli';

const SOURCE = /\.(ts|mts|js|mjs)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.floodgate', '.git']);
/** Files that only tests load: their @floodgate imports may be devDependencies. */
const TEST_ONLY = /(\.test\.ts|\.contract\.ts)$|\/(testing|test-support)\//;

/** The root package and every workspace it lists, read from their package.json files. */
export function readPackages(root: string): PackageInfo[] {
  const rootManifest = readManifest(root, '');
  const workspaces = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }
  ).workspaces;
  return [rootManifest, ...workspaces.map((dir) => readManifest(root, dir))];
}

function readManifest(root: string, dir: string): PackageInfo {
  const json = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
    name: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    exports?: Record<string, unknown>;
  };
  return {
    name: json.name,
    dir,
    dependencies: new Set(Object.keys(json.dependencies ?? {})),
    devDependencies: new Set(Object.keys(json.devDependencies ?? {})),
    exports: Object.keys(json.exports ?? {}),
  };
}

/** Every import specifier (static, type-only, re-export, dynamic) of every source file in the tree. */
export function readImports(root: string): SourceImport[] {
  const found: SourceImport[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (SKIPPED_DIRS.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        const file = relative(root, path).split(sep).join('/');
        const { importedFiles } = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
        for (const { fileName } of importedFiles) found.push({ file, specifier: fileName });
      }
    }
  };
  walk(resolve(root));
  return found;
}

/** The package a file belongs to: the workspace whose directory holds it, else the root package. */
function owner(file: string, packages: readonly PackageInfo[]): PackageInfo {
  const workspace = packages.find((p) => p.dir !== '' && file.startsWith(`${p.dir}/`));
  return workspace ?? (packages.find((p) => p.dir === '') as PackageInfo);
}

/**
 * The boundary violations among `imports`, one line each (empty when there are none):
 * - a service imports another service or the CLI;
 * - a package imports a @floodgate package its package.json does not declare (devDependencies
 *   count for test-only files: tests, `testing/`, `test-support/`);
 * - an import names a subpath the target does not export, or a package exports a pattern;
 * - a relative import reaches into another package's files.
 */
export function findViolations(packages: readonly PackageInfo[], imports: readonly SourceImport[]): string[] {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const violations: string[] = [];
  for (const p of packages) {
    for (const key of p.exports) {
      if (key.includes('*')) violations.push(`${p.name} exports the pattern "${key}": name each entry point`);
    }
  }
  for (const { file, specifier } of imports) {
    const from = owner(file, packages);
    if (specifier.startsWith('.')) {
      const target = owner(join(file, '..', specifier).split(sep).join('/'), packages);
      if (target !== from) {
        violations.push(`${file}: '${specifier}' reaches into ${target.name}; import it by name`);
      }
      continue;
    }
    const match = /^(@floodgate\/[^/]+)(\/.*)?$/.exec(specifier);
    if (match === null) continue;
    const [, name, subpath = ''] = match as unknown as [string, string, string | undefined];
    if (name === from.name) {
      violations.push(`${file}: imports its own package '${specifier}'; use a relative path`);
      continue;
    }
    if (SERVICES.has(from.name) && (SERVICES.has(name) || name === CLI)) {
      violations.push(`${file}: the service ${from.name} imports ${name}`);
    }
    const testOnly = from.dir === '' || TEST_ONLY.test(file);
    const declared = from.dependencies.has(name) || (testOnly && from.devDependencies.has(name));
    if (!declared) {
      const where = from.devDependencies.has(name) ? ' (only in devDependencies)' : '';
      violations.push(`${file}: imports ${name}, which ${from.name}'s package.json does not declare${where}`);
    }
    const target = byName.get(name);
    if (target !== undefined && !target.exports.includes(`.${subpath}`)) {
      violations.push(
        `${file}: '${specifier}' is not an entry point of ${name} (${target.exports.join(', ')})`,
      );
    }
  }
  return violations;
}

/** Static checks of the Dockerfile and .dockerignore; each returns problems (empty = fine). */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface RootPackage {
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const BASE_IMAGE = 'node:20-bookworm-slim';
const INSTALL = /\bnpm (ci|install|i)\b/;

/** Instructions with line continuations joined; comments and blank lines dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') start = i + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    const space = full.search(/\s/);
    out.push({
      keyword: (space < 0 ? full : full.slice(0, space)).toUpperCase(),
      args: space < 0 ? '' : full.slice(space + 1).trim(),
      line: start,
    });
  });
  return out;
}

/** Instructions grouped by build stage (each begins with FROM). */
export function stages(instructions: readonly Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') out.push([ins]);
    else out[out.length - 1]?.push(ins);
  }
  return out;
}

/** A JSON exec-form argument list (`["a","b"]`), or undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export interface DockerfileOptions {
  rootPackage: RootPackage;
  fileExists: (path: string) => boolean;
  /** Entry files the image may be asked to run (one per component). */
  entries: readonly string[];
}

export function checkDockerfile(text: string, options: DockerfileOptions): string[] {
  const problems: string[] = [];
  const all = parseDockerfile(text);
  const byStage = stages(all);
  if (byStage.length < 2) problems.push('Dockerfile must be multi-stage');
  for (const [from] of byStage) {
    if (!from || !new RegExp(`^${BASE_IMAGE}(\\s+AS\\s+\\S+)?$`, 'i').test(from.args)) {
      problems.push(`line ${from?.line}: FROM ${from?.args} must use ${BASE_IMAGE}`);
    }
  }

  // Install from the lockfile (npm ci, or npm install while the lock lacks other platforms' optional
  // packages), with every workspace's manifest copied first.
  const installStage = byStage.find((s) => s.some((i) => i.keyword === 'RUN' && INSTALL.test(i.args)));
  if (!installStage) problems.push('Dockerfile must install with `npm ci` or `npm install`');
  else {
    const copied = installStage
      .filter((i) => i.keyword === 'COPY')
      .flatMap((i) => copySources(i.args))
      .map((s) => s.replace(/^\.\//, ''));
    const needed = [
      'package.json',
      'package-lock.json',
      ...(options.rootPackage.workspaces ?? []).map((w) => `${w}/package.json`),
    ];
    for (const file of needed) {
      if (!copied.includes(file) && !copied.includes('.'))
        problems.push(`install stage does not COPY ${file}`);
    }
    const install = installStage.find((i) => i.keyword === 'RUN' && INSTALL.test(i.args));
    const omitsDev = install && /--omit[= ]dev|--production|--only[= ]prod/.test(install.args);
    if (omitsDev && !options.rootPackage.dependencies?.tsx) {
      problems.push('the install omits dev dependencies, but tsx (the runtime loader) is a devDependency');
    }
    if (install && /--no-package-lock|--package-lock=false/.test(install.args)) {
      problems.push('the install must follow package-lock.json');
    }
  }
  if (!options.rootPackage.dependencies?.tsx && !options.rootPackage.devDependencies?.tsx) {
    problems.push('tsx is not a root dependency, so the image cannot run TypeScript');
  }

  // Every local COPY source exists.
  for (const ins of all) {
    if (ins.keyword !== 'COPY' || /--from=/.test(ins.args)) continue;
    for (const src of copySources(ins.args)) {
      if (src !== '.' && !options.fileExists(src))
        problems.push(`line ${ins.line}: COPY source ${src} does not exist`);
    }
  }

  const final = byStage[byStage.length - 1] ?? [];
  const user = [...final].reverse().find((i) => i.keyword === 'USER');
  if (!user || /^(root|0)(:|$)/.test(user.args)) problems.push('final stage must switch to a non-root USER');

  const entrypoint = [...final].reverse().find((i) => i.keyword === 'ENTRYPOINT');
  const cmd = [...final].reverse().find((i) => i.keyword === 'CMD');
  const entryArgs = entrypoint ? execForm(entrypoint.args) : undefined;
  const cmdArgs = cmd ? execForm(cmd.args) : undefined;
  if (!entryArgs)
    problems.push('ENTRYPOINT must be exec form ["node", "--import", "tsx", "--conditions=source"]');
  if (!cmdArgs) problems.push('CMD must be exec form naming an entry file');
  if (entryArgs && cmdArgs) {
    const argv = [...entryArgs, ...cmdArgs];
    if (argv[0] !== 'node') problems.push(`the image must run node (runs ${argv[0]})`);
    const tsxAt = argv.indexOf('--import');
    if (tsxAt < 0 || argv[tsxAt + 1] !== 'tsx')
      problems.push('the image must load TypeScript with --import tsx');
    if (!argv.includes('--conditions=source'))
      problems.push('the image must resolve workspaces with --conditions=source');
    const file = cmdArgs[cmdArgs.length - 1] ?? '';
    if (!options.fileExists(file)) problems.push(`CMD runs ${file}, which does not exist in the repository`);
    if (!options.entries.includes(file)) problems.push(`CMD runs ${file}, which is no component entry`);
  }
  return problems;
}

/** Sources of a COPY instruction: every argument but the flags and the destination. */
function copySources(args: string): string[] {
  const words = execForm(args) ?? args.split(/\s+/).filter(Boolean);
  const plain = words.filter((w) => !w.startsWith('--'));
  return plain.slice(0, -1);
}

/** Docker's .dockerignore matching, simplified: `*`, `**`, `!` exceptions, last match wins. */
function isDockerIgnored(patterns: readonly string[], path: string): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\/+/, '').replace(/\/+$/, '');
    if (!pattern) continue;
    const source = pattern
      .split('**')
      .map((part) =>
        part
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]'),
      )
      .join('.*')
      .replace(/\.\*\//g, '(?:.*/)?');
    if (new RegExp(`^${source}(?:/.*)?$`).test(path)) ignored = !negate;
  }
  return ignored;
}

function dockerignorePatterns(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

export interface DockerignoreOptions {
  /** Paths the build needs (manifests, lockfile, entries, configs). */
  mustInclude: readonly string[];
}

/** Keeps host installs, build output, local data, secrets and .git out; keeps what the build needs. */
export function checkDockerignore(text: string, options: DockerignoreOptions): string[] {
  const patterns = dockerignorePatterns(text);
  const problems: string[] = [];
  const mustExclude = [
    'node_modules/tsx/package.json',
    'shared/node_modules/x/index.js',
    'gateway/dist/main.js',
    '.floodgate/pg/data',
    '.git/HEAD',
    '.env',
  ];
  for (const path of mustExclude) {
    if (!isDockerIgnored(patterns, path)) problems.push(`.dockerignore lets ${path} into the image`);
  }
  for (const path of options.mustInclude) {
    if (isDockerIgnored(patterns, path))
      problems.push(`.dockerignore excludes ${path}, which the build needs`);
  }
  return problems;
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** kustomize major version the manifests are written for (`labels`, `patches` with targets). */
const KUSTOMIZE_MAJOR = 5;
const TIMEOUT_MS = 60_000;

/** A readable reason when kubectl is missing, too old, or refuses the kustomization. */
function explain(err: unknown, what: string): Error {
  const e = err as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
  if (e.code === 'ENOENT') {
    return new Error(
      `kubectl is not installed: test/deployment renders deploy/k8s with \`kubectl kustomize\` ` +
        `(kustomize v${KUSTOMIZE_MAJOR}, kubectl ≥ 1.27); install kubectl and run the tests again`,
    );
  }
  if (e.killed) return new Error(`${what} did not finish within ${TIMEOUT_MS} ms`);
  return new Error(`${what} failed: ${(e.stderr ?? '').trim() || e.message}`);
}

export interface KubectlOptions {
  /** Environment of the kubectl process (PATH decides which kubectl runs). @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** The kustomize version built into kubectl, e.g. "v5.5.0"; throws when it is older than v5. */
export async function kustomizeVersion(options: KubectlOptions = {}): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await run('kubectl', ['version', '--client', '-o', 'json'], {
      timeout: TIMEOUT_MS,
      env: options.env,
    }));
  } catch (err) {
    throw explain(err, 'kubectl version --client');
  }
  const version = String((JSON.parse(stdout) as { kustomizeVersion?: unknown }).kustomizeVersion ?? '');
  const major = Number(/^v(\d+)\./.exec(version)?.[1]);
  if (!(major >= KUSTOMIZE_MAJOR)) {
    throw new Error(`kubectl's kustomize is ${version || 'unknown'}; deploy/k8s needs v${KUSTOMIZE_MAJOR}`);
  }
  return version;
}

/** `kubectl kustomize <dir>`: the rendered manifests as one multi-document YAML string. */
export async function renderKustomization(dir: string, options: KubectlOptions = {}): Promise<string> {
  try {
    const { stdout } = await run('kubectl', ['kustomize', dir], {
      timeout: TIMEOUT_MS,
      env: options.env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    throw explain(err, `kubectl kustomize ${dir}`);
  }
}

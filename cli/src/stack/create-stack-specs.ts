import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeSourceArgs } from '@floodgate/shared';
import type { ChildProcessSpec } from '../supervisor/supervisor.js';
import type { StackOptions } from './stack-options.js';

/** The repository root: children run from the workspaces' sources. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface StackEnv {
  /** The supervisor's environment; passed through to every child. */
  base: Readonly<Record<string, string | undefined>>;
  /** Overrides from the PostgreSQL and Redis resolution (undefined removes a variable). */
  overrides: Readonly<Record<string, string | undefined>>;
}

/** The node command line that runs a workspace's `src/main.ts` from source. */
function nodeEntry(workspace: string, repoRoot = REPO_ROOT): string[] {
  return nodeSourceArgs(join(repoRoot, workspace, 'src', 'main.ts'));
}

/**
 * api-1..N, the load balancer and the gateway. Internal processes bind 127.0.0.1 unless HOST is set,
 * so only the gateway is reachable from the network by default.
 */
export function createStackSpecs(
  options: StackOptions,
  env: StackEnv,
  repoRoot = REPO_ROOT,
): ChildProcessSpec[] {
  const common = { ...env.base, ...env.overrides };
  // The balancer's admin API and the gateway forwarding to it share one secret, new every run.
  const lbAdminToken = common.LB_ADMIN_TOKEN || randomBytes(24).toString('base64url');
  const internalHost = env.base.HOST ?? '127.0.0.1';
  const apiUrls = options.apiPorts.map((p) => `http://127.0.0.1:${p}`);
  const specs: ChildProcessSpec[] = options.apiPorts.map((port, i) => ({
    name: `api-${i + 1}`,
    command: process.execPath,
    args: nodeEntry('api-server', repoRoot),
    env: { ...common, HOST: internalHost, PORT: String(port), INSTANCE_ID: `api-${i + 1}` },
    cwd: repoRoot,
    healthUrl: `http://127.0.0.1:${port}/health/ready`,
  }));
  specs.push({
    name: 'load-balancer',
    command: process.execPath,
    args: nodeEntry('load-balancer', repoRoot),
    env: {
      ...common,
      HOST: internalHost,
      LB_PORT: String(options.lbPort),
      API_SERVERS: apiUrls.join(','),
      LB_ADMIN_TOKEN: lbAdminToken,
    },
    cwd: repoRoot,
    healthUrl: `http://127.0.0.1:${options.lbPort}/health`,
  });
  specs.push({
    name: 'gateway',
    command: process.execPath,
    args: nodeEntry('gateway', repoRoot),
    env: {
      ...common,
      GATEWAY_PORT: String(options.gatewayPort),
      LB_URL: `http://127.0.0.1:${options.lbPort}`,
      LB_ADMIN_TOKEN: lbAdminToken,
    },
    cwd: repoRoot,
    healthUrl: `http://127.0.0.1:${options.gatewayPort}/health`,
  });
  return specs;
}

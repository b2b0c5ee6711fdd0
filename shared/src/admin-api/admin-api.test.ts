import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ADMIN_ENDPOINTS,
  BackendPage,
  CacheScope,
  DashboardAnswer,
  decodeCursor,
  encodeCursor,
  PageQuery,
  paginate,
} from './index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const IMPORT = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm;
const NODE_BUILTINS = new Set(builtinModules);

/** Every file the admin-api loads at run time, following relative imports out of the folder too. */
function runtimeGraph(): Map<string, string[]> {
  const files = new Map<string, string[]>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    const specifiers: string[] = [];
    files.set(file, specifiers);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (m[2]) continue; // `import type` is erased
      const spec = (m[3] ?? m[4]) as string;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else specifiers.push(spec);
    }
  };
  for (const f of readdirSync(HERE)) if (f.endsWith('.ts') && !f.endsWith('.test.ts')) visit(join(HERE, f));
  return files;
}

describe('admin-api', () => {
  it('is browser-safe: no Node built-in, no Buffer, no process anywhere it loads', () => {
    const graph = runtimeGraph();
    assert.ok(graph.size >= 10, `followed ${graph.size} files`);
    for (const [file, packages] of graph) {
      for (const spec of packages) {
        assert.ok(
          !spec.startsWith('node:') && !NODE_BUILTINS.has(spec.split('/')[0] as string),
          `${file} imports ${spec}`,
        );
        assert.ok(['zod', 'zod-openapi'].includes(spec), `${file} imports ${spec}: only zod and zod-openapi`);
      }
      if (file.startsWith(HERE)) {
        const code = readFileSync(file, 'utf8');
        assert.ok(!/\bBuffer\b|\bprocess\./.test(code), `${file} uses a Node global`);
      }
    }
  });

  it('cursors round-trip and refuse anything they did not make', () => {
    for (const n of [0, 1, 999, 2_147_483_647]) assert.equal(decodeCursor(encodeCursor(n)), n);
    assert.match(encodeCursor(123456), /^[A-Za-z0-9_-]+$/);
    for (const bad of [
      '',
      'abc',
      encodeCursor(1).slice(1),
      btoa('p:-1'),
      btoa('p:01'),
      'x'.repeat(65),
      '%%',
    ]) {
      assert.equal(decodeCursor(bad), null, bad);
    }
    assert.equal(PageQuery.safeParse({ cursor: 'nope' }).success, false);
    assert.deepEqual(PageQuery.parse({ limit: '5', cursor: encodeCursor(7) }), { limit: 5, cursor: 7 });
    assert.deepEqual(PageQuery.parse({}), { limit: 100 });
    for (const limit of ['0', '1001', '2.5', 'x'])
      assert.equal(PageQuery.safeParse({ limit }).success, false);
  });

  it('paginate walks a sorted list by position: every item once, stable under removals', () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ seq: (i + 1) * 2 }));
    const walk = (list: { seq: number }[], limit: number) => {
      const seen: number[] = [];
      let cursor: number | undefined;
      for (;;) {
        const page = paginate(list, { limit, ...(cursor === undefined ? {} : { cursor }) }, (x) => x.seq);
        seen.push(...page.data.map((x) => x.seq));
        if (page.nextCursor === null) return seen;
        cursor = decodeCursor(page.nextCursor) as number;
      }
    };
    assert.deepEqual(walk(items, 3), [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    assert.deepEqual(
      walk(items, 10),
      items.map((x) => x.seq),
      'one full page has no next cursor',
    );
    const first = paginate(items, { limit: 4 }, (x) => x.seq);
    const rest = paginate(
      items.filter((x) => x.seq !== 8 && x.seq !== 10),
      {
        limit: 100,
        cursor: decodeCursor(first.nextCursor as string) as number,
      },
      (x) => x.seq,
    );
    assert.deepEqual(
      rest.data.map((x) => x.seq),
      [12, 14, 16, 18, 20],
      'the last item seen may be gone',
    );
  });

  it('lists are {data, nextCursor}; one object is {data}; enums have one spelling', () => {
    const backend = {
      id: 'api-1',
      url: 'http://127.0.0.1:3001',
      weight: 1,
      healthy: true,
      circuitState: 'half_open',
      draining: false,
      available: true,
      inFlight: 0,
      requests: 3,
      failures: 0,
      retries: 0,
      webSockets: 0,
      latency: { p50Ms: 1.5, p99Ms: null },
    };
    assert.equal(BackendPage.safeParse({ data: [backend], nextCursor: null }).success, true);
    assert.equal(BackendPage.safeParse({ backends: [backend] }).success, false);
    assert.equal(
      BackendPage.safeParse({ data: [{ ...backend, circuitState: 'half-open' }], nextCursor: null }).success,
      false,
    );
    assert.equal(DashboardAnswer.safeParse({ gateway: {}, balancer: {} }).success, false);
    assert.equal(CacheScope.safeParse({ key: 'a', prefix: 'b' }).success, false);
    assert.equal(CacheScope.safeParse({ key: 'a b' }).success, false);
  });

  it('lists every admin and status endpoint once, each list paged and each answer enveloped', () => {
    const seen = new Set<string>();
    for (const e of ADMIN_ENDPOINTS) {
      const key = `${e.method} ${e.path}`;
      assert.ok(!seen.has(key), `${key} twice`);
      seen.add(key);
      if (e.operationId === 'getOpenApiDocument') continue;
      const shape = (e.ok.schema as { shape?: Record<string, unknown> }).shape ?? {};
      assert.ok('data' in shape, `${key} answers {data}`);
      if (e.method === 'get' && e.query?.shape.cursor !== undefined) assert.ok('nextCursor' in shape, key);
    }
    for (const path of [
      '/lb/status',
      '/internal/cache',
      '/api/v1/admin/keys',
      '/lb/admin/circuit-breakers',
    ]) {
      assert.ok(
        [...seen].some((k) => k.endsWith(` ${path}`)),
        path,
      );
    }
  });
});

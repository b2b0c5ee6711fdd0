import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findViolations, type PackageInfo, readImports, readPackages } from './workspace-imports.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('workspace boundaries', () => {
  it('hold in this tree: services import no service or CLI, every @floodgate import is declared and exported', () => {
    const packages = readPackages(ROOT);
    assert.deepEqual(packages.map((p) => p.name).sort(), [
      '@floodgate/api-server',
      '@floodgate/cli',
      '@floodgate/database',
      '@floodgate/gateway',
      '@floodgate/load-balancer',
      '@floodgate/shared',
      'floodgate',
    ]);
    const imports = readImports(ROOT);
    assert.ok(
      imports.some((i) => i.file === 'gateway/src/gateway.ts' && i.specifier === '@floodgate/shared'),
      'the imports were read',
    );
    assert.deepEqual(findViolations(packages, imports), []);
  });

  describe('the rules catch', () => {
    const pkg = (name: string, dir: string, deps: string[], dev: string[] = [], exports = ['.']) =>
      ({
        name,
        dir,
        dependencies: new Set(deps),
        devDependencies: new Set(dev),
        exports,
      }) satisfies PackageInfo;
    const packages = [
      pkg('floodgate', '', [], ['@floodgate/gateway']),
      pkg('@floodgate/shared', 'shared', [], [], ['.', './testing']),
      pkg('@floodgate/gateway', 'gateway', ['@floodgate/shared', '@floodgate/load-balancer']),
      pkg('@floodgate/load-balancer', 'load-balancer', ['@floodgate/shared'], ['@floodgate/cli']),
      pkg('@floodgate/cli', 'cli', ['@floodgate/shared', '@floodgate/gateway']),
    ];
    const check = (file: string, specifier: string) => findViolations(packages, [{ file, specifier }]);

    it('nothing in imports that keep the rules', () => {
      assert.deepEqual(check('gateway/src/x.ts', '@floodgate/shared'), []);
      assert.deepEqual(check('load-balancer/src/x.test.ts', '@floodgate/shared/testing'), []);
      assert.deepEqual(check('cli/src/x.ts', '@floodgate/gateway'), [], 'the CLI may use a service');
      assert.deepEqual(check('test/e2e/x.test.ts', '@floodgate/gateway'), [], 'so may the tests');
    });

    it('a service importing another service or the CLI, declared or not, from a test too', () => {
      assert.deepEqual(check('gateway/src/proxy.ts', '@floodgate/load-balancer'), [
        'gateway/src/proxy.ts: the service @floodgate/gateway imports @floodgate/load-balancer',
      ]);
      assert.deepEqual(check('load-balancer/src/x.test.ts', '@floodgate/cli'), [
        'load-balancer/src/x.test.ts: the service @floodgate/load-balancer imports @floodgate/cli',
      ]);
    });

    it('an undeclared @floodgate import, and a devDependency used outside tests', () => {
      assert.deepEqual(check('shared/src/x.ts', '@floodgate/cli'), [
        "shared/src/x.ts: imports @floodgate/cli, which @floodgate/shared's package.json does not declare",
      ]);
      assert.deepEqual(check('cli/src/x.ts', '@floodgate/load-balancer'), [
        "cli/src/x.ts: imports @floodgate/load-balancer, which @floodgate/cli's package.json does not declare",
      ]);
      assert.ok(
        check('load-balancer/src/main.ts', '@floodgate/cli').includes(
          "load-balancer/src/main.ts: imports @floodgate/cli, which @floodgate/load-balancer's package.json does not declare (only in devDependencies)",
        ),
      );
    });

    it('a subpath that is not an entry point, an exported pattern, a relative path into another package', () => {
      assert.deepEqual(check('gateway/src/x.ts', '@floodgate/shared/http/router'), [
        "gateway/src/x.ts: '@floodgate/shared/http/router' is not an entry point of @floodgate/shared (., ./testing)",
      ]);
      const withPattern = [...packages, pkg('@floodgate/database', 'database', [], [], ['.', './*'])];
      assert.deepEqual(findViolations(withPattern, []), [
        '@floodgate/database exports the pattern "./*": name each entry point',
      ]);
      assert.deepEqual(check('gateway/src/x.ts', '../../shared/src/http/router.js'), [
        "gateway/src/x.ts: '../../shared/src/http/router.js' reaches into @floodgate/shared; import it by name",
      ]);
      assert.deepEqual(check('test/e2e/x.test.ts', '../../gateway/src/gateway.js'), [
        "test/e2e/x.test.ts: '../../gateway/src/gateway.js' reaches into @floodgate/gateway; import it by name",
      ]);
    });
  });
});

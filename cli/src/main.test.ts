import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runCli } from './testing/run-cli.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('the floodgate binary', { timeout: 300_000 }, () => {
  it('--version prints the version; -h lists every command with examples and the exit codes', async () => {
    const [version, help, keysHelp] = await Promise.all([
      runCli(['--version']),
      runCli(['-h']),
      runCli(['keys', '--help']),
    ]);
    assert.deepEqual([version.code, version.stdout], [0, `${VERSION}\n`]);
    assert.equal(help.code, 0);
    for (const command of [
      'up',
      'status',
      'keys',
      'backends',
      'breakers',
      'cache',
      'rate-limits',
      'completion',
    ]) {
      assert.match(help.stdout, new RegExp(`floodgate ${command}\\b`), command);
    }
    assert.match(help.stdout, /Examples:\n/);
    assert.match(help.stdout, /Exit codes: 0 ok, 1 failed/);
    assert.match(keysHelp.stdout, /floodgate keys tier <id> <tier>/);
    assert.match(keysHelp.stdout, /Examples:\n\s+floodgate keys create --name my-app --tier pro/);
  });

  it('completion prints a shell script that asks the binary, which completes commands', async () => {
    const [script, words] = await Promise.all([
      runCli(['completion']),
      runCli(['--get-yargs-completions', 'floodgate', 'backends', '']),
    ]);
    assert.equal(script.code, 0);
    assert.match(script.stdout, /floodgate --get-yargs-completions/);
    assert.match(
      script.stdout,
      /complete -o bashdefault -o default -F _floodgate_yargs_completions floodgate/,
    );
    assert.deepEqual(words.stdout.trim().split('\n').slice(0, 5), [
      'list',
      'add',
      'remove',
      'drain',
      'enable',
    ]);
  });

  it('usage errors are one line in the project’s words, exit 2', async () => {
    const cases: [string[], string][] = [
      [[], 'floodgate: name a command (see floodgate --help)'],
      [['explode'], 'floodgate: unknown command or option: explode (see floodgate --help)'],
      [
        ['keys', 'list', '--cursor'],
        'floodgate keys list: no value given for --cursor (see floodgate keys list --help)',
      ],
      [
        ['keys', 'create', '--tier', 'pro'],
        'floodgate keys create: missing --name (see floodgate keys create --help)',
      ],
      [
        ['keys', 'tier', '3'],
        'floodgate keys tier: missing arguments (1 of 2 given) (see floodgate keys tier --help)',
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((r, i) => {
      const [args, line] = cases[i] as [string[], string];
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr, `${line}\n`, args.join(' '));
      assert.equal(r.stdout, '', 'no help dump');
    });
  });
});

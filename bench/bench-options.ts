import { parseArgs } from 'node:util';
import { SCENARIOS } from './scenarios.js';

export interface BenchOptions {
  /** Measured seconds per scenario and round. */
  durationSeconds: number;
  connections: number;
  /** Seconds each scenario is driven, unmeasured, before the first round (warms every process). */
  warmupSeconds: number;
  /** Scenarios run in turn this many times; each row reports its median-RPS round. */
  rounds: number;
  /** Scenario names to run (the baseline always runs); all when empty. */
  only: string[];
}

export const USAGE =
  'usage: npm run bench -- [--duration s=10] [--connections n=50] [--warmup s=2] [--rounds n=1] [--only "name,name"]';

/** Parses the bench's flags; throws an Error naming the bad flag. Undefined when --help was asked. */
export function parseBenchOptions(argv: string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      warmup: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '1' },
      only: { type: 'string', default: '' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const int = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be an integer ${min}..${max}`);
    return n;
  };
  const only = values.only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of only) {
    if (!SCENARIOS.some((s) => s.name === name)) throw new Error(`--only: unknown scenario "${name}"`);
  }
  return {
    durationSeconds: int('duration', values.duration, 1, 600),
    connections: int('connections', values.connections, 1, 1000),
    warmupSeconds: int('warmup', values.warmup, 0, 60),
    rounds: int('rounds', values.rounds, 1, 10),
    only,
  };
}

import type { Budget, Entry, Scenario } from './scenarios.js';

/** What one measured run produced. */
export interface Measurement {
  scenario: string;
  entry: Entry;
  url: string;
  connections: number;
  durationSeconds: number;
  requests: number;
  rps: number;
  latencyMs: { p50: number; p99: number; mean: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** CPU of the process receiving the load, per request; undefined without /proc. */
  hopCpuMicrosPerRequest: number | undefined;
  /** CPU of every process the bench started, per request. */
  stackCpuMicrosPerRequest: number | undefined;
}

export interface Row extends Measurement {
  base: string | undefined;
  /** RPS relative to the baseline (direct api-server) of the same run. */
  ratio: number | undefined;
  /**
   * Mean latency this hop adds over `base`. Mean latency comes from Little's law (connections ÷ RPS,
   * exact for a closed loop) because autocannon's percentiles have 1 ms resolution.
   */
  addedMsPerHop: number | undefined;
  budget: { ok: boolean; notes: string[] } | undefined;
}

function meanLatencyMs(m: Pick<Measurement, 'connections' | 'rps'>): number {
  return m.rps > 0 ? (m.connections * 1000) / m.rps : Number.POSITIVE_INFINITY;
}

/** Ratios against the first scenario, latency added per hop against each row's base, budget verdicts. */
export function deriveRows(scenarios: readonly Scenario[], measurements: readonly Measurement[]): Row[] {
  const byName = new Map(measurements.map((m) => [m.scenario, m]));
  const baseline = byName.get(scenarios[0]?.name ?? '');
  const rows: Row[] = [];
  for (const scenario of scenarios) {
    const m = byName.get(scenario.name);
    if (!m) continue;
    const base = scenario.base ? byName.get(scenario.base) : undefined;
    const ratio = baseline && baseline.rps > 0 ? m.rps / baseline.rps : undefined;
    rows.push({
      ...m,
      base: scenario.base,
      ratio,
      addedMsPerHop: base ? meanLatencyMs(m) - meanLatencyMs(base) : undefined,
      budget: scenario.budget ? judge(scenario.budget, ratio, m.hopCpuMicrosPerRequest) : undefined,
    });
  }
  return rows;
}

function judge(budget: Budget, ratio: number | undefined, cpu: number | undefined): Row['budget'] {
  const notes: string[] = [];
  let ok = true;
  if (budget.minRatio !== undefined) {
    const pass = ratio !== undefined && ratio >= budget.minRatio;
    ok &&= pass;
    notes.push(`${pass ? '' : 'MISS '}ratio>=${budget.minRatio}`);
  }
  if (budget.maxHopCpuMicros !== undefined && cpu !== undefined) {
    const pass = cpu <= budget.maxHopCpuMicros;
    ok &&= pass;
    notes.push(`${pass ? '' : 'MISS '}cpu<=${budget.maxHopCpuMicros}us`);
  }
  return { ok, notes };
}

const fixed = (n: number | undefined, digits: number) =>
  n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);

/** A plain-text table, one row per scenario. */
export function formatTable(rows: readonly Row[]): string {
  const header = [
    'path',
    'RPS',
    'p50 ms',
    'p99 ms',
    'x direct',
    '+ms/hop',
    'CPU us/req',
    'budget',
    'failures',
  ];
  const body = rows.map((r) => [
    r.scenario,
    fixed(r.rps, 0),
    fixed(r.latencyMs.p50, 0),
    fixed(r.latencyMs.p99, 0),
    fixed(r.ratio, 2),
    r.addedMsPerHop === undefined ? '-' : `${r.addedMsPerHop >= 0 ? '+' : ''}${r.addedMsPerHop.toFixed(2)}`,
    fixed(r.hopCpuMicrosPerRequest, 0),
    r.budget ? r.budget.notes.join(' ') : '-',
    failures(r),
  ]);
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i >= 7 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function failures(r: Measurement): string {
  if (r.non2xx === 0 && r.errors === 0 && r.timeouts === 0) return '0';
  const codes = Object.entries(r.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, n]) => `${code}x${n}`);
  return [`non2xx ${r.non2xx}`, `errors ${r.errors}`, `timeouts ${r.timeouts}`, ...codes].join(' ');
}

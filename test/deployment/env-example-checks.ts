import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';

/** Static checks of .env.example against the env schemas; each returns problems (empty = fine). */

export interface EnvExampleEntry {
  name: string;
  value: string;
  /** `# NAME=value`: unset by default, the value is an example. */
  commented: boolean;
  line: number;
  /** The line above is a plain comment describing the variable. */
  described: boolean;
}

const ACTIVE = /^([A-Z][A-Z0-9_]*)=(.*)$/;
const COMMENTED = /^#\s*([A-Z][A-Z0-9_]*)=(.*)$/;

export function parseEnvExample(text: string): { entries: EnvExampleEntry[]; problems: string[] } {
  const entries: EnvExampleEntry[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const active = ACTIVE.exec(line);
    const commented = active ? null : COMMENTED.exec(line);
    const match = active ?? commented;
    if (match) {
      const above = (lines[i - 1] ?? '').trim();
      entries.push({
        name: match[1] ?? '',
        value: match[2] ?? '',
        commented: !active,
        line: i + 1,
        described: above.startsWith('#') && !COMMENTED.test(above),
      });
    } else if (line !== '' && !line.startsWith('#')) {
      problems.push(`.env.example line ${i + 1} is neither NAME=value nor a comment: ${line}`);
    }
  });
  return { entries, problems };
}

export interface NamedSchema {
  component: string;
  schema: z.ZodObject;
}

/**
 * .env.example lists exactly the schemas' variables plus `extraNames` (the CLI's), each once, each
 * with a comment; an active line shows the default of every schema reading it; a variable is
 * commented out only when it has no default or its default differs between components.
 */
export function checkEnvExample(
  entries: readonly EnvExampleEntry[],
  schemas: readonly NamedSchema[],
  extraNames: readonly string[],
): string[] {
  const problems: string[] = [];
  const fields = new Map<string, { component: string; field: z.ZodType }[]>();
  for (const { component, schema } of schemas) {
    for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const list = fields.get(name) ?? [];
      list.push({ component, field });
      fields.set(name, list);
    }
  }
  const expected = new Set([...fields.keys(), ...extraNames]);
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.name)) problems.push(`${entry.name} is listed twice (line ${entry.line})`);
    seen.add(entry.name);
    if (!expected.has(entry.name)) {
      problems.push(`${entry.name} (line ${entry.line}) is read by no component`);
      continue;
    }
    if (!entry.described) problems.push(`${entry.name} (line ${entry.line}) has no comment line above it`);
    const readers = fields.get(entry.name);
    if (readers) problems.push(...checkEntryAgainstSchemas(entry, readers));
  }
  for (const name of expected) if (!seen.has(name)) problems.push(`${name} is missing from .env.example`);
  return problems;
}

function checkEntryAgainstSchemas(
  entry: EnvExampleEntry,
  readers: readonly { component: string; field: z.ZodType }[],
): string[] {
  const problems: string[] = [];
  const defaults = readers.map((r) => ({ component: r.component, value: r.field.safeParse(undefined).data }));
  const noDefault = defaults.some((d) => d.value === undefined);
  const defaultsDiffer = defaults.some((d) => !isDeepStrictEqual(d.value, defaults[0]?.value));
  if (entry.commented) {
    if (!noDefault && !defaultsDiffer) {
      problems.push(
        `${entry.name} has a default (${JSON.stringify(defaults[0]?.value)}): list it uncommented`,
      );
    }
    if (entry.value === '') return problems;
  } else {
    if (noDefault) problems.push(`${entry.name} has no default: show it commented out (# ${entry.name}=...)`);
    if (defaultsDiffer) {
      const list = defaults.map((d) => `${d.component} ${JSON.stringify(d.value)}`).join(', ');
      problems.push(`${entry.name} defaults differ (${list}): show it commented out`);
    }
  }
  for (const { component, field } of readers) {
    const parsed = field.safeParse(entry.value);
    if (!parsed.success) {
      problems.push(`${entry.name}=${entry.value} is refused by the ${component} schema`);
      continue;
    }
    const fallback = field.safeParse(undefined).data;
    if (!entry.commented && !defaultsDiffer && !isDeepStrictEqual(parsed.data, fallback)) {
      problems.push(
        `${entry.name}=${entry.value} is not the ${component} default ${JSON.stringify(fallback)}`,
      );
    }
  }
  return problems;
}

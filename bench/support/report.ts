/** Result tables on the terminal and JSON results in bench-results/<suite>.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, type as osType, release, totalmem } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const BENCH_DATA = join(REPO_ROOT, 'bench-data');
export const BENCH_RESULTS = join(REPO_ROOT, 'bench-results');

/** A plain text table: the first `textColumns` columns left-aligned, the others (numbers) right-aligned. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  textColumns = 1,
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export interface Machine {
  cpu: string;
  cores: number;
  memory_gb: number;
  os: string;
  node: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    memory_gb: Math.round(totalmem() / 1024 ** 3),
    os: `${osType()} ${release()}`,
    node: process.version,
  };
}

/** Writes bench-results/<suite>.json (with the machine and the time of the run) and returns its path. */
export function writeResult(suite: string, data: Record<string, unknown>): string {
  mkdirSync(BENCH_RESULTS, { recursive: true });
  const path = join(BENCH_RESULTS, `${suite}.json`);
  writeFileSync(
    path,
    `${JSON.stringify({ suite, at: new Date().toISOString(), machine: machine(), ...data }, null, 2)}\n`,
  );
  return path;
}

export function rate(rows: number, seconds: number): string {
  return Math.round(rows / seconds).toLocaleString('en-US');
}

/**
 * Per-phase timings of one import, printed to stderr when DUNWELL_IMPORT_PROFILE=1 (for
 * operators: where does the time of a big import go). Shell code: it reads the monotonic
 * clock. Phases that overlap (PostgreSQL parses the next batch while the server copies the
 * last) are measured as the time the import spent in each, so they add up to the total.
 */
export interface ImportProfile {
  /** Adds the time `work` takes to `phase`. */
  time<T>(phase: string, work: () => Promise<T>): Promise<T>;
  /** Adds nanoseconds measured by the caller (hot loops use `now()` directly). */
  add(phase: string, nanos: bigint): void;
  now(): bigint;
  /** Prints `import invoices: read+parse 1.23 s, validate …` when enabled. */
  report(label: string, rows: number): void;
}

export function importProfile(enabled: boolean, write: (line: string) => void): ImportProfile {
  const phases = new Map<string, bigint>();
  const start = process.hrtime.bigint();
  const add = (phase: string, nanos: bigint) => {
    phases.set(phase, (phases.get(phase) ?? 0n) + nanos);
  };
  if (!enabled) {
    return {
      time: (_phase, work) => work(),
      add() {},
      now: () => 0n,
      report() {},
    };
  }
  return {
    async time(phase, work) {
      const t = process.hrtime.bigint();
      try {
        return await work();
      } finally {
        add(phase, process.hrtime.bigint() - t);
      }
    },
    add,
    now: () => process.hrtime.bigint(),
    report(label, rows) {
      const total = process.hrtime.bigint() - start;
      const s = (n: bigint) => `${(Number(n) / 1e9).toFixed(2)} s`;
      const parts = [...phases].map(([phase, n]) => `${phase} ${s(n)}`);
      write(`dunwell import profile: ${label}, ${rows} rows, ${s(total)} in the import: ${parts.join(', ')}`);
    },
  };
}

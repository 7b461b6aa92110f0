/**
 * What every fuzz suite shares (issue 8): how many cases to run, the seed, a per-case time
 * bound, byte-level mutations of a seed corpus, and the "clear error" check.
 *
 * Runs: DUNWELL_FUZZ_RUNS (the long mode, `npm run test:fuzz`, sets 10 000); each suite has a
 * small default so `npm test` stays fast. Seed: DUNWELL_FUZZ_SEED (default 20261125), printed
 * by every suite with its count and duration so a failure can be replayed
 * (`DUNWELL_FUZZ_SEED=<seed> DUNWELL_FUZZ_RUNS=<n> node scripts/run-tests.mjs test/fuzz/<file>`).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';

/** Cases per property: DUNWELL_FUZZ_RUNS, else the suite's CI default. */
export function fuzzRuns(ciDefault: number): number {
  const given = Number(process.env.DUNWELL_FUZZ_RUNS ?? '');
  return Number.isInteger(given) && given > 0 ? given : ciDefault;
}

export const FUZZ_SEED = Number(process.env.DUNWELL_FUZZ_SEED ?? '') || 20261125;

/**
 * The per-case bound: one input may take at most this long. It is a correctness bound (a
 * catastrophic backtracking pattern or an unbounded loop takes minutes), not a benchmark, so it
 * is generous: a template may legitimately spend its 1 s render limit once per part, and the
 * suites run beside others on loaded CI machines. DUNWELL_FUZZ_CASE_MS overrides it.
 */
export const CASE_LIMIT_MS = Number(process.env.DUNWELL_FUZZ_CASE_MS ?? '') || 20_000;

/** fast-check parameters of every suite: the runs, the seed, and the failure's own message in the report. */
export function fuzzParameters<T>(runs: number): fc.Parameters<T> {
  return { numRuns: runs, seed: FUZZ_SEED, includeErrorInReport: true };
}

/** Tallies outcomes so a suite can print them and check that both outcomes were exercised. */
export class Tally {
  readonly started = performance.now();
  cases = 0;
  accepted = 0;
  refused = 0;
  slowestMs = 0;
  slowestInput = '';

  /** Runs one case, measures it, and fails the case when it took longer than the bound. */
  async time<T>(describe: () => string, work: () => Promise<T> | T): Promise<T> {
    const t0 = performance.now();
    const out = await work();
    const ms = performance.now() - t0;
    this.cases++;
    if (ms > this.slowestMs) {
      this.slowestMs = ms;
      this.slowestInput = describe().slice(0, 120);
    }
    assert.ok(
      ms < CASE_LIMIT_MS,
      `one case took ${ms.toFixed(0)} ms (bound ${CASE_LIMIT_MS} ms): ${describe().slice(0, 300)}`,
    );
    return out;
  }

  report(name: string): string {
    const seconds = ((performance.now() - this.started) / 1000).toFixed(1);
    const line =
      `fuzz ${name}: ${this.cases} cases (seed ${FUZZ_SEED}), ${this.accepted} accepted, ` +
      `${this.refused} refused with a clear error, slowest ${this.slowestMs.toFixed(0)} ms, ${seconds} s`;
    console.log(line);
    return line;
  }
}

/**
 * A clear error: one of the project's own error types (the caller says which), with a
 * message that is one non-empty line and names where (the caller's pattern), never a
 * JavaScript engine message leaking through (TypeError, "Cannot read properties"…).
 */
export function assertClearError(
  err: unknown,
  types: readonly (abstract new (...args: never[]) => Error)[],
  where: RegExp | null,
  input: string,
): asserts err is Error {
  const label = `for input ${JSON.stringify(input.slice(0, 200))}`;
  if (!types.some((t) => err instanceof t)) {
    const e = err as Error;
    assert.fail(`not one of the project's errors (${e?.name}: ${e?.message}) ${label}\n${e?.stack ?? ''}`);
  }
  const message = (err as Error).message;
  assert.ok(message.trim().length > 0, `empty error message ${label}`);
  assert.ok(
    !/[\r\n]/.test(message),
    `error message is more than one line: ${JSON.stringify(message)} ${label}`,
  );
  assert.ok(
    message.length <= 4096,
    `error message of ${message.length} characters: ${message.slice(0, 300)}… ${label}`,
  );
  assert.doesNotMatch(
    message,
    /Cannot read propert|is not a function|undefined is not|is not iterable|Maximum call stack/,
    `an engine error leaked through: ${message} ${label}`,
  );
  if (where) assert.match(message, where, `the error does not say where: ${message} ${label}`);
}

/** Byte-level damage to a seed input. */
export type Mutation =
  | { kind: 'flip'; positions: number[]; values: number[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicate-lines'; at: number; count: number; times: number }
  | { kind: 'delete-lines'; at: number; count: number }
  | { kind: 'splice'; at: number; text: string }
  | { kind: 'none' };

export function mutate(input: string, m: Mutation): string {
  switch (m.kind) {
    case 'none':
      return input;
    case 'flip': {
      const chars = [...input];
      m.positions.forEach((p, i) => {
        if (chars.length > 0)
          chars[Math.floor(p * chars.length) % chars.length] = String.fromCharCode(m.values[i] ?? 0);
      });
      return chars.join('');
    }
    case 'truncate':
      return input.slice(0, Math.floor(m.at * input.length));
    case 'duplicate-lines':
    case 'delete-lines': {
      const lines = input.split('\n');
      const at = Math.floor(m.at * lines.length);
      if (m.kind === 'delete-lines') {
        lines.splice(at, m.count);
        return lines.join('\n');
      }
      const block = lines.slice(at, at + m.count);
      lines.splice(at, 0, ...Array.from({ length: m.times }, () => block).flat());
      return lines.join('\n');
    }
    case 'splice': {
      const at = Math.floor(m.at * input.length);
      return input.slice(0, at) + m.text + input.slice(at);
    }
  }
}

const unit = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

/** Mutations, with `splices` the format-specific fragments worth inserting. */
export function mutation(splices: readonly string[]): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('flip' as const),
        positions: fc.array(unit, { minLength: 1, maxLength: 12 }),
        values: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 12, maxLength: 12 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: unit }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('duplicate-lines' as const),
        at: unit,
        count: fc.integer({ min: 1, max: 6 }),
        times: fc.integer({ min: 1, max: 40 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('delete-lines' as const),
        at: unit,
        count: fc.integer({ min: 1, max: 6 }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('splice' as const),
        at: unit,
        text: fc.oneof(
          fc.constantFrom(...splices),
          fc.string({ maxLength: 40 }),
          fc.string({ unit: 'binary', maxLength: 20 }),
          fc.integer({ min: 1000, max: 200_000 }).map((n) => 'x'.repeat(n)),
          fc.integer({ min: 100, max: 20_000 }).map((n) => '9'.repeat(n)),
        ),
      }),
    },
  );
}

/** A short description of a mutated input for failure messages. */
export function show(m: Mutation, input: string): string {
  return `${m.kind} ${JSON.stringify(m).slice(0, 120)} → ${JSON.stringify(input.slice(0, 160))}`;
}

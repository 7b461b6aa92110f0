/**
 * Drives one HTTP target with autocannon (programmatic API) and measures every response
 * itself: each response time is kept, so p50 / p95 / p99 are exact over the run (autocannon's
 * own histogram has no p95). A target is a name and a path picker: `path()` is called for every
 * request, so a target can mix customers, links or cursors.
 */
import autocannon, { type Result } from 'autocannon';

export interface HttpTarget {
  name: string;
  /** the next request's path (called once per request) */
  path: () => string;
  headers?: Record<string, string>;
}

export interface TargetFigures {
  name: string;
  connections: number;
  requests: number;
  seconds: number;
  /** completed responses per second */
  throughput: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  /** connection errors and timeouts */
  errors: number;
  non_2xx: number;
  /** mean response body size */
  bytes_per_response: number;
  /** a few status codes other than 2xx with their counts */
  statuses: Record<string, number>;
}

/** The figures plus every response time (ms), to merge runs against several processes. */
export interface TargetRun {
  figures: TargetFigures;
  times: number[];
  bytes: number;
}

/** One target's figures over several runs that ran at the same time (e.g. one per server). */
export function mergeRuns(name: string, runs: readonly TargetRun[]): TargetFigures {
  const times = runs.flatMap((r) => r.times).sort((a, b) => a - b);
  const seconds = Math.max(...runs.map((r) => r.figures.seconds));
  const statuses: Record<string, number> = {};
  for (const r of runs)
    for (const [code, n] of Object.entries(r.figures.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  const bytes = runs.reduce((sum, r) => sum + r.bytes, 0);
  return {
    name,
    connections: runs.reduce((sum, r) => sum + r.figures.connections, 0),
    requests: times.length,
    seconds,
    throughput: Math.round(times.length / seconds),
    p50_ms: round(percentile(times, 50)),
    p95_ms: round(percentile(times, 95)),
    p99_ms: round(percentile(times, 99)),
    max_ms: round(times[times.length - 1] ?? Number.NaN),
    errors: runs.reduce((sum, r) => sum + r.figures.errors, 0),
    non_2xx: runs.reduce((sum, r) => sum + r.figures.non_2xx, 0),
    bytes_per_response: times.length ? Math.round(bytes / times.length) : 0,
    statuses,
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Runs `target` with `connections` concurrent clients, either for `amount` requests or for
 * `duration` seconds, and returns its figures.
 */
export async function drive(
  baseUrl: string,
  target: HttpTarget,
  options: { connections: number; amount?: number; duration?: number; timeoutSeconds?: number },
): Promise<TargetFigures> {
  return (await driveRun(baseUrl, target, options)).figures;
}

/** drive(), keeping every response time. */
export function driveRun(
  baseUrl: string,
  target: HttpTarget,
  options: { connections: number; amount?: number; duration?: number; timeoutSeconds?: number },
): Promise<TargetRun> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    const statuses: Record<string, number> = {};
    let bytes = 0;
    const started = performance.now();
    const instance = autocannon(
      {
        url: baseUrl,
        connections: options.connections,
        ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.duration ?? 10 }),
        timeout: options.timeoutSeconds ?? 10,
        headers: { accept: 'application/json, text/html', ...target.headers },
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => ({ ...request, method: 'GET', path: target.path() }),
          },
        ],
      },
      (err: Error | null, result: Result) => {
        if (err) {
          reject(err);
          return;
        }
        const seconds = (performance.now() - started) / 1000;
        times.sort((a, b) => a - b);
        const figures: TargetFigures = {
          name: target.name,
          connections: options.connections,
          requests: times.length,
          seconds: round(seconds),
          throughput: Math.round(times.length / seconds),
          p50_ms: round(percentile(times, 50)),
          p95_ms: round(percentile(times, 95)),
          p99_ms: round(percentile(times, 99)),
          max_ms: round(times[times.length - 1] ?? Number.NaN),
          errors: result.errors,
          non_2xx: result.non2xx,
          bytes_per_response: times.length ? Math.round(bytes / times.length) : 0,
          statuses,
        };
        resolve({ figures, times, bytes });
      },
    );
    instance.on('response', (_client, statusCode, resBytes, responseTime) => {
      times.push(responseTime);
      bytes += resBytes;
      if (statusCode < 200 || statusCode > 299) statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
  });
}

/** A picker cycling through `items` from a random start (no two clients in lockstep matter here). */
export function cycle<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new Error('cycle() needs at least one item');
  let i = Math.floor(Math.random() * items.length);
  return () => {
    i = (i + 1) % items.length;
    return items[i]!;
  };
}

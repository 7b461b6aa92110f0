// The HTTP suites' arithmetic (bench/support/http-load.ts, bench/load.ts): exact percentiles,
// merging the runs of one target against several processes, splitting connections.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shares } from '../../bench/load.ts';
import { mergeRuns, percentile, type TargetRun } from '../../bench/support/http-load.ts';

const run = (times: number[], extra: Partial<TargetRun['figures']> = {}): TargetRun => ({
  times,
  bytes: times.length * 100,
  figures: {
    name: 'x',
    connections: 2,
    requests: times.length,
    seconds: 10,
    throughput: times.length / 10,
    p50_ms: 0,
    p95_ms: 0,
    p99_ms: 0,
    max_ms: 0,
    errors: 0,
    non_2xx: 0,
    bytes_per_response: 100,
    statuses: {},
    ...extra,
  },
});

describe('bench HTTP figures', () => {
  it('percentile is the nearest rank over sorted times', () => {
    const times = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(times, 50), 50);
    assert.equal(percentile(times, 99), 99);
    assert.equal(percentile(times, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('merges the runs of one target over all their responses', () => {
    const merged = mergeRuns('portal', [
      run([1, 2, 3], { errors: 1, statuses: { 500: 1 }, non_2xx: 1 }),
      run([100, 200], { seconds: 20, statuses: { 500: 2, 404: 1 }, non_2xx: 3 }),
    ]);
    assert.equal(merged.name, 'portal');
    assert.equal(merged.requests, 5);
    assert.equal(merged.connections, 4);
    assert.equal(merged.seconds, 20);
    assert.equal(merged.p50_ms, 3);
    assert.equal(merged.max_ms, 200);
    assert.equal(merged.errors, 1);
    assert.equal(merged.non_2xx, 4);
    assert.deepEqual(merged.statuses, { 500: 3, 404: 1 });
  });

  it('splits connections into whole shares that add up', () => {
    assert.deepEqual(shares(200, 2), [100, 100]);
    assert.deepEqual(shares(100, 4), [25, 25, 25, 25]);
    assert.deepEqual(shares(7, 3), [3, 2, 2]);
    assert.equal(
      shares(199, 4).reduce((a, b) => a + b, 0),
      199,
    );
  });
});

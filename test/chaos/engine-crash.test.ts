// The engine crash suite (issue 8): one `dunwell serve --role worker` process at a time
// (scheduler + outbox sender) over a seeded ledger spanning several days, SIGKILLed at seeded
// random moments during the day's engine run and send, restarted, and finally left to finish
// each day. Then, from the sink's log and the database: the engine's slot firings, messages
// and tasks equal a clean reference run's (the same ledger planned by the scheduler's tick
// without kills); no Message-ID reached the SMTP server twice; every message is sent and
// delivered exactly once, or visibly unknown/failed; nothing is left planned or sending.
// See test/chaos/support/engine-chaos.ts for the environment variables (long mode:
// DUNWELL_CHAOS_ROUNDS=100). PostgreSQL only (TEST_DATABASE_URL).
import { describe, it } from 'node:test';
import { CHAOS, engineChaos } from './support/engine-chaos.ts';

describe('engine crash suite: one worker, SIGKILLed during run and send', {
  skip: process.env.TEST_DATABASE_URL
    ? false
    : 'needs TEST_DATABASE_URL (PostgreSQL): worker processes share one database',
}, () => {
  it(`plans every slot once and sends every message at most once, over ${CHAOS.rounds} kills`, async () => {
    const r = await engineChaos(1);
    process.stdout.write(
      `# engine chaos (1 worker): seed ${CHAOS.seed}, ${r.days} days, ${CHAOS.customers} customers, ${r.kills} kills ` +
        `(${r.interruptedRuns} engine runs interrupted) → ${r.messages} messages ${JSON.stringify(r.byStatus)}, ` +
        `${r.delivered} delivered once, 0 duplicates${r.failures.length ? `; failed: ${r.failures.join(' / ')}` : ''}\n`,
    );
  });
});

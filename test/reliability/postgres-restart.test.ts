// PostgreSQL "restarted" mid-run (issue 8): a real `dunwell serve --role worker` process
// (scheduler + outbox sender) over the crash suite's seeded ledger, while every connection
// to its database is cut with pg_terminate_backend three times per round at random moments
// of the engine run and the send — what a server restart looks like to a client (restarting
// the shared server itself is not an option). The worker must survive it (still running,
// stops cleanly on SIGTERM), and after a restart the day settles to exactly the reference
// run's firings, messages and tasks, with nothing delivered twice and nothing left planned
// or sending. Rounds: DUNWELL_CHAOS_ROUNDS (default 2), days: DUNWELL_CHAOS_DAYS (default 2),
// seed: DUNWELL_CHAOS_SEED. PostgreSQL only (TEST_DATABASE_URL).
import { describe, it } from 'node:test';
import { CHAOS, engineChaos } from '../chaos/support/engine-chaos.ts';

const rounds = Number(process.env.DUNWELL_CHAOS_ROUNDS ?? 2);
const days = Number(process.env.DUNWELL_CHAOS_DAYS ?? 2);

describe('PostgreSQL connections cut under a running worker', {
  skip: process.env.TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL (PostgreSQL)',
}, () => {
  it(`the worker survives ${rounds} round(s) of cut connections; nothing is lost or sent twice`, async () => {
    const r = await engineChaos(1, { disruption: 'terminate-backends', rounds, days });
    process.stdout.write(
      `# connections cut: seed ${CHAOS.seed}, ${r.days} days, ${rounds} rounds, ${r.terminated} connections terminated ` +
        `(${r.interruptedRuns} engine runs interrupted) → ${r.messages} messages ${JSON.stringify(r.byStatus)}, ` +
        `${r.delivered} delivered once, 0 duplicates${r.failures.length ? `; failed: ${r.failures.join(' / ')}` : ''}\n`,
    );
  });
});

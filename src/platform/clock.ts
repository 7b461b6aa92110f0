/**
 * The only place the shell reads the time. Decision code never calls it: it receives the
 * date or instant as a parameter. Tests and `--date` flags pass a fixed clock; the
 * DUNWELL_NOW environment variable (an ISO instant) pins the clock of a whole process, which
 * the end-to-end tests use to drive the scheduler through chosen days.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(instant: string | Date): Clock {
  const t = new Date(instant);
  if (Number.isNaN(t.getTime())) throw new Error(`not an instant: ${String(instant)}`);
  return { now: () => new Date(t) };
}

export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  return env.DUNWELL_NOW ? fixedClock(env.DUNWELL_NOW) : systemClock;
}

/**
 * A real `dunwell serve` child process for the HTTP suites (web, load): started on a free
 * port against a store, with the ledger's pinned clock and secret, its peak RSS and CPU time
 * sampled from /proc while it runs, stopped with SIGTERM. Its per-request log lines (stderr)
 * are read and dropped, so the pipe never blocks the server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { cpuSecondsOf, peakRssOf } from './measure.ts';
import { REPO_ROOT } from './report.ts';

export interface ServeProcess {
  url: string;
  pid: number;
  /** VmHWM so far (bytes), or null */
  peakRss(): number | null;
  cpuSeconds(): number | null;
  stop(): Promise<void>;
}

export async function startServe(options: {
  store: string;
  role?: 'web' | 'all';
  port?: number;
  env?: NodeJS.ProcessEnv;
}): Promise<ServeProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'bin', 'dunwell'),
      'serve',
      '--role',
      options.role ?? 'web',
      '--port',
      String(options.port ?? 0),
      '--db',
      options.store,
    ],
    { cwd: REPO_ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let peak: number | null = null;
  let cpu: number | null = null;
  const sample = () => {
    if (child.pid === undefined || child.exitCode !== null) return;
    const v = peakRssOf(child.pid);
    if (v !== null) peak = Math.max(peak ?? 0, v);
    cpu = cpuSecondsOf(child.pid) ?? cpu;
  };
  const timer = setInterval(sample, 200);
  let stderrTail = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /serving at (http:\/\/\S+)/.exec(out);
      if (m) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(m[1]!);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`dunwell serve exited (${code}) before listening: ${stderrTail.slice(-2000)}`)),
    );
  });
  return {
    url,
    pid: child.pid!,
    peakRss: () => {
      sample();
      return peak;
    },
    cpuSeconds: () => {
      sample();
      return cpu;
    },
    async stop() {
      sample();
      clearInterval(timer);
      if (child.exitCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Signs in like the workspace does (POST /api/session) and returns the Cookie header to send. */
export async function signInCookie(url: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok)
    throw new Error(`sign-in as ${email} failed: ${response.status} ${await response.text()}`);
  const cookie = response.headers.get('set-cookie');
  if (!cookie) throw new Error('sign-in answered without a session cookie');
  return cookie.split(';', 1)[0]!;
}

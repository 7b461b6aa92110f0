/**
 * Timing and memory for benchmark runs. Peak RSS is the kernel's high-water mark (VmHWM in
 * /proc/<pid>/status) of the measured process itself, sampled while it runs: VmHWM never
 * decreases, so the last sample before exit is the peak up to that moment (± one interval).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const value = await work();
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/** VmHWM of a live process in bytes, or null when it is gone or /proc is not there. */
export function peakRssOf(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * CPU seconds (user + system) a live process has used, or null when it is gone. On a shared
 * machine the wall time depends on everyone else's load; the CPU time much less.
 */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
}

export interface MeasuredRun {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
  /** bytes; null when /proc could not be read (not Linux) */
  peakRss: number | null;
  /** CPU seconds at the last sample before exit; null when /proc could not be read */
  cpuSeconds: number | null;
}

/** Runs a command to completion, timing it and sampling its peak RSS and CPU time every `intervalMs`. */
export function runMeasured(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; intervalMs?: number } = {},
): Promise<MeasuredRun> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    let peak: number | null = null;
    let cpu: number | null = null;
    const sample = () => {
      if (child.pid === undefined) return;
      const v = peakRssOf(child.pid);
      if (v !== null) peak = Math.max(peak ?? 0, v);
      cpu = cpuSecondsOf(child.pid) ?? cpu;
    };
    const timer = setInterval(sample, options.intervalMs ?? 50);
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    // 'exit' fires before the pipes close; the process entry is gone by then, so sample on
    // every interval up to that point.
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        seconds: Number(process.hrtime.bigint() - start) / 1e9,
        peakRss: peak,
        cpuSeconds: cpu,
      });
    });
  });
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'n/a';
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

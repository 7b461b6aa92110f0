/**
 * A one-line progress bar on stderr, drawn only on a TTY (never in --json mode or when
 * output is piped), redrawn at most every 100 ms.
 */
export interface Progress {
  tick(done: number, total?: number): void;
  finish(): void;
}

const silent: Progress = { tick() {}, finish() {} };

export function progressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  label: string,
  enabled: boolean,
  now: () => number = Date.now,
): Progress {
  if (!enabled || !stream.isTTY) return silent;
  let last = 0;
  let drawn = false;
  const draw = (done: number, total?: number) => {
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 30));
    let line: string;
    if (total && total > 0) {
      const ratio = Math.min(1, done / total);
      const filled = Math.round(ratio * width);
      line = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0)}% ${done}/${total}`;
    } else {
      line = `${label} ${done.toLocaleString('en-US')}`;
    }
    stream.write(`\r${line}\x1b[K`);
    drawn = true;
  };
  return {
    tick(done, total) {
      const t = now();
      if (t - last < 100) return;
      last = t;
      draw(done, total);
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

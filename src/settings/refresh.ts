/**
 * A value derived from the effective settings, read when first needed and again once it is
 * older than `ttlMs` — so an HTTP route picks up what an admin saved in Settings within
 * seconds, without a restart and without a settings query per request. Concurrent callers
 * share one read; a failed read is not cached (the next call tries again).
 */
export function refreshedSetting<T>(read: () => Promise<T>, ttlMs = 10_000): () => Promise<T> {
  let current: { value: Promise<T>; at: number } | null = null;
  return () => {
    const now = Date.now();
    if (!current || now - current.at >= ttlMs) {
      const value = read();
      const entry = { value, at: now };
      current = entry;
      value.catch(() => {
        if (current === entry) current = null;
      });
    }
    return current.value;
  };
}

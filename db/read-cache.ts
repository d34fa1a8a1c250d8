/**
 * Reads shared by every caller for a short time: concurrent callers of one key share one query, and a
 * value is served until it is `ttlMs` old. A read that fails is dropped, so the next caller asks again
 * rather than being handed the failure, unless a newer read has already replaced it.
 */
export class ReadCache<K, V> {
  private readonly entries = new Map<K, { at: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: K, read: () => Promise<V>, now: number = Date.now()): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = read();
    this.entries.set(key, { at: now, value });
    value.catch(() => this.entries.get(key)?.value === value && this.entries.delete(key));
    return value;
  }

  forget(key: K): void {
    this.entries.delete(key);
  }
}

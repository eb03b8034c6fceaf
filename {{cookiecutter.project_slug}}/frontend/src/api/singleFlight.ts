/**
 * Runs one request per key at a time: a caller that comes while one is in
 * flight shares it. Emailed links carry single-use tokens, and React's
 * StrictMode runs a page's effects twice in development: without this the
 * second run would spend the token again and report the first run's success
 * as an error.
 */
export function createSingleFlight<T>() {
  const pending = new Map<string, Promise<T>>();
  return (key: string, run: () => Promise<T>): Promise<T> => {
    const existing = pending.get(key);
    if (existing) return existing;
    const promise = run().finally(() => {
      pending.delete(key);
    });
    pending.set(key, promise);
    return promise;
  };
}

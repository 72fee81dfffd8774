// Only the latest request of a kind may write to the page. A reply that comes back after a newer request, a
// dataset switch or a reset belongs to something no longer on screen: it is dropped, not shown under the SQL or
// dataset now there. One mechanism for questions, queries and charts alike.

/**
 * A series of requests of one kind (asking, running SQL, drawing a chart). `start()` begins a new one and makes
 * every earlier one stale (and aborts its fetch); `drop()` makes the running one stale without a new one.
 */
export function latest() {
  let serial = 0;
  let current = null;
  const series = {
    /**
     * Begins a request: `{ signal, stale(), abort(), finish() }`. `signal` goes to fetch; `stale()` is true once a
     * newer request began or `drop()` ran; `abort()` stops this one's fetch only (a Stop button: not stale, so it
     * can still say "stopped"); `finish()` marks it over, if it is still the current one.
     */
    start() {
      series.drop();
      const mine = ++serial;
      const controller = new AbortController();
      const request = {
        signal: controller.signal,
        stale: () => mine !== serial,
        abort: () => controller.abort(),
        finish: () => {
          if (mine === serial) current = null;
        },
      };
      current = request;
      return request;
    },
    /** Makes the running request (if any) stale and aborts its fetch. */
    drop() {
      serial += 1;
      if (current) current.abort();
      current = null;
    },
    /** The request running now, or null. */
    get current() {
      return current;
    },
  };
  return series;
}

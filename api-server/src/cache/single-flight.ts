/** One load of one key, shared by the requests that join it. */
export class Flight<T> {
  readonly key: string;
  /** The bus session when the load started (0: none). */
  session = 0;
  /** An invalidation for the key arrived while loading: the result must not be cached or joined. */
  dirty = false;
  started = false;
  /** The load that starts when this one settles, for requests that may not share this one. */
  successor: Flight<T> | null = null;
  readonly promise: Promise<T>;
  #resolve!: (value: T) => void;
  #reject!: (err: unknown) => void;
  #start: (flight: Flight<T>) => Promise<T>;

  constructor(key: string, start: (flight: Flight<T>) => Promise<T>) {
    this.key = key;
    this.#start = start;
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A flight nobody awaits any more must not become an unhandled rejection.
    this.promise.catch(() => {});
  }

  /** Runs the load once. */
  run(session: number): Promise<T> {
    if (!this.started) {
      this.started = true;
      this.session = session;
      this.#start(this).then(this.#resolve, this.#reject);
    }
    return this.promise;
  }
}

/**
 * Per-key request coalescing. A request joins the load in progress only when the caller says it
 * may (the load started in the current bus session, was not invalidated, and the instance holds
 * a lease); otherwise it waits for the next load, which starts after the request arrived, so it
 * never gets a value read before a write it must see. At most one load per key runs at a time.
 */
export class SingleFlight<T> {
  readonly #current = new Map<string, Flight<T>>();
  readonly #session: () => number;
  joins = 0;

  constructor(session: () => number) {
    this.#session = session;
  }

  get inFlight(): number {
    return this.#current.size;
  }

  run(key: string, joinable: boolean, start: (flight: Flight<T>) => Promise<T>): Promise<T> {
    const cur = this.#current.get(key);
    if (cur === undefined) return this.#launch(new Flight(key, start));
    const session = this.#session();
    if (joinable && !cur.dirty && session !== 0 && cur.session === session) {
      this.joins++;
      return cur.promise;
    }
    if (cur.successor === null) cur.successor = new Flight(key, start);
    else this.joins++;
    return cur.successor.promise;
  }

  /** Marks the key's load dirty and lets new requests start a fresh one at once. */
  invalidate(key: string): void {
    const cur = this.#current.get(key);
    if (cur === undefined) return;
    cur.dirty = true;
    this.#current.delete(key);
    if (cur.successor) {
      const next = cur.successor;
      cur.successor = null;
      this.#launch(next);
    }
  }

  /** invalidate() for every key matching `predicate`. */
  invalidateWhere(predicate: (key: string) => boolean): void {
    for (const key of [...this.#current.keys()]) if (predicate(key)) this.invalidate(key);
  }

  #launch(flight: Flight<T>): Promise<T> {
    this.#current.set(flight.key, flight);
    const settled = () => {
      if (this.#current.get(flight.key) !== flight) return;
      this.#current.delete(flight.key);
      const next = flight.successor;
      flight.successor = null;
      if (next) this.#launch(next);
    };
    flight.run(this.#session()).then(settled, settled);
    return flight.promise;
  }
}

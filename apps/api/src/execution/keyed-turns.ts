/**
 * One turn at a time per key, in arrival order, in this process. Waiting is bounded: a caller
 * that gives up keeps its place until its turn comes and passes it on at once, so the queue
 * behind it never stalls.
 */
export class KeyedTurns {
  private readonly tails = new Map<string, Promise<void>>();

  /** Resolves with the function that ends the turn, or undefined after `timeoutMs`. */
  async take(key: string, timeoutMs: number): Promise<(() => void) | undefined> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let finish!: () => void;
    const mine = new Promise<void>((resolve) => (finish = resolve));
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    const end = (): void => {
      finish();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };

    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const turn = await Promise.race([before.then(() => true as const), gaveUp]);
    clearTimeout(timer);
    if (turn) return end;
    void before.then(end);
    return undefined;
  }

  /** Keys with a turn taken or awaited: none are kept once their turns have ended. */
  get size(): number {
    return this.tails.size;
  }
}

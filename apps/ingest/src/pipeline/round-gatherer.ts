/** One caller's share of a round: its items and whatever the round's runner needs of it. */
export interface RoundMember<T, C> {
  readonly items: readonly T[];
  readonly context: C;
}

interface Waiting<T, C> extends RoundMember<T, C> {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Gathers the work handed over at the same moment into one round. kafkajs hands the batches of
 * one fetch (one per partition with messages) to its workers in the same turn of the event loop;
 * each joins here, and after that turn (`setImmediate`) they go to `run` together: one
 * ClickHouse statement per table, one lookup of written ids and one links catch-up for the
 * fetch instead of one each per partition. A caller alone is run after that turn too, so
 * nothing waits for company that is not already there.
 *
 * Each caller's promise settles with the round it was in. Rounds hold at most `maxItems` items
 * (a single caller's items always go, however many); callers beyond wait for the next round,
 * which starts at once. Rounds may run concurrently (as partitions did).
 */
export class RoundGatherer<T, C> {
  private waiting: Waiting<T, C>[] = [];
  private scheduled = false;

  constructor(
    private readonly run: (members: readonly RoundMember<T, C>[]) => Promise<void>,
    private readonly maxItems: number,
  ) {
    if (!Number.isInteger(maxItems) || maxItems < 1)
      throw new RangeError(`maxItems must be a positive integer, got ${maxItems}`);
  }

  /** Resolves once the round holding `items` ran (rejects with its failure). */
  join(items: readonly T[], context: C): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ items, context, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const members: Waiting<T, C>[] = [];
    let size = 0;
    while (
      this.waiting.length > 0 &&
      (members.length === 0 || size + this.waiting[0].items.length <= this.maxItems)
    ) {
      const next = this.waiting.shift() as Waiting<T, C>;
      members.push(next);
      size += next.items.length;
    }
    if (this.waiting.length > 0) this.schedule();
    void this.runRound(members);
  }

  private async runRound(members: readonly Waiting<T, C>[]): Promise<void> {
    try {
      await this.run(members);
    } catch (e) {
      for (const m of members) m.reject(e);
      return;
    }
    for (const m of members) m.resolve();
  }
}

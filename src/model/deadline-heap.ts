/** One pending wait: when it is due, and what to call then. */
export interface Deadline {
  readonly at: number;
  readonly wake: () => void;
}

interface Entry extends Deadline {
  /** Breaks ties between equal deadlines: the earlier wait wakes first. */
  readonly order: number;
  slot: number;
}

/**
 * Pending waits ordered by deadline (a binary min-heap), so one timer can serve every wait of
 * the process: adding, taking the earliest and withdrawing one cost O(log n).
 */
export class DeadlineHeap {
  private readonly entries: Entry[] = [];
  private added = 0;

  get size(): number {
    return this.entries.length;
  }

  /** The earliest deadline, or Infinity when nothing waits. */
  get earliest(): number {
    return this.entries[0]?.at ?? Number.POSITIVE_INFINITY;
  }

  add(at: number, wake: () => void): Deadline {
    const entry: Entry = { at, wake, order: this.added++, slot: this.entries.length };
    this.entries.push(entry);
    this.rise(entry);
    return entry;
  }

  /** Takes out the earliest wait if it is due at `now`; a wake-up then loops without allocating. */
  takeDue(now: number): Deadline | undefined {
    const first = this.entries[0];
    if (first === undefined || first.at > now) return undefined;
    this.remove(first);
    return first;
  }

  /** Withdraws a wait that has not come due; a wait already taken out is left alone. */
  withdraw(deadline: Deadline): void {
    const entry = deadline as Entry;
    if (this.entries[entry.slot] === entry) this.remove(entry);
  }

  private remove(entry: Entry): void {
    const last = this.entries.pop()!;
    if (last === entry) return;
    this.place(last, entry.slot);
    this.rise(last);
    this.sink(last);
  }

  private rise(entry: Entry): void {
    while (entry.slot > 0) {
      const parent = this.entries[(entry.slot - 1) >> 1]!;
      if (!this.before(entry, parent)) return;
      this.swap(entry, parent);
    }
  }

  private sink(entry: Entry): void {
    for (;;) {
      const left = this.entries[entry.slot * 2 + 1];
      const right = this.entries[entry.slot * 2 + 2];
      const child = right && this.before(right, left!) ? right : left;
      if (!child || !this.before(child, entry)) return;
      this.swap(entry, child);
    }
  }

  private before(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private swap(a: Entry, b: Entry): void {
    const slot = a.slot;
    this.place(a, b.slot);
    this.place(b, slot);
  }

  private place(entry: Entry, slot: number): void {
    entry.slot = slot;
    this.entries[slot] = entry;
  }
}

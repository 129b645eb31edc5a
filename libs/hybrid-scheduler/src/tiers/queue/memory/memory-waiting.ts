/**
 * The waiting jobs of one memory workflow, in run order: lower `priority` first, FIFO within one priority.
 * Taking the next job and adding one of the last priority are O(1) whatever the backlog (an array's `shift()`
 * copies the whole backlog once it is large, which made throughput fall as the backlog grew).
 */
export class WaitingJobs<T extends { priority: number }> {
  /** Slots before `head` were taken (undefined); the ones from `head` on are waiting jobs. */
  private items: Array<T | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  add(job: T): void {
    let index = this.items.length;
    while (index > this.head && (this.items[index - 1]?.priority ?? -Infinity) > job.priority) index--;
    if (index === this.items.length) this.items.push(job);
    else this.items.splice(index, 0, job);
  }

  /** The next job to run, or undefined. */
  take(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const job = this.items[this.head];
    this.items[this.head++] = undefined;
    // Drop the taken slots now and then, so the array does not grow without end.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return job;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

import type { DeadLetterStore, StoredDeadLetter } from '../dead-letter-store.interface.js';

/** Dead letters in process memory: lost on restart, like the memory provider's jobs. */
export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly letters = new Map<string, StoredDeadLetter[]>();

  async add(letter: StoredDeadLetter): Promise<void> {
    const list = this.letters.get(letter.workflow) ?? [];
    list.push(letter);
    this.letters.set(letter.workflow, list);
  }

  async list(workflow: string): Promise<StoredDeadLetter[]> {
    return [...(this.letters.get(workflow) ?? [])];
  }

  async take(workflow: string, jobKey: string): Promise<StoredDeadLetter | undefined> {
    const list = this.letters.get(workflow) ?? [];
    const index = list.findIndex((l) => l.jobKey === jobKey);
    return index < 0 ? undefined : list.splice(index, 1)[0];
  }

  async purge(workflow: string): Promise<number> {
    const count = this.letters.get(workflow)?.length ?? 0;
    this.letters.delete(workflow);
    return count;
  }

  async count(workflow: string): Promise<number> {
    return this.letters.get(workflow)?.length ?? 0;
  }

  async close(): Promise<void> {}
}

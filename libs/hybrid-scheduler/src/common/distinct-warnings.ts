import type { Logger } from '@nestjs/common';

/**
 * Warns once per distinct message and key: a check that fails the same way every few seconds logs one line,
 * and again only when the reason changes or after it worked (`clear`).
 */
export class DistinctWarnings {
  private readonly last = new Map<string, string>();

  constructor(private readonly logger: Logger) {}

  warn(key: string, message: string): void {
    if (this.last.get(key) === message) return;
    this.last.set(key, message);
    this.logger.warn(message);
  }

  clear(key: string): void {
    this.last.delete(key);
  }
}

import type { LoggerService } from '@nestjs/common';

/** A Nest logger that keeps every line as `LEVEL [context] message`, for tests that assert what was logged. */
export class LogCapture implements LoggerService {
  readonly lines: string[] = [];

  private push(level: string, message: unknown, params: unknown[]): void {
    const context = params.length ? String(params[params.length - 1]) : '';
    this.lines.push(`${level} [${context}] ${String(message)}`);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.push('LOG', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.push('ERROR', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.push('WARN', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.push('DEBUG', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.push('VERBOSE', message, params);
  }

  matching(pattern: RegExp): string[] {
    return this.lines.filter((line) => pattern.test(line));
  }
}

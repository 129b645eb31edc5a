import { HttpException, HttpStatus } from '@nestjs/common';
import { redactedMessage } from '../common/redact.js';
import { HybridSchedulerError } from '../errors/index.js';

const BY_NAME: ReadonlyArray<readonly [HttpStatus, RegExp]> = [
  [HttpStatus.NOT_FOUND, /NotFoundError$/],
  [HttpStatus.BAD_REQUEST, /^Invalid|ValidationError$/],
  // A control the job's owning package does not offer (a read-only @Processor queue, a @Timeout's pause).
  [HttpStatus.CONFLICT, /ControlError$/],
  [HttpStatus.SERVICE_UNAVAILABLE, /(Unavailable|Unreachable)Error$/],
];

/** A library error as the HTTP answer the page shows: its class name, its (redacted) message, a fitting status. */
export function dashboardHttpError(error: unknown): HttpException {
  if (error instanceof HttpException) return error;
  const name = error instanceof HybridSchedulerError ? error.name : 'InternalError';
  const status = BY_NAME.find(([, pattern]) => pattern.test(name))?.[0] ?? HttpStatus.INTERNAL_SERVER_ERROR;
  return new HttpException({ statusCode: status, error: name, message: redactedMessage(error) }, status);
}

/** Runs `action`, turning what it throws into the dashboard's HTTP answer. */
export async function answering<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw dashboardHttpError(error);
  }
}

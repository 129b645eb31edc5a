import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import {
  DeadLetterNotFoundError,
  DeploymentNotFoundError,
  DuplicateTaskError,
  HybridSchedulerError,
  InvalidEnqueueOptionsError,
  InvalidTaskOptionsError,
  JobNotFoundError,
  PayloadValidationError,
  PrefectUnreachableError,
  TierUnavailableError,
  WorkflowNotFoundError,
} from 'nestjs-hybrid-scheduler';

type ErrorClass = abstract new (...args: never[]) => HybridSchedulerError;

/** The library's typed errors and the HTTP answer each gets; anything else of the family is a 500. */
const STATUS: ReadonlyArray<readonly [HttpStatus, ReadonlyArray<ErrorClass>]> = [
  [
    HttpStatus.NOT_FOUND,
    [JobNotFoundError, WorkflowNotFoundError, DeploymentNotFoundError, DeadLetterNotFoundError],
  ],
  [
    HttpStatus.BAD_REQUEST,
    [PayloadValidationError, InvalidEnqueueOptionsError, InvalidTaskOptionsError, DuplicateTaskError],
  ],
  [HttpStatus.SERVICE_UNAVAILABLE, [TierUnavailableError, PrefectUnreachableError]],
];

/** Errors the table does not list yet (a newer library version) follow the library's naming. */
const BY_NAME: ReadonlyArray<readonly [HttpStatus, RegExp]> = [
  [HttpStatus.NOT_FOUND, /NotFoundError$/],
  [HttpStatus.BAD_REQUEST, /^Invalid|ValidationError$/],
  [HttpStatus.SERVICE_UNAVAILABLE, /(Unavailable|Unreachable)Error$/],
];

export const statusOf = (error: HybridSchedulerError): HttpStatus =>
  STATUS.find(([, classes]) => classes.some((type) => error instanceof type))?.[0] ??
  BY_NAME.find(([, pattern]) => pattern.test(error.name))?.[0] ??
  HttpStatus.INTERNAL_SERVER_ERROR;

/** Registered app-wide (APP_FILTER): unknown ids 404, bad input 400, a tier that cannot answer 503. */
@Catch(HybridSchedulerError)
export class SchedulerErrorFilter implements ExceptionFilter {
  catch(error: HybridSchedulerError, host: ArgumentsHost): void {
    const status = statusOf(error);
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(status)
      .json({ statusCode: status, error: error.name, message: error.message });
  }
}

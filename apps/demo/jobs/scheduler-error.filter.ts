import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import {
  DeploymentNotFoundError,
  HybridSchedulerError,
  JobNotFoundError,
  PayloadValidationError,
  TierUnavailableError,
  WorkflowNotFoundError,
} from 'nestjs-hybrid-scheduler';

/** Maps the library's typed errors to HTTP answers: unknown ids 404, bad payloads 400, missing tiers 503. */
@Catch(HybridSchedulerError)
export class SchedulerErrorFilter implements ExceptionFilter {
  catch(error: HybridSchedulerError, host: ArgumentsHost): void {
    const status =
      error instanceof JobNotFoundError ||
      error instanceof WorkflowNotFoundError ||
      error instanceof DeploymentNotFoundError
        ? HttpStatus.NOT_FOUND
        : error instanceof PayloadValidationError
          ? HttpStatus.BAD_REQUEST
          : error instanceof TierUnavailableError
            ? HttpStatus.SERVICE_UNAVAILABLE
            : HttpStatus.INTERNAL_SERVER_ERROR;
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(status)
      .json({ statusCode: status, error: error.name, message: error.message });
  }
}

import { SetMetadata } from '@nestjs/common';
import { PREFECT_DEPLOYMENT_METADATA } from '../hybrid-scheduler.constants.js';
import type { PrefectDeploymentOptions } from '../interfaces/index.js';

/**
 * Registers the method as a Prefect flow with a (scheduled) deployment; this app then works the deployment's
 * runs as a Prefect worker. The method receives `(parameters, ctx: FlowRunContext)`.
 */
export const PrefectDeployment = (options: PrefectDeploymentOptions = {}): MethodDecorator =>
  SetMetadata(PREFECT_DEPLOYMENT_METADATA, options);

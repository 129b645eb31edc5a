import { PREFECT_DEPLOYMENT_METADATA } from '../hybrid-scheduler.constants.js';
import type { PrefectDeploymentOptions } from '../interfaces/index.js';
import { taskMethodDecorator } from './task-method.decorator.js';

/**
 * Registers the method as a Prefect flow with a (scheduled) deployment; this app then works the deployment's
 * runs as a Prefect worker. The method receives `(parameters, ctx: FlowRunContext)`. On a property, accessor
 * or static method it throws `InvalidTaskOptionsError` when the class is defined.
 */
export const PrefectDeployment = (options: PrefectDeploymentOptions = {}): MethodDecorator =>
  taskMethodDecorator('PrefectDeployment', PREFECT_DEPLOYMENT_METADATA, options);

/** Every route the test server implements, keyed "METHOD /template" exactly as in openapi.json. */
import type { Routes } from '../router.js';
import { deploymentRoutes } from './deployments.js';
import { flowRunRoutes } from './flow-runs.js';
import { flowRoutes } from './flows.js';
import { graphRoutes } from './graph.js';
import { healthRoutes } from './health.js';
import { logRoutes } from './logs.js';
import { scheduleRoutes } from './schedules.js';
import { taskRunRoutes } from './task-runs.js';
import { workPoolRoutes } from './work-pools.js';

export const allRoutes: Routes = {
  ...healthRoutes,
  ...flowRoutes,
  ...workPoolRoutes,
  ...deploymentRoutes,
  ...scheduleRoutes,
  ...flowRunRoutes,
  ...logRoutes,
  ...taskRunRoutes,
  ...graphRoutes,
};

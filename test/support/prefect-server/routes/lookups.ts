/** 404-or-object lookups shared by the route files. */
import { notFound } from '../router.js';
import type { Store } from '../store.js';
import type { Deployment, FlowRun, WorkPool } from '../types.js';

export function poolOr404(store: Store, name: string): WorkPool {
  const pool = store.workPools.get(name);
  if (!pool) throw notFound(`Work pool "${name}" not found.`);
  return pool;
}

export function deploymentOr404(store: Store, id: string): Deployment {
  const d = store.deployments.get(id);
  if (!d) throw notFound('Deployment not found');
  return d;
}

export function flowRunOr404(store: Store, id: string): FlowRun {
  const r = store.flowRuns.get(id);
  if (!r) throw notFound('Flow run not found');
  return r;
}

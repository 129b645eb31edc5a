/** Metadata keys written by the decorators and read by the explorer. */
export const INTERNAL_TASK_METADATA = 'hybrid-scheduler:internal-task';
export const QUEUED_WORKFLOW_METADATA = 'hybrid-scheduler:queued-workflow';
export const PREFECT_DEPLOYMENT_METADATA = 'hybrid-scheduler:prefect-deployment';

/** Injection token for the validated module options (after defaults were applied). */
export const HYBRID_SCHEDULER_OPTIONS = Symbol('HYBRID_SCHEDULER_OPTIONS');
/** Token under which the Prefect tier registers itself (optional: the app may run without it). */
export const PREFECT_TIER = Symbol('HYBRID_SCHEDULER_PREFECT_TIER');

import type { FlowRunContext, TaskContext, TaskDefinition, WorkflowContext } from '../../interfaces/index.js';

/**
 * The context a queue workflow or Prefect deployment gets when it runs on this tier because its own tier was
 * unavailable at boot: the same shape its handler expects, filled with what an in-process run knows.
 */
export function fallbackContext(task: TaskDefinition, base: TaskContext, input: unknown): TaskContext {
  if (task.declaredTier === 'queue') {
    const context: WorkflowContext = {
      ...base,
      workflow: task.name,
      jobKey: base.runId,
      maxAttempts: 1,
      enqueuedAt: base.scheduledAt,
      provider: 'internal',
    };
    return context;
  }
  if (task.declaredTier === 'prefect') {
    const context: FlowRunContext = {
      ...base,
      flowRunId: base.runId,
      flowRunName: `${task.name} (in-process fallback)`,
      deploymentId: '',
      deploymentName: task.prefect?.name ?? 'default',
      flowName: task.prefect?.flow ?? task.name,
      parameters: (input ?? {}) as Record<string, unknown>,
    };
    return context;
  }
  return base;
}

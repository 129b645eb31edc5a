/** Options of `ctx.runDeployment`. */
export interface SubflowOptions {
  /** Wait for the child flow run's final state (default true); false resolves once it is created. */
  wait?: boolean;
  /** Gives up waiting after this long (the child is then cancelled) and fails the step. */
  timeoutMs?: number;
  /** Prefect's idempotency key for the child flow run. */
  idempotencyKey?: string;
  /** Tags of the parent task run that links the child to this flow run. */
  tags?: string[];
}

/** The child flow run a `ctx.runDeployment` created: its id and, with `wait`, its final state. */
export interface SubflowRun {
  flowRunId: string;
  name: string;
  deploymentId: string;
  /** COMPLETED after a wait; the state it was created in (SCHEDULED) without. */
  state: string;
}

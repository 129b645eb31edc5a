/**
 * `GET /flow_runs/{id}/graph-v2`, built as Prefect 3.8's flow_run_graph_v2 query does
 * (src/prefect/server/database/query_components.py; re-implemented): one node per task run of the flow run that
 * has a start or expected start time; a task run that is the `parent_task_run_id` of a flow run becomes a
 * `flow-run` node (the child's id, label "<flow> / <run>", the child's state and times). Every id in
 * `task_inputs` (any key but `__parents__`) that is a node of this graph is a parent edge, and its reverse a
 * child edge; `__parents__` ids are `encapsulating` (nesting, not an edge). Nodes without parents are roots.
 * Ordered by start then end time; `since` drops nodes that ended before it.
 */
import type { Routes } from '../router.js';
import type { Store } from '../store.js';
import type { FlowRun, TaskRun } from '../types.js';
import { flowRunOr404 } from './lookups.js';

interface Row {
  kind: 'flow-run' | 'task-run';
  id: string;
  label: string;
  state_type: string | null;
  start_time: string;
  end_time: string | null;
  inputs: Array<{ id: string; encapsulating: boolean }>;
}

function row(store: Store, task: TaskRun): Row | null {
  const child: FlowRun | undefined = [...store.flowRuns.values()].find(
    (r) => r.parent_task_run_id === task.id,
  );
  const start =
    child?.start_time ?? child?.expected_start_time ?? task.start_time ?? task.expected_start_time;
  if (!start) return null;
  const inputs = Object.entries(task.task_inputs).flatMap(([key, values]) =>
    values.filter((v) => v.id).map((v) => ({ id: v.id!, encapsulating: key === '__parents__' })),
  );
  return {
    kind: child ? 'flow-run' : 'task-run',
    id: child?.id ?? task.id,
    label: child ? `${store.flows.get(child.flow_id)?.name} / ${child.name}` : task.name,
    state_type: child?.state_type ?? task.state_type,
    start_time: start,
    end_time:
      child?.end_time ?? task.end_time ?? (task.state_type === 'COMPLETED' ? task.expected_start_time : null),
    inputs,
  };
}

export const graphRoutes: Routes = {
  'GET /flow_runs/{id}/graph-v2': ({ store, params, query }) => {
    const run = flowRunOr404(store, params['id']!);
    const since = Date.parse(query.get('since') ?? '0001-01-01T00:00:00+00:00');
    const rows = [...store.taskRuns.values()]
      .filter((t) => t.flow_run_id === run.id)
      .map((t) => row(store, t))
      .filter((r): r is Row => r !== null);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const t = (v: string | null) => (v ? Date.parse(v) : Number.POSITIVE_INFINITY);
    const byStart = (a: { id: string }, b: { id: string }) =>
      t(byId.get(a.id)!.start_time) - t(byId.get(b.id)!.start_time);
    const edges = (r: Row, encapsulating: boolean) =>
      [
        ...new Set(
          r.inputs.filter((i) => i.encapsulating === encapsulating && byId.has(i.id)).map((i) => i.id),
        ),
      ]
        .map((id) => ({ id }))
        .sort(byStart);
    const nodes = rows
      .filter((r) => r.end_time === null || Date.parse(r.end_time) >= since)
      .sort((a, b) => t(a.start_time) - t(b.start_time) || t(a.end_time) - t(b.end_time))
      .map((r) => ({
        kind: r.kind,
        id: r.id,
        label: r.label,
        state_type: r.state_type,
        start_time: r.start_time,
        end_time: r.end_time,
        parents: edges(r, false),
        children: rows
          .filter((c) => c.inputs.some((i) => !i.encapsulating && i.id === r.id))
          .map((c) => ({ id: c.id }))
          .sort(byStart),
        encapsulating: edges(r, true),
        artifacts: [],
      }));
    return {
      status: 200,
      body: {
        start_time: run.start_time ?? run.expected_start_time,
        end_time: run.end_time,
        root_node_ids: nodes.filter((n) => n.parents.length === 0).map((n) => n.id),
        nodes: nodes.map((n) => [n.id, n]),
        artifacts: [],
        states: (store.history.get(run.id) ?? []).map((s) => ({
          id: s.id,
          timestamp: s.timestamp,
          type: s.type,
          name: s.name,
        })),
      },
    };
  },
};

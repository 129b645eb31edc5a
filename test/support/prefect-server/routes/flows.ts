/** Flows: create-or-read by name, read by id / name. */
import { RequestValidationError, notFound, type Routes } from '../router.js';
import { clone, iso, uuid } from '../store.js';
import type { Flow } from '../types.js';

export const flowRoutes: Routes = {
  'POST /flows/': ({ store, body }) => {
    const existing = store.flowByName(body.name);
    if (existing) return { status: 200, body: clone(existing) };
    const now = iso();
    const flow: Flow = {
      id: uuid(),
      created: now,
      updated: now,
      name: body.name,
      tags: body.tags ?? [],
      labels: body.labels ?? {},
    };
    store.flows.set(flow.id, flow);
    return { status: 201, body: clone(flow) };
  },
  'GET /flows/{id}': ({ store, params }) => {
    const flow = store.flows.get(params['id']!);
    if (!flow) throw notFound('Flow not found');
    return { status: 200, body: clone(flow) };
  },
  'GET /flows/name/{name}': ({ store, params }) => {
    const flow = store.flowByName(params['name']!);
    if (!flow) throw notFound('Flow not found');
    return { status: 200, body: clone(flow) };
  },
  'POST /flows/filter': ({ store, body }) => {
    let flows = [...store.flows.values()];
    const names: string[] | undefined = body.flows?.name?.any_;
    const ids: string[] | undefined = body.flows?.id?.any_;
    if (names) flows = flows.filter((f) => names.includes(f.name));
    if (ids) flows = flows.filter((f) => ids.includes(f.id));
    flows.sort((a, b) => a.name.localeCompare(b.name));
    return {
      status: 200,
      body: flows.slice(body.offset ?? 0, (body.offset ?? 0) + limitOf(body)).map(clone),
    };
  },
};

/** Prefect's list limit: default 200, larger → 422. */
export function limitOf(body: { limit?: number | null }): number {
  const limit = body.limit ?? 200;
  if (limit > 200) {
    throw new RequestValidationError([
      {
        type: 'less_than_equal',
        loc: ['body', 'limit'],
        msg: 'Input should be less than or equal to 200',
        input: limit,
      },
    ]);
  }
  return limit;
}

/** A tiny fetch client for the Prefect test server tests; checks every response against the OpenAPI schema. */
import { schemaValidator, type PrefectTestServer } from '../../support/prefect-server/index.js';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

export function client(server: PrefectTestServer, headers: Record<string, string> = {}) {
  const validator = schemaValidator();
  const responseIssues: string[] = [];
  async function call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const res = await fetch(server.url + path, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-prefect-api-version': '0.8.4',
        ...headers,
        ...extraHeaders,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : undefined;
    if (res.status < 300) {
      const op = validator.match(method, path.split('?')[0]!);
      if (!op) responseIssues.push(`${method} ${path}: no operation`);
      else {
        const issues = validator.validateResponse(method, op.template, res.status, parsed);
        if (issues.length) responseIssues.push(`${method} ${path} ${res.status}: ${JSON.stringify(issues)}`);
      }
    }
    return { status: res.status, body: parsed as T };
  }
  return {
    get: <T = any>(p: string, h?: Record<string, string>) => call<T>('GET', p, undefined, h),
    post: <T = any>(p: string, b?: unknown, h?: Record<string, string>) => call<T>('POST', p, b ?? {}, h),
    patch: <T = any>(p: string, b: unknown) => call<T>('PATCH', p, b),
    delete: <T = any>(p: string) => call<T>('DELETE', p),
    /** Responses that did not match the documented schema (should stay empty). */
    responseIssues,
  };
}

export type Client = ReturnType<typeof client>;

/** Pool + flow + deployment with the given schedules; returns the deployment. */
export async function setupDeployment(
  api: Client,
  opts: {
    pool?: string;
    flow?: string;
    name?: string;
    schedules?: unknown[];
    extra?: Record<string, unknown>;
  } = {},
) {
  const pool = opts.pool ?? 'nest-pool';
  const existing = await api.get(`/work_pools/${pool}`);
  if (existing.status === 404) await api.post('/work_pools/', { name: pool, type: 'nestjs' });
  const flow = await api.post('/flows/', { name: opts.flow ?? 'daily-sweep', tags: ['nestjs'] });
  const dep = await api.post('/deployments/', {
    name: opts.name ?? 'sweep',
    flow_id: flow.body.id,
    work_pool_name: pool,
    enforce_parameter_schema: false,
    parameter_openapi_schema: { type: 'object', properties: {} },
    parameters: {},
    tags: ['nestjs'],
    schedules: opts.schedules ?? [],
    ...opts.extra,
  });
  if (dep.status !== 201 && dep.status !== 200)
    throw new Error(`deployment create failed: ${dep.status} ${JSON.stringify(dep.body)}`);
  return dep.body;
}

export const pending = (transitionId?: string) => ({
  state: {
    type: 'PENDING',
    name: 'Pending',
    state_details: transitionId ? { transition_id: transitionId } : {},
  },
  force: false,
});
export const state = (type: string, extra: Record<string, unknown> = {}) => ({
  state: { type, ...extra },
  force: false,
});

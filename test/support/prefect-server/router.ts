/**
 * HTTP plumbing: auth, OpenAPI operation lookup, request validation (422 in Prefect's shape, recorded in
 * schemaViolations), dispatch to the route handlers, request log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { type MatchedOperation, type ValidationIssue, schemaValidator } from './schema-validator.js';
import type { Store } from './store.js';

export interface Reply {
  status: number;
  body?: unknown; // undefined → no body (204)
}

export interface RouteContext {
  store: Store;
  params: Record<string, string>;
  query: URLSearchParams;
  body: any; // validated against the schema before the handler runs
  /** Runs the scheduler right after a deployment/schedule change, as Prefect's "recent deployments" loop. */
  scheduleSoon(): void;
}

export type Handler = (ctx: RouteContext) => Reply;
export type Routes = Record<string, Handler>; // key: "METHOD /template" as in openapi.json

/** An error a handler throws to answer with a status and body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === 'object' ? JSON.stringify(body) : String(body));
  }
}
export const notFound = (msg: string) => new HttpError(404, { detail: msg });
/** A request-validation failure outside the JSON schema (Prefect's pydantic validators): also a client bug. */
export class RequestValidationError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(issues.map((i) => i.msg).join('; '));
  }
}

export interface RouterOptions {
  auth?: { apiKey?: string } | { basic?: string };
  store: Store;
  routes: Routes;
  scheduleSoon(): void;
  schemaViolations: Array<{ method: string; path: string; errors: string }>;
  requests: Array<{ method: string; path: string; status: number; body: unknown }>;
  /**
   * How long to hold a (validated) request before dropping its connection unanswered and unapplied, as a proxy
   * or a server stuck on a locked database does; undefined to serve it. Dropped requests are logged with status 0.
   */
  hold?(method: string, template: string, body: unknown): number | undefined;
  /** Slow mode: waits its turn; resolves a status (503) to answer instead of serving the request, unapplied. */
  slow?(method: string, template: string): Promise<number | undefined>;
}

const UNAUTHORIZED = { exception_message: 'Unauthorized' };

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function authorized(
  auth: RouterOptions['auth'],
  path: string,
  method: string,
  header: string | undefined,
): boolean {
  if (!auth) return true;
  if ('apiKey' in auth && auth.apiKey) return !!header && safeEqual(header, `Bearer ${auth.apiKey}`);
  if ('basic' in auth && auth.basic) {
    if (method === 'GET' && (path === '/health' || path === '/ready')) return true;
    return !!header && safeEqual(header, `Basic ${Buffer.from(auth.basic).toString('base64')}`);
  }
  return true;
}

function apiVersionTooOld(header: string | undefined): boolean {
  if (!header) return false;
  const [maj = 0, min = 0] = header.split('.').map(Number);
  return maj === 0 && min < 8;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function createRouter(o: RouterOptions) {
  const validator = schemaValidator();

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.startsWith('/api') ? url.pathname.slice(4) || '/' : url.pathname;
    const raw = await readBody(req);
    let body: unknown = undefined;
    let reply: Reply;
    let op: MatchedOperation | undefined;
    try {
      if (!url.pathname.startsWith('/api/') && url.pathname !== '/api')
        throw new HttpError(404, { detail: 'Not Found' });
      if (!authorized(o.auth, path, method, req.headers.authorization))
        throw new HttpError(401, UNAUTHORIZED);
      const apiVersion = req.headers['x-prefect-api-version'];
      if (apiVersionTooOld(Array.isArray(apiVersion) ? apiVersion[0] : apiVersion)) {
        throw new HttpError(400, {
          detail: `Client version ${apiVersion} is not supported by server version 0.8.4.`,
        });
      }
      op = validator.match(method, path);
      if (!op)
        throw anyMethod(validator, path)
          ? new HttpError(405, { detail: 'Method Not Allowed' })
          : new HttpError(404, { detail: 'Not Found' });
      const issues: ValidationIssue[] = validator.validateParams(op, url.searchParams);
      const rb = validator.requestBodySchema(op);
      if (raw.trim() !== '') {
        try {
          body = JSON.parse(raw);
        } catch (e) {
          issues.push({ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {} });
          body = raw;
        }
      }
      if (rb && body !== undefined && issues.every((i) => i.type !== 'json_invalid'))
        issues.push(...validator.validateBody(op, body));
      else if (rb?.required && body === undefined)
        issues.push({ type: 'missing', loc: ['body'], msg: 'Field required', input: null });
      if (issues.length) throw new RequestValidationError(issues);
      const holdMs = o.hold?.(method, op.template, body);
      if (holdMs !== undefined) {
        // The hold ends early when the connection goes (the client gave up, or stop() destroyed it), so no
        // timer of a held request outlives the server and keeps the test process running.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, holdMs);
          req.socket.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        o.requests.push({ method, path, status: 0, body });
        req.socket.destroy();
        return;
      }
      const refused = await o.slow?.(method, op.template);
      if (refused !== undefined)
        throw new HttpError(refused, {
          exception_message: 'database is locked',
          detail: 'database is locked',
        });
      const handler = o.routes[`${method} ${op.template}`];
      if (!handler)
        throw new HttpError(501, {
          detail: `${method} ${op.template} is not implemented by the Prefect test server`,
        });
      reply = handler({
        store: o.store,
        params: op.params,
        query: url.searchParams,
        body: body ?? {},
        scheduleSoon: o.scheduleSoon,
      });
    } catch (e) {
      if (e instanceof RequestValidationError) {
        o.schemaViolations.push({ method, path, errors: JSON.stringify(e.issues) });
        reply = {
          status: 422,
          body: {
            exception_message: 'Invalid request received.',
            exception_detail: e.issues,
            request_body: body ?? null,
          },
        };
      } else if (e instanceof HttpError) {
        reply = { status: e.status, body: e.body };
      } else {
        reply = {
          status: 500,
          body: { exception_message: 'Internal Server Error', detail: String((e as Error)?.stack ?? e) },
        };
      }
    }
    o.requests.push({ method, path, status: reply.status, body });
    if (reply.body === undefined) {
      res.writeHead(reply.status).end();
    } else {
      const text = JSON.stringify(reply.body);
      res
        .writeHead(reply.status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        })
        .end(text);
    }
  };
}

function anyMethod(v: ReturnType<typeof schemaValidator>, path: string): boolean {
  return ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].some((m) => v.match(m, path));
}

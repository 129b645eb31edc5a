/**
 * Validates requests (and, in tests, responses) against Prefect's published OpenAPI schema, read from
 * `../shared/prefect/openapi.json` relative to the repo root (never copied into the repo).
 * Override the location with PREFECT_OPENAPI_PATH.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

type Schema = Record<string, unknown>;
interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema: Schema }>;
  requestBody?: { required?: boolean; content?: { 'application/json'?: { schema: Schema } } };
  responses?: Record<string, { content?: { 'application/json'?: { schema: Schema } } }>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const DOC_ID = 'prefect-openapi';

export function findOpenApiPath(): string {
  const fromEnv = process.env['PREFECT_OPENAPI_PATH'];
  if (fromEnv) return fromEnv;
  // Walk up from the working directory to the repo root (the directory with package.json whose
  // sibling `shared/prefect/openapi.json` exists).
  let dir = process.cwd();
  for (;;) {
    const candidate = join(dir, '..', 'shared', 'prefect', 'openapi.json');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return resolve(candidate);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // A scratch clone (e.g. under /tmp) has no sibling shared/: use the workplace's copy beside the main checkout.
  const workplaceCopy = '/work/shared/prefect/openapi.json';
  if (existsSync(workplaceCopy)) return workplaceCopy;
  throw new Error(
    'Prefect openapi.json not found: expected <repo>/../shared/prefect/openapi.json (or set PREFECT_OPENAPI_PATH)',
  );
}

/** Pydantic-style error entries, as Prefect puts them in `exception_detail`. */
export interface ValidationIssue {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input?: unknown;
}

export interface MatchedOperation {
  template: string;
  method: string;
  operation: Operation;
  params: Record<string, string>;
}

class SchemaValidator {
  readonly doc: OpenApi;
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly templates: Array<{ template: string; segments: string[] }>;

  constructor(file: string) {
    this.doc = JSON.parse(readFileSync(file, 'utf8')) as OpenApi;
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
    addFormats(this.ajv);
    this.ajv.addFormat('time-delta', true);
    this.ajv.addFormat('password', true);
    this.ajv.addFormat('path', true);
    this.ajv.addSchema({ ...this.doc, $id: DOC_ID } as Schema, DOC_ID);
    this.templates = Object.keys(this.doc.paths)
      .map((template) => ({ template, segments: template.split('/').filter(Boolean) }))
      // Literal segments win over `{param}` segments (e.g. /deployments/filter over /deployments/{id}).
      .sort((a, b) => specificity(b.segments) - specificity(a.segments));
  }

  /** Finds the documented operation for a request path (relative to /api); trailing slash is optional. */
  match(method: string, path: string): MatchedOperation | undefined {
    const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
    const m = method.toLowerCase();
    for (const { template, segments } of this.templates) {
      const op = this.doc.paths[template]?.[m];
      if (!op || segments.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const s = segments[i]!;
        if (s.startsWith('{')) params[s.slice(1, -1)] = segs[i]!;
        else ok = s === segs[i];
      }
      if (ok) return { template, method: m, operation: op, params };
    }
    return undefined;
  }

  private compiled(key: string, schema: Schema): ValidateFunction {
    let fn = this.cache.get(key);
    if (!fn) {
      fn = this.ajv.compile(rewriteRefs(schema));
      this.cache.set(key, fn);
    }
    return fn;
  }

  /** Validates data against a schema fragment whose `$ref`s point into `#/components/schemas`. */
  validate(key: string, schema: Schema, data: unknown, locPrefix: string[]): ValidationIssue[] {
    const fn = this.compiled(key, schema);
    if (fn(data)) return [];
    return toIssues(fn.errors ?? [], locPrefix, data);
  }

  validateComponent(name: string, data: unknown): ValidationIssue[] {
    return this.validate(`component:${name}`, { $ref: `#/components/schemas/${name}` }, data, []);
  }

  validateParams(op: MatchedOperation, query: URLSearchParams): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    for (const p of op.operation.parameters ?? []) {
      if (p.in !== 'path' && p.in !== 'query') continue;
      const value = p.in === 'path' ? op.params[p.name] : (query.get(p.name) ?? undefined);
      if (value === undefined) {
        if (p.required)
          issues.push({ type: 'missing', loc: [p.in, p.name], msg: 'Field required', input: null });
        continue;
      }
      const coerced = coerceParam(value, p.schema);
      const key = `param:${op.method}:${op.template}:${p.name}`;
      for (const i of this.validate(key, p.schema, coerced, [p.in, p.name]))
        issues.push({ ...i, input: value });
    }
    return issues;
  }

  /** `undefined` means the operation takes no JSON body. */
  requestBodySchema(op: MatchedOperation): { schema: Schema; required: boolean } | undefined {
    const rb = op.operation.requestBody;
    const schema = rb?.content?.['application/json']?.schema;
    return schema ? { schema, required: !!rb?.required } : undefined;
  }

  validateBody(op: MatchedOperation, body: unknown): ValidationIssue[] {
    const rb = this.requestBodySchema(op);
    if (!rb) return [];
    return this.validate(`body:${op.method}:${op.template}`, rb.schema, body, ['body']);
  }

  /**
   * Validates a response body against the documented 2xx schema. Prefect answers 201 where the schema
   * lists only 200, so a missing 201 falls back to 200 (and vice versa).
   */
  validateResponse(method: string, template: string, status: number, body: unknown): ValidationIssue[] {
    const op = this.doc.paths[template]?.[method.toLowerCase()];
    if (!op)
      return [{ type: 'unknown_operation', loc: [], msg: `${method} ${template} is not in the schema` }];
    const responses = op.responses ?? {};
    const entry =
      responses[String(status)] ??
      (status === 201 ? responses['200'] : status === 200 ? responses['201'] : undefined);
    const schema = entry?.content?.['application/json']?.schema;
    if (!schema) return [];
    return this.validate(`response:${method}:${template}:${status}`, schema, body, ['response']);
  }
}

function specificity(segments: string[]): number {
  // Weighted so that earlier literal segments count more.
  return segments.reduce((acc, s, i) => acc + (s.startsWith('{') ? 0 : 2 ** (10 - i)), 0);
}

function rewriteRefs(schema: Schema): Schema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOC_ID}#/components/`)) as Schema;
}

function coerceParam(value: string, schema: Schema): unknown {
  const type = schema['type'];
  if (type === 'integer' || type === 'number') return Number.isNaN(Number(value)) ? value : Number(value);
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}

function pointerToLoc(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function valueAt(data: unknown, loc: Array<string | number>): unknown {
  let cur: unknown = data;
  for (const k of loc)
    cur = cur && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[k] : undefined;
  return cur;
}

function toIssues(errors: ErrorObject[], prefix: string[], data: unknown): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const loc = pointerToLoc(e.instancePath);
    let issue: ValidationIssue;
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      issue = {
        type: 'extra_forbidden',
        loc: [...prefix, ...loc, extra],
        msg: 'Extra inputs are not permitted',
        input: valueAt(data, [...loc, extra]),
      };
    } else if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      issue = {
        type: 'missing',
        loc: [...prefix, ...loc, missing],
        msg: 'Field required',
        input: valueAt(data, loc),
      };
    } else {
      issue = {
        type: e.keyword,
        loc: [...prefix, ...loc],
        msg: e.message ?? e.keyword,
        input: valueAt(data, loc),
      };
    }
    const key = JSON.stringify([issue.type, issue.loc, issue.msg]);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(issue);
    }
  }
  return out;
}

let instance: SchemaValidator | undefined;
/** One validator per process: the schema document is large and compiled lazily, schema by schema. */
export function schemaValidator(): SchemaValidator {
  instance ??= new SchemaValidator(findOpenApiPath());
  return instance;
}
export type { SchemaValidator };

import type { EnvReading, OptionField } from './option-field.js';
import { isRecord } from '../common/is-record.js';
import { shown } from './shown-value.js';

// A group of options (`internal`, `queue`, `queue.bullmq`, …) and the types derived from it. A *section* is always
// there after resolution (absent means "all defaults"); a *block* exists only when the user gives it.

export type Shape = Record<string, OptionField<unknown, unknown, boolean, boolean>>;

type InOf<F> = F extends OptionField<infer In, unknown, boolean, boolean> ? In : never;
type OutOf<F> = F extends OptionField<unknown, infer Out, boolean, boolean> ? Out : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The options as users write them: required fields required, the rest optional. */
export type InputOf<S extends Shape> = Simplify<
  { -readonly [K in keyof S as S[K]['required'] extends true ? K : never]: InOf<S[K]> } & {
    -readonly [K in keyof S as S[K]['required'] extends true ? never : K]?: InOf<S[K]>;
  }
>;

/** The options after validation: everything with a default (and every section) is set. */
export type OutputOf<S extends Shape> = Simplify<
  { -readonly [K in keyof S as S[K]['present'] extends true ? K : never]: OutOf<S[K]> } & {
    -readonly [K in keyof S as S[K]['present'] extends true ? never : K]?: OutOf<S[K]>;
  }
>;

export interface GroupSpec<S extends Shape> {
  /**
   * Rules across fields, run when every field is valid: each returns undefined, a problem with the group, or a
   * problem with one of its options (`{ option, problem }`), without the path.
   */
  rules?: Array<(value: OutputOf<S>) => string | { option: string; problem: string } | undefined>;
  /** Environment variable holding the whole group as text, and how to read it (instead of one per field). */
  env?: { name: string; accepts: string; read: (text: string) => EnvReading<InputOf<S>> };
}

export interface GroupField<
  S extends Shape,
  Req extends boolean,
  Present extends boolean,
> extends OptionField<InputOf<S>, OutputOf<S>, Req, Present> {
  readonly shape: S;
}

/** `queue` + `bullmq` → `queue.bullmq`; at the root just the key. */
export const join = (at: string, key: string): string => (at ? `${at}.${key}` : key);

/** Resolves one field of a group: required/absent/default handling, then the field's own check. */
export function resolveField(
  field: OptionField<unknown, unknown, boolean, boolean>,
  value: unknown,
  at: string,
  block: Readonly<Record<string, unknown>>,
  problems: string[],
): unknown {
  if (value !== undefined) return field.resolve(value, at, problems);
  if (field.required) {
    const env = field.env.length ? ` (or set ${field.env.join(' or ')})` : '';
    problems.push(`${at}: required${env}`);
    return undefined;
  }
  return field.fallback(block);
}

function group<S extends Shape, Req extends boolean, Present extends boolean>(
  shape: S,
  spec: GroupSpec<S>,
  flags: { required: Req; present: Present },
): GroupField<S, Req, Present> {
  return {
    ...flags,
    shape,
    env: spec.env ? [spec.env.name] : [],
    accepts: spec.env?.accepts ?? 'object',
    show: (value) => shown(value),
    resolve(value, at, problems) {
      if (!isRecord(value)) {
        problems.push(`${at || 'options'}: must be an object`);
        return undefined;
      }
      const before = problems.length;
      for (const key of Object.keys(value))
        if (!(key in shape)) problems.push(`${join(at, key)}: unknown option`);
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(shape)) {
        const resolved = resolveField(field, value[key], join(at, key), value, problems);
        if (resolved !== undefined) out[key] = resolved;
      }
      if (problems.length > before) return undefined;
      const result = out as OutputOf<S>;
      for (const rule of spec.rules ?? []) {
        const problem = rule(result);
        if (typeof problem === 'string') problems.push(`${at}: ${problem}`);
        else if (problem) problems.push(`${join(at, problem.option)}: ${problem.problem}`);
      }
      return result;
    },
    fallback(): OutputOf<S> | undefined {
      return flags.present ? this.resolve({}, '', []) : undefined;
    },
    fromEnv(text) {
      return spec.env ? spec.env.read(text) : { problem: 'is not read from the environment as a whole' };
    },
  };
}

/** Options that always resolve (absent = defaults), such as `internal` and `queue`. */
export const section = <S extends Shape>(shape: S, spec: GroupSpec<S> = {}): GroupField<S, false, true> =>
  group(shape, spec, { required: false, present: true });

/** Options that exist only when given, such as `prefect` or `queue.bullmq`; then their required fields apply. */
export const block = <S extends Shape>(shape: S, spec: GroupSpec<S> = {}): GroupField<S, false, false> =>
  group(shape, spec, { required: false, present: false });

export const isGroup = (
  field: OptionField<unknown, unknown, boolean, boolean>,
): field is GroupField<Shape, boolean, boolean> => 'shape' in field;

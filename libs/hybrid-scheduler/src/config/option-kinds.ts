import { parseDuration } from '../schedule/duration.js';
import { isValidTimeZone } from '../schedule/cron.js';
import {
  asText,
  leaf,
  type EnvReading,
  type LeafField,
  type LeafKind,
  type LeafSpec,
} from './option-field.js';
import { shownUrl, urlList, urlProblem } from './url-value.js';

// The kinds of leaf option the description is written with. Each one knows its shape check, how an environment
// variable's text becomes a value, and what it accepts (for messages and the environment table).

const TRUE = /^(true|1|yes|on)$/i;
const FALSE = /^(false|0|no|off)$/i;

const booleanKind: LeafKind<boolean> = {
  accepts: 'true/false (env: true, false, 1, 0, yes, no, on, off)',
  problem: (v) => (typeof v === 'boolean' ? undefined : 'must be true or false'),
  fromEnv: (text) =>
    TRUE.test(text.trim())
      ? { value: true }
      : FALSE.test(text.trim())
        ? { value: false }
        : { problem: 'must be one of true, false, 1, 0, yes, no, on, off' },
};

const textKind: LeafKind<string> = {
  accepts: 'text',
  problem: (v) => (typeof v === 'string' && v.trim() !== '' ? undefined : 'must be a non-empty string'),
  fromEnv: asText,
};

const splitList = (text: string): EnvReading<string[]> => ({
  value: text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
});

/** An integer within bounds; in the environment also a duration (`10s`, `5m`) when `duration` is set. */
function integerKind(bounds: { min?: number; max?: number }, duration: boolean): LeafKind<number> {
  const { min, max } = bounds;
  const range =
    min !== undefined && max !== undefined
      ? `between ${min} and ${max}`
      : min !== undefined
        ? `at least ${min}`
        : max !== undefined
          ? `at most ${max}`
          : '';
  const unit = duration ? ' milliseconds' : '';
  return {
    accepts: `integer${unit}${range ? `, ${range}` : ''}${duration ? ' (env also 10s, 5m, 1h)' : ''}`,
    problem: (v) =>
      typeof v !== 'number' || !Number.isInteger(v)
        ? `must be an integer${unit}`
        : (bounds.min !== undefined && v < bounds.min) || (bounds.max !== undefined && v > bounds.max)
          ? `must be ${range}`
          : undefined,
    fromEnv: (text) => {
      const value = duration ? parseDuration(text) : /^\s*-?\d+\s*$/.test(text) ? Number(text) : undefined;
      if (value !== undefined) return { value };
      return {
        problem: duration ? 'must be milliseconds or a duration such as 10s, 5m, 1h' : 'must be an integer',
      };
    },
  };
}

export const bool = <S extends LeafSpec<boolean>>(spec: S): LeafField<boolean, S> => leaf(booleanKind, spec);
export const text = <S extends LeafSpec<string>>(spec: S): LeafField<string, S> => leaf(textKind, spec);

export const int = <S extends LeafSpec<number> & { min?: number; max?: number }>(
  spec: S,
): LeafField<number, S> => leaf(integerKind(spec, false), spec);

/** Milliseconds: an integer in options; in the environment `10000` or a duration such as `10s`. */
export const millis = <S extends LeafSpec<number> & { min?: number; max?: number }>(
  spec: S,
): LeafField<number, S> => leaf(integerKind(spec, true), spec);

export const oneOf = <const V extends string, S extends LeafSpec<V>>(
  values: readonly V[],
  spec: S,
): LeafField<V, S> =>
  leaf<V, S>(
    {
      accepts: values.join(' | '),
      problem: (v) =>
        values.includes(v as V) ? undefined : `must be one of ${values.map((x) => `"${x}"`).join(', ')}`,
      fromEnv: (t) => ({ value: t.trim() }),
    },
    spec,
  );

/** A list; in the environment comma-separated. With `values`, every item must be one of them. */
export const listOf = <const V extends string, S extends LeafSpec<V[]> & { nonEmpty?: true }>(
  values: readonly V[] | 'text',
  spec: S,
): LeafField<V[], S> =>
  leaf<V[], S>(
    {
      accepts: `comma-separated list${values === 'text' ? '' : ` of ${values.join(', ')}`}`,
      problem: (v) => {
        if (!Array.isArray(v) || !v.every((item) => typeof item === 'string' && item.trim() !== ''))
          return 'must be an array of non-empty strings';
        if (spec.nonEmpty && v.length === 0) return 'must not be empty';
        if (values !== 'text' && !v.every((item: string) => values.includes(item as V)))
          return `every item must be one of ${values.map((x) => `"${x}"`).join(', ')}`;
        return undefined;
      },
      fromEnv: (t) => splitList(t) as EnvReading<V[]>,
    },
    spec,
  );

interface UrlSpec {
  protocols: readonly string[];
  /** A `host:port` without scheme means `<bare>://host:port` (the NATS client's rule). */
  bare?: string;
}

/** The URL kind: `list` takes several (comma-separated, or an array), each checked and named on its own. */
function urlKind<T extends string | string[]>(spec: UrlSpec, list: boolean): LeafKind<T> {
  const problemOf = (v: unknown) => urlProblem(v, spec.protocols, undefined, spec.bare);
  const entriesOf = (v: unknown): unknown[] | undefined =>
    !list
      ? [v]
      : typeof v === 'string' || (Array.isArray(v) && v.every((part) => typeof part === 'string'))
        ? urlList(v as string | string[])
        : undefined;
  return {
    accepts: `${spec.protocols.map((p) => `${p}://`).join(' or ')} URL${spec.bare ? ' or host:port' : ''}${list ? ' (several: comma-separated, or an array)' : ''}`,
    problem: (v) => {
      const parts = entriesOf(v);
      if (!parts) return `${problemOf(v)}, or an array of them`;
      if (parts.length === 0) return `${problemOf(undefined)}; it is empty`;
      const index = parts.findIndex((part) => problemOf(part) !== undefined);
      if (index < 0) return undefined;
      const problem = problemOf(parts[index]);
      return parts.length > 1 ? `${problem} (URL ${index + 1} of ${parts.length})` : problem;
    },
    fromEnv: asText,
    show: (v) => {
      const parts = entriesOf(v);
      return parts && parts.length > 1 ? shownUrl(parts) : shownUrl(parts?.[0] ?? v);
    },
  };
}

/**
 * An absolute URL with one of the given protocols; a wrong one is named by its scheme and shown without
 * credentials, so URL options need not be `secret`.
 */
export const url = <S extends LeafSpec<string> & UrlSpec>(spec: S): LeafField<string, S> =>
  leaf(urlKind<string>(spec, false), spec);

/** Several URLs (a cluster's servers): one string, comma-separated, or an array; each checked like `url`. */
export const urls = <S extends LeafSpec<string | string[]> & UrlSpec>(
  spec: S,
): LeafField<string | string[], S> => leaf(urlKind<string | string[]>(spec, true), spec);

export const timeZone = <S extends LeafSpec<string>>(spec: S): LeafField<string, S> =>
  leaf<string, S>(
    {
      accepts: 'IANA time zone',
      problem: (v) =>
        typeof v === 'string' && isValidTimeZone(v)
          ? undefined
          : 'must be an IANA time zone such as "Europe/Berlin"',
      fromEnv: asText,
    },
    spec,
  );

/**
 * An option of a type no other kind describes (`custom<T>(accepts, problem, show?)(spec)`); env gives text.
 * `show` replaces the JSON display in messages (e.g. `shownUrl` for a value that may be a URL).
 */
export const custom =
  <T>(accepts: string, problem: (value: unknown) => string | undefined, show?: (value: unknown) => string) =>
  <S extends LeafSpec<T>>(spec: S): LeafField<T, S> =>
    leaf<T, S>({ accepts, problem, fromEnv: asText, ...(show ? { show } : {}) }, spec);

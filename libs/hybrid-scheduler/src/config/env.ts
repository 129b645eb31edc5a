import { InvalidModuleOptionsError } from '../errors/index.js';
import type { HybridSchedulerModuleOptions } from './module-options.js';
import { moduleOptions } from './module-options.schema.js';
import type { OptionField } from './option-field.js';
import { isGroup, join, type Shape } from './option-section.js';

type Env = Readonly<Record<string, string | undefined>>;
type Field = OptionField<unknown, unknown, boolean, boolean>;

/** Every environment variable the description maps, with its option and what it accepts (for the docs' table). */
export function environmentVariables(): Array<{ name: string; option: string; accepts: string }> {
  const walk = (shape: Shape, at: string): Array<{ name: string; option: string; accepts: string }> =>
    Object.entries(shape).flatMap(([key, field]) =>
      isGroup(field) && !field.env.length
        ? walk(field.shape, join(at, key))
        : field.env.map((name) => ({ name, option: join(at, key), accepts: field.accepts })),
    );
  return walk(moduleOptions.shape, '');
}

function readLeaf(field: Field, option: string, env: Env, problems: string[]): unknown {
  const name = field.env.find((candidate) => (env[candidate] ?? '').trim() !== '');
  if (name === undefined) return undefined;
  const text = env[name] ?? '';
  const read = field.fromEnv(text);
  if ('value' in read) return read.value;
  problems.push(`${name}=${field.show(text)} (${option}): ${read.problem}`);
  return undefined;
}

function readGroup(shape: Shape, at: string, env: Env, problems: string[], optional: boolean): unknown {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(shape)) {
    const option = join(at, key);
    const value =
      isGroup(field) && !field.env.length
        ? readGroup(field.shape, option, env, problems, !field.present)
        : readLeaf(field, option, env, problems);
    if (value !== undefined) out[key] = value;
  }
  // A block that only exists when given (queue.bullmq, prefect, …) is created by one of its required options:
  // REDIS_URL creates queue.bullmq, HYBRID_SCHEDULER_QUEUE_PREFIX alone does not.
  const required = Object.keys(shape).filter((key) => shape[key].required);
  if (optional && required.length && !required.some((key) => key in out)) return undefined;
  return Object.keys(out).length ? out : undefined;
}

/**
 * Module options from the `HYBRID_SCHEDULER_*` variables (and the conventional `REDIS_URL`, `PREFECT_API_URL`,
 * `PREFECT_API_KEY`, `PREFECT_API_AUTH_STRING`); the table is in docs/configuration.md. A variable that cannot be
 * read (`HYBRID_SCHEDULER_INTERNAL_ENABLED=ture`) is refused with its name and value, all of them in one error.
 */
export function hybridSchedulerOptionsFromEnv(env: Env = process.env): HybridSchedulerModuleOptions {
  const problems: string[] = [];
  const options = readGroup(moduleOptions.shape, '', env, problems, false) ?? {};
  if (problems.length) throw new InvalidModuleOptionsError(problems);
  return options as HybridSchedulerModuleOptions;
}

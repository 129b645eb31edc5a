/** Default prefix of the keys and names the library creates in a shared engine (`queue.bullmq.prefix`). */
export const DEFAULT_KEY_PREFIX = 'hybrid';

/** The configured prefix, or the default. */
export const keyPrefixOf = (options: { prefix?: string } | undefined): string =>
  options?.prefix ?? DEFAULT_KEY_PREFIX;

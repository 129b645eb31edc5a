import type { ResolvedPrefectOptions } from '../../config/module-options.js';

/** The Prefect tier's options, validated and with defaults applied at boot (config/prefect.options.ts). */
export type PrefectSettings = ResolvedPrefectOptions;

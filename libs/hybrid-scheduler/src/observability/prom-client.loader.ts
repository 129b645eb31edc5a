import type * as PromClient from 'prom-client';
import { requireOptional } from '../tiers/queue/optional-module.js';

export type PromClientModule = typeof PromClient;

/** prom-client, loaded only when the `metrics` block is given; a typed error naming the package when missing. */
export const loadPromClient = (): PromClientModule =>
  requireOptional<PromClientModule>('prom-client', 'The metrics option');

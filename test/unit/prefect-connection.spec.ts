import { describe, expect, it } from '@jest/globals';
import { PrefectConnection } from '../../libs/hybrid-scheduler/src/tiers/prefect/prefect-connection.js';
import type { PrefectClient } from '../../libs/hybrid-scheduler/src/tiers/prefect/prefect.client.js';
import {
  PrefectApiError,
  isWorkPoolMissing,
} from '../../libs/hybrid-scheduler/src/tiers/prefect/prefect.errors.js';

const client = { apiUrl: 'http://127.0.0.1:4200/api' } as PrefectClient;
const poolGone = new PrefectApiError(
  'POST',
  'http://x/api/work_pools/nestjs/get_scheduled_flow_runs',
  404,
  'Work pool "nestjs" not found.',
);

describe('PrefectConnection', () => {
  it("keeps a loop's failure until that loop answers: another loop that works does not hide it", () => {
    const connection = new PrefectConnection(client);
    connection.failed('poll', poolGone);
    connection.answered('cancellation watch');
    expect(connection.lastError).toContain('Work pool "nestjs" not found');
    connection.answered('poll');
    expect(connection.lastError).toBeNull();
  });

  it('clears a one-off failure at any answer', () => {
    const connection = new PrefectConnection(client);
    connection.failed('recovery', new Error('recovery failed'), true);
    connection.answered('heartbeat');
    expect(connection.lastError).toBeNull();
  });

  it('tells a missing work pool from other 404s', () => {
    expect(isWorkPoolMissing(poolGone)).toBe(true);
    expect(
      isWorkPoolMissing(new PrefectApiError('GET', 'http://x/api/flow_runs/1', 404, 'Flow run not found')),
    ).toBe(false);
  });
});

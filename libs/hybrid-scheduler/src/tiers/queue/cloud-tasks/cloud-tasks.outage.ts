import { OutageLog } from '../../../common/outage-log.js';
import { redactedMessage } from '../../../common/redact.js';
import { sleep } from '../../../common/timers.js';
import type { EngineWatch } from '../../../common/engine-guard.js';
import { GRPC, grpcCode } from './cloud-tasks.client.js';

/**
 * gRPC codes that say the Cloud Tasks API cannot be reached, not that it refused the request. CANCELLED: the
 * engine never cancels a call, so it is the server closing its streams as it goes away.
 */
const OUTAGE_CODES: number[] = [GRPC.UNAVAILABLE, GRPC.DEADLINE_EXCEEDED, GRPC.CANCELLED];

/** How often a known outage is probed (GetQueue) until the API answers again. */
const PROBE_EVERY_MS = 1_000;

/**
 * The outage state of the Cloud Tasks API, for the engine guard. The gRPC client has no connection events,
 * so calls report what they saw: UNAVAILABLE or DEADLINE_EXCEEDED starts an outage, any answer ends it.
 * While an outage lasts (the guard keeps callers away from the API), a GetQueue probe every second notices
 * when it is back.
 */
export class CloudTasksOutage {
  readonly outage: OutageLog;
  readonly watch: EngineWatch;
  private probing = false;

  constructor(
    readonly address: string,
    private readonly probe: () => Promise<unknown>,
    private readonly signal: AbortSignal,
  ) {
    this.outage = new OutageLog(`Cloud Tasks at ${address}`, 'HybridScheduler:CloudTasks');
    this.watch = { engine: 'cloud-tasks', address, outage: this.outage };
  }

  /** A call's error: an outage when the API is unreachable; other errors are the call's own. */
  failed(error: unknown): void {
    if (!OUTAGE_CODES.includes(grpcCode(error) ?? -1)) return this.answered();
    this.outage.fail('api', `is unreachable (${redactedMessage(error)})`);
    void this.probeUntilBack();
  }

  answered(): void {
    this.outage.ok('api');
  }

  private async probeUntilBack(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      while (this.outage.downSince && (await sleep(PROBE_EVERY_MS, this.signal))) {
        await this.probe().then(
          () => this.answered(),
          (error: unknown) => this.failed(error),
        );
      }
    } finally {
      this.probing = false;
    }
  }
}

import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { HybridSchedulerModule, hybridSchedulerOptionsFromEnv } from 'nestjs-hybrid-scheduler';
import { HybridSchedulerHealthModule } from 'nestjs-hybrid-scheduler/health';
import { HybridSchedulerDashboardModule } from 'nestjs-hybrid-scheduler/dashboard';
import { TerminusModule } from '@nestjs/terminus';
import { register } from 'prom-client';
import { CacheStore } from './maintenance/cache.store.js';
import { MetricsCollector } from './maintenance/metrics.collector.js';
import { MaintenanceJobs } from './maintenance/maintenance.jobs.js';
import { SecretInventory } from './maintenance/secret.inventory.js';
import { JobsController } from './jobs/jobs.controller.js';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { DataWorkflows } from './workflows/data.workflows.js';
import { WorkflowsController } from './workflows/workflows.controller.js';
import { CodeSweepFlow } from './sweep/code-sweep.flow.js';
import { MlModelService } from './ml/ml-model.service.js';
import { MlPipelineFlow } from './ml/ml-pipeline.flow.js';
import { SchedulerErrorFilter } from './scheduler-error.filter.js';
import { JobEventsLogger } from './maintenance/job-events.logger.js';

/**
 * With no environment the demo runs on embedded defaults: internal tier plus the in-memory queue.
 * GET /metrics serves the scheduler's Prometheus metrics.
 * REDIS_URL switches the queue tier to BullMQ, AMQP_URL to RabbitMQ, NATS_URL to NATS JetStream (with several,
 * BullMQ, then RabbitMQ, then NATS is the default engine); PREFECT_API_URL turns on the Prefect tier.
 * The dashboard is at /scheduler, for loopback clients only (no `authorize`); DASHBOARD_READ_ONLY=true removes
 * its actions. With REDIS_URL, main.ts adds bull-board at /queues (queues/queues-board.ts).
 */
@Module({
  imports: [
    HybridSchedulerModule.forRootAsync({
      // Metrics on unless the environment says otherwise, in prom-client's default registry (the default; named
      // here so that the registry GET /metrics serves is this very one), served at GET /metrics.
      useFactory: () => {
        const options = hybridSchedulerOptionsFromEnv();
        return { ...options, metrics: { registry: register, ...options.metrics } };
      },
    }),
    TerminusModule,
    HybridSchedulerHealthModule,
    HybridSchedulerDashboardModule.forRoot({
      path: '/scheduler',
      readOnly: process.env.DASHBOARD_READ_ONLY === 'true',
    }),
  ],
  controllers: [JobsController, WorkflowsController, HealthController, MetricsController],
  providers: [
    { provide: APP_FILTER, useClass: SchedulerErrorFilter },
    JobEventsLogger,
    CacheStore,
    MetricsCollector,
    SecretInventory,
    MaintenanceJobs,
    DataWorkflows,
    CodeSweepFlow,
    MlModelService,
    MlPipelineFlow,
  ],
})
export class AppModule {}

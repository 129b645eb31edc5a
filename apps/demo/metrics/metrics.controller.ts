import { Controller, Get, Header } from '@nestjs/common';
import { register } from 'prom-client';

/**
 * Prometheus scrape endpoint: prom-client's default registry, where the scheduler's metrics land (the demo gives
 * `metrics: {}`). An app that already serves /metrics (e.g. @willsoto/nestjs-prometheus) needs no route of its own.
 */
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  scrape(): Promise<string> {
    return register.metrics();
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { HybridScheduler, type DeadLetter, type EnqueueResult } from 'nestjs-hybrid-scheduler';

/** Enqueue workflows and work their dead letters over HTTP. Payloads are validated by the workflow's DTO. */
@Controller('workflows')
export class WorkflowsController {
  constructor(private readonly scheduler: HybridScheduler) {}

  @Post(':name')
  @HttpCode(202)
  enqueue(@Param('name') name: string, @Body() payload: Record<string, unknown>): Promise<EnqueueResult> {
    return this.scheduler.enqueueWorkflow(name, payload);
  }

  @Get(':name/dead-letters')
  deadLetters(@Param('name') name: string): Promise<DeadLetter[]> {
    return this.scheduler.deadLetters(name);
  }

  @Post('dead-letters/:id/retry')
  @HttpCode(202)
  retry(@Param('id') id: string): Promise<EnqueueResult> {
    return this.scheduler.retryDeadLetter(id);
  }

  @Delete(':name/dead-letters')
  async purge(@Param('name') name: string): Promise<{ purged: number }> {
    return { purged: await this.scheduler.purgeDeadLetters(name) };
  }
}

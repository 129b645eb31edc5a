import { Injectable } from '@nestjs/common';
import { PrefectDeployment, type FlowRunContext } from 'nestjs-hybrid-scheduler';
import { MlModelService } from './ml-model.service.js';

export interface PipelineParams {
  dataset?: string;
  epochs?: number;
}

/**
 * The original design's ML pipeline: preprocess → train → evaluate, three steps that are three task runs in
 * Prefect (the run graph draws the two edges; a failed step is retried alone). On demand:
 * `runDeployment('ml-pipeline/prod', { dataset: 'sales-2026' })` or "Run" in the Prefect UI.
 */
@Injectable()
export class MlPipelineFlow {
  constructor(private readonly ml: MlModelService) {}

  @PrefectDeployment({
    flow: 'ml-pipeline',
    name: 'prod',
    parameters: { dataset: 'sales', epochs: 2000 },
    tags: ['ml'],
    characteristics: { complexity: 'dag', visibility: 'user-facing' },
  })
  async pipeline(p: PipelineParams, ctx: FlowRunContext) {
    const data = ctx.task('preprocess', () => this.ml.preprocess(p.dataset ?? 'sales'), {
      retries: 2,
      retryDelaySeconds: 5,
    });
    const model = ctx.task(
      'train',
      async (step) => {
        const fitted = await this.ml.train(await data, p.epochs ?? 2000, step.signal);
        step.logger.log(`fitted y = ${fitted.slope.toFixed(3)}x + ${fitted.intercept.toFixed(3)}`);
        return fitted;
      },
      { waitFor: [data], timeoutMs: 3_600_000, tags: ['cpu'] },
    );
    return ctx.task(
      'evaluate',
      async (step) => {
        const score = this.ml.evaluate(await data, await model);
        step.logger.log(`R² on ${score.holdout} held-back points: ${score.r2.toFixed(3)}`);
        return score;
      },
      { waitFor: [model] },
    );
  }
}

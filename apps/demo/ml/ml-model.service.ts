import { Injectable } from '@nestjs/common';

export interface Dataset {
  /** Feature and target, scaled to [0, 1]. */
  points: Array<{ x: number; y: number }>;
  /** Held back for evaluation. */
  holdout: Array<{ x: number; y: number }>;
}

export interface LinearModel {
  slope: number;
  intercept: number;
  epochs: number;
}

/**
 * A small, real model for the ML pipeline demo: a synthetic dataset named by a seed, scaled; a line fitted by
 * gradient descent (honouring the abort signal between epochs); R² on the held-back points.
 */
@Injectable()
export class MlModelService {
  preprocess(dataset: string): Dataset {
    let seed = [...dataset].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 2 ** 32) * 2 - 1;
    const raw = Array.from({ length: 200 }, (_, i) => ({ x: i, y: 3 * i + 10 + random() * 25 }));
    const max = (key: 'x' | 'y') => Math.max(...raw.map((p) => p[key]));
    const [mx, my] = [max('x'), max('y')];
    const scaled = raw.map((p) => ({ x: p.x / mx, y: p.y / my }));
    return { points: scaled.filter((_, i) => i % 5 !== 0), holdout: scaled.filter((_, i) => i % 5 === 0) };
  }

  async train(data: Dataset, epochs: number, signal: AbortSignal): Promise<LinearModel> {
    let slope = 0;
    let intercept = 0;
    const rate = 0.5;
    for (let epoch = 0; epoch < epochs; epoch++) {
      signal.throwIfAborted();
      let ds = 0;
      let di = 0;
      for (const p of data.points) {
        const error = slope * p.x + intercept - p.y;
        ds += error * p.x;
        di += error;
      }
      slope -= (rate * ds) / data.points.length;
      intercept -= (rate * di) / data.points.length;
      if (epoch % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    return { slope, intercept, epochs };
  }

  evaluate(data: Dataset, model: LinearModel): { r2: number; holdout: number } {
    const mean = data.holdout.reduce((s, p) => s + p.y, 0) / data.holdout.length;
    let residual = 0;
    let total = 0;
    for (const p of data.holdout) {
      residual += (p.y - (model.slope * p.x + model.intercept)) ** 2;
      total += (p.y - mean) ** 2;
    }
    return { r2: 1 - residual / total, holdout: data.holdout.length };
  }
}

import { Injectable } from '@nestjs/common';

export interface SecretAge {
  name: string;
  createdAt: Date;
  ageDays: number;
}

/**
 * Which secrets the app uses and when each was last rotated, read from DEMO_SECRETS
 * (`name=2026-01-31,other=2026-10-01`). A real app would ask its secret manager.
 */
@Injectable()
export class SecretInventory {
  readonly maxAgeDays = 90;

  ages(now = new Date(), spec = process.env.DEMO_SECRETS ?? 'api-signing-key=2026-01-01'): SecretAge[] {
    return spec
      .split(',')
      .map((pair) => pair.trim().split('='))
      .filter(([name, date]) => name && date && !Number.isNaN(Date.parse(date)))
      .map(([name, date]) => {
        const createdAt = new Date(date);
        return { name, createdAt, ageDays: Math.floor((now.getTime() - createdAt.getTime()) / 86_400_000) };
      });
  }

  due(now = new Date()): SecretAge[] {
    return this.ages(now).filter((secret) => secret.ageDays >= this.maxAgeDays);
  }
}

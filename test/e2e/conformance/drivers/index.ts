import { selectDrivers, type EngineDriver } from '../engine.driver.js';
import { bullmqDriver } from './bullmq.driver.js';
import { memoryDriver } from './memory.driver.js';
import { natsDriver } from './nats.driver.js';
import { rabbitmqDriver } from './rabbitmq.driver.js';

/** Every engine of the suite; add a driver here (one line) to run all cases on it. */
export const DRIVERS: EngineDriver[] = selectDrivers([
  memoryDriver,
  bullmqDriver,
  rabbitmqDriver,
  natsDriver,
]);

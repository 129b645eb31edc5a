export * from './hybrid-scheduler.health.js';
export * from './hybrid-scheduler-health.module.js';

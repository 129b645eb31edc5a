export * from './hybrid-scheduler.errors.js';

export * from './internal-task.decorator.js';
export * from './queued-workflow.decorator.js';
export * from './prefect-deployment.decorator.js';

// 'nestjs-hybrid-scheduler/dashboard': one live page for every job of every tier (see docs/dashboard.md).
/** `HybridSchedulerDashboardModule.forRoot({ path, authorize, readOnly, historySize, prefectUiUrl })`. */
export { HybridSchedulerDashboardModule } from './dashboard.module.js';
/** Options of `HybridSchedulerDashboardModule.forRoot()`. */
export type { HybridSchedulerDashboardOptions, DashboardAuthorizeFunction } from './dashboard.options.js';
/** One run as the dashboard's runs table shows it. */
export type { DashboardRun } from './run-history.js';

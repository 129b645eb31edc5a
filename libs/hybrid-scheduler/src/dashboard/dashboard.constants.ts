/** Injection token of the resolved dashboard options. */
export const DASHBOARD_OPTIONS = Symbol('HybridSchedulerDashboardOptions');
/** Injection token of the per-process action token the page sends with every POST. */
export const DASHBOARD_ACTION_TOKEN = Symbol('HybridSchedulerDashboardActionToken');
/** The header that carries the action token. */
export const ACTION_TOKEN_HEADER = 'x-scheduler-dashboard-token';

import { DASHBOARD_CORE_SCRIPT } from './dashboard-core.script.js';
import { DASHBOARD_DETAIL_SCRIPT } from './dashboard-detail.script.js';

/** The page's whole script, served as `<path>/assets/dashboard.js`: both halves in one strict-mode scope. */
export const DASHBOARD_SCRIPT = `(function () {\n'use strict';\n${DASHBOARD_CORE_SCRIPT}\n${DASHBOARD_DETAIL_SCRIPT}\n})();\n`;

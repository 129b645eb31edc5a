/** Health, version and CSRF endpoints. */
import { HttpError, type Routes } from '../router.js';

export const API_VERSION = '0.8.4';
export const PREFECT_VERSION = '3.8.3';

export const healthRoutes: Routes = {
  'GET /health': () => ({ status: 200, body: true }),
  'GET /ready': () => ({ status: 200, body: { message: 'OK' } }),
  'GET /hello': () => ({ status: 200, body: '👋' }),
  'GET /version': () => ({ status: 200, body: API_VERSION }),
  'GET /admin/version': () => ({ status: 200, body: PREFECT_VERSION }),
  // CSRF protection is off (Prefect's default): the client is expected to disable CSRF on this 422.
  'GET /csrf-token': () => {
    throw new HttpError(422, { detail: 'CSRF protection is disabled.' });
  },
};

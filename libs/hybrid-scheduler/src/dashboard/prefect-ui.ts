/**
 * The Prefect UI's base URL for an API URL: Prefect Cloud's `https://api.prefect.cloud/api/accounts/<a>/workspaces/<w>`
 * becomes `https://app.prefect.cloud/account/<a>/workspace/<w>`; a self-hosted `http://host:4200/api` becomes
 * `http://host:4200`. Userinfo is dropped. Null when `apiUrl` is not a URL.
 */
export function prefectUiBase(apiUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    return null;
  }
  const cloud = /^\/api\/accounts\/([^/]+)\/workspaces\/([^/]+)/.exec(url.pathname);
  if (url.hostname === 'api.prefect.cloud' && cloud)
    return `https://app.prefect.cloud/account/${cloud[1]}/workspace/${cloud[2]}`;
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** The UI page of one flow run. */
export const flowRunUrl = (uiBase: string, flowRunId: string): string =>
  `${uiBase}/runs/flow-run/${encodeURIComponent(flowRunId)}`;

// Rules 9 and 10: app-host paths answered with a redirect by the edge (/rss, /practicalai,
// /practicalai/feed), each with a one-line HTML body linking to the target. One map lookup.

import { appRedirects } from "../config/app-redirects.js";
import type { Decision } from "../decision.js";
import type { EdgeRequest } from "../edge-request.js";
import { redirect } from "../http/redirect.js";

const table = new Map(Object.entries(appRedirects));

export function appRedirect(req: EdgeRequest): Decision | null {
  if (req.site !== "app") return null;
  const path = req.path.length > 1 && req.path.endsWith("/") ? req.path.slice(0, -1) : req.path;
  const target = table.get(path);
  return target ? redirect(target.status, target.location, `redirect ${path}`, "html") : null;
}

// The public sites the edge answers for. Any other host is served as the app site
// (that is what local requests to 127.0.0.1 hit).

export type Site = "app" | "assets" | "nightly";

export const siteHosts: Readonly<Record<Site, string>> = {
  app: "changelog.com",
  assets: "cdn.changelog.com",
  nightly: "nightly.changelog.com",
};

/**
 * Other names a site answers as: the staging service's domains (docs/operations.md). A domain
 * belongs to one Fastly service, so staging cannot answer as changelog.com itself.
 */
export const siteAliases: Readonly<Record<string, Site>> = {
  "staging.changelog.com": "app",
  "cdn.staging.changelog.com": "assets",
  "nightly.staging.changelog.com": "nightly",
};

const siteByHost: ReadonlyMap<string, Site> = new Map([
  ...(Object.entries(siteHosts) as [Site, string][]).map(([site, host]) => [host, site] as const),
  ...Object.entries(siteAliases),
]);

/** The site a (lower-case, port-less) host belongs to; unknown hosts are the app. */
export function siteFor(host: string): Site {
  return siteByHost.get(host) ?? "app";
}

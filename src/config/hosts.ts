// The public sites the edge answers for. Any other host is served as the app site
// (that is what local requests to 127.0.0.1 hit).

export type Site = "app" | "assets" | "nightly";

export const siteHosts: Readonly<Record<Site, string>> = {
  app: "changelog.com",
  assets: "cdn.changelog.com",
  nightly: "nightly.changelog.com",
};

const siteByHost: ReadonlyMap<string, Site> = new Map(
  (Object.entries(siteHosts) as [Site, string][]).map(([site, host]) => [host, site]),
);

/** The site a (lower-case, port-less) host belongs to; unknown hosts are the app. */
export function siteFor(host: string): Site {
  return siteByHost.get(host) ?? "app";
}

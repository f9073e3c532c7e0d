// Paths of the app host that the edge redirects itself (rules 9 and 10), and where to.
// A path matches with or without one trailing slash; adding a redirect is one line here.

import { siteHosts } from "./hosts.js";

export interface AppRedirect {
  readonly status: 301 | 302;
  readonly location: string;
}

export const appRedirects: Readonly<Record<string, AppRedirect>> = {
  // 302, not 301: the old service kept /rss free to become a page of its own one day.
  "/rss": { status: 302, location: `https://${siteHosts.app}/feed` },
  "/practicalai": { status: 301, location: "https://practicalai.fm" },
  "/practicalai/feed": {
    status: 301,
    location: "https://feeds.transistor.fm/practical-ai-machine-learning-data-science-llm",
  },
};

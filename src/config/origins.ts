// The origins behind the edge: backend names, production addresses and timeouts.
// Local runs, tests and staging point the same backend names at other addresses
// through fastly.toml; the code only ever uses the names.

export type OriginName = "app" | "assets" | "feeds" | "nightly";

export interface Origin {
  readonly name: OriginName;
  /** Production host name: sent as `Host` (R2 and Fly route on it). */
  readonly host: string;
  readonly port: number;
  readonly description: string;
  /** Milliseconds, as the VCL service had them. */
  readonly connectTimeout: number;
  readonly firstByteTimeout: number;
  readonly betweenBytesTimeout: number;
}

const vclTimeouts = { connectTimeout: 1_000, firstByteTimeout: 15_000, betweenBytesTimeout: 10_000 } as const;


export const origins: Readonly<Record<OriginName, Origin>> = {
  app: {
    name: "app",
    host: "changelog-2024-01-12.fly.dev",
    port: 443,
    description: "The Phoenix app on Fly.io",
    ...vclTimeouts,
  },
  assets: {
    name: "assets",
    host: "changelog.place",
    port: 443,
    description: "Cloudflare R2 public bucket: static assets and every mp3",
    ...vclTimeouts,
  },
  feeds: {
    name: "feeds",
    host: "feeds.changelog.place",
    port: 443,
    description: "Cloudflare R2 public bucket: pre-rendered podcast feeds",
    ...vclTimeouts,
  },
  nightly: {
    name: "nightly",
    host: "changelog-nightly-2023-10-10.fly.dev",
    port: 443,
    description: "Changelog Nightly, a static site on Fly.io",
    ...vclTimeouts,
  },
};

export const originNames = Object.keys(origins) as OriginName[];

/**
 * Uploads through the app (admins posting mp3s) may wait 300 s for the first byte. A static
 * backend has one set of timeouts, so uploads go through a second backend to the same app.
 */
export const appUploads = {
  name: "app_uploads",
  origin: "app",
  methods: ["POST", "PUT"],
  firstByteTimeout: 300_000,
} as const;

/** The backend a request to `origin` with `method` goes through. */
export function backendFor(origin: OriginName, method: string): string {
  if (origin === appUploads.origin && (appUploads.methods as readonly string[]).includes(method)) return appUploads.name;
  return origins[origin].name;
}

// The local R2: Miniflare (workerd with its R2 simulator) serving the assets and feeds buckets
// like R2 public buckets do, persisted under .local/r2 and seeded with the fixtures on start.

import { Miniflare } from "miniflare";
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixtureBytes, fixtures, type Fixture } from "./fixtures.js";

const here = dirname(fileURLToPath(import.meta.url));
export const projectRoot = join(here, "..", "..");

export interface LocalR2 {
  readonly url: URL;
  dispose(): Promise<void>;
}

export async function startR2(persistDir = join(projectRoot, ".local", "r2")): Promise<LocalR2> {
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(here, "r2-public-bucket.js"),
    compatibilityDate: "2025-01-01",
    r2Buckets: ["ASSETS", "FEEDS"],
    r2Persist: persistDir,
    host: "127.0.0.1",
    port: 0,
  });
  const url = await mf.ready;
  await seed(url);
  return { url, dispose: () => mf.dispose() };
}

async function seed(url: URL): Promise<void> {
  for (const fixture of fixtures) {
    const key = encodeURI(fixture.path);
    const stored = await fetch(new URL(`${key}?x-seed-head`, url), { headers: { "x-bucket": fixture.bucket } });
    const head = (await stored.json()) as { size: number } | null;
    if (head?.size === fixture.size) continue;
    const started = Date.now();
    await putWithRetries(url, key, fixture);
    if (fixture.size > 1_000_000) {
      console.log(`seeded ${fixture.bucket}${fixture.path} (${(fixture.size / 1048576).toFixed(1)} MiB) in ${Date.now() - started} ms`);
    }
  }
}

/**
 * workerd has now and then closed the connection in the middle of a large upload (EPIPE on a
 * fresh machine's first seed); the put is idempotent, so it is tried again before giving up.
 */
async function putWithRetries(url: URL, key: string, fixture: Fixture, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await put(url, key, fixture);
    } catch (error) {
      if (attempt >= attempts) throw new Error(`seeding ${fixture.bucket}${fixture.path} failed ${attempts} times: ${String(error)}`);
      console.warn(`seeding ${fixture.bucket}${fixture.path} failed (${String(error)}); trying again`);
    }
  }
}

function put(url: URL, key: string, fixture: Fixture): Promise<void> {
  const body = fixtureBytes(fixture);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(key, url),
      {
        method: "PUT",
        headers: {
          "x-bucket": fixture.bucket,
          "x-seed": "1",
          "content-type": fixture.contentType,
          "content-length": String(body.length),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`seed ${key}: ${res.statusCode}`))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A handler that forwards a request to the local R2 as bucket `bucket`, streaming both ways. */
export function r2Handler(r2: LocalR2, bucket: "assets" | "feeds") {
  return (req: IncomingMessage, res: ServerResponse): Promise<void> =>
    new Promise((resolve) => {
      const upstream = httpRequest(
        // Appended, not resolved: a target such as "//x" stays a key of this bucket.
        new URL(`${r2.url.origin}${req.url ?? "/"}`),
        { method: req.method, headers: { ...req.headers, "x-bucket": bucket, host: r2.url.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on("end", resolve);
          answer.on("error", () => {
            res.destroy();
            resolve();
          });
        },
      );
      upstream.on("error", (error) => {
        if (!res.headersSent) res.writeHead(502).end(`local R2 unreachable: ${error.message}\n`);
        resolve();
      });
      res.on("close", () => upstream.destroy());
      req.pipe(upstream);
    });
}

// `npm run purge -- <url> [<url>…] [--hard] [--dry-run] [--edge <base-url>]`
// Purges what the edge cached for public URLs, by the surrogate key the edge gives every object
// of a URL (all query variants, every mp3 segment). Soft by default.
// - Through Fastly's API (production, staging): FASTLY_API_TOKEN and FASTLY_SERVICE_ID.
// - With --edge: through the edge's own PURGE (local runs), with PURGE_TOKEN.

import { apiPurgeRequest, surrogateKeyForUrl } from "../src/purge-plan.js";

export async function main(argv: string[], env: NodeJS.ProcessEnv, fetchImpl: typeof fetch = fetch): Promise<number> {
  const hard = argv.includes("--hard");
  const dryRun = argv.includes("--dry-run");
  const edgeAt = argv.indexOf("--edge");
  const edgeBase = edgeAt === -1 ? null : argv[edgeAt + 1];
  const urls = argv.filter((a, i) => !a.startsWith("--") && (edgeAt === -1 || i !== edgeAt + 1));
  if (urls.length === 0 || (edgeAt !== -1 && !edgeBase)) {
    console.error("usage: npm run purge -- <url> [<url>…] [--hard] [--dry-run] [--edge <base-url>]");
    return 2;
  }
  const keys = urls.map(surrogateKeyForUrl);

  if (edgeBase) {
    const token = env.PURGE_TOKEN ?? "";
    let failed = 0;
    for (const url of urls) {
      const { host, pathname, search } = new URL(url);
      const target = new URL(pathname + search, edgeBase);
      if (dryRun) {
        console.log(`PURGE ${target} (Host: ${host})`);
        continue;
      }
      const res = await purgeThroughEdge(target, host, token, !hard);
      console.log(`${res.status} ${url} ${res.body.trim()}`);
      if (res.status !== 200) failed++;
    }
    return failed === 0 ? 0 : 1;
  }

  const token = env.FASTLY_API_TOKEN;
  const serviceId = env.FASTLY_SERVICE_ID;
  if (!token || !serviceId) {
    console.error("FASTLY_API_TOKEN and FASTLY_SERVICE_ID must be set (or use --edge <base-url>)");
    return 2;
  }
  const request = apiPurgeRequest(serviceId, token, keys, !hard);
  if (dryRun) {
    console.log(JSON.stringify({ ...request, headers: { ...request.headers, "fastly-key": "<redacted>" } }, null, 2));
    return 0;
  }
  const res = await fetchImpl(request.url, { method: request.method, headers: request.headers });
  const body = await res.text();
  console.log(`${res.status} ${hard ? "hard" : "soft"} purge of ${keys.join(" ")}: ${body.trim()}`);
  return res.ok ? 0 : 1;
}

async function purgeThroughEdge(target: URL, host: string, token: string, soft: boolean) {
  const { request } = await import("node:http");
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const headers: Record<string, string> = { host, "purge-token": token };
    if (soft) headers["fastly-soft-purge"] = "1";
    const req = request(target, { method: "PURGE", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  process.exit(await main(process.argv.slice(2), process.env));
}

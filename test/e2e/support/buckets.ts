// Writes objects into the local buckets through their origins, as the app's uploads to R2 do, for
// tests that need an object of their own (a new version, a header only it carries).

import { request } from "node:http";
import { edge } from "./edge.js";

export interface PutOptions {
  readonly contentType: string;
  /** The Cache-Control the origin will send with the object. */
  readonly cacheControl?: string;
}

/** Writes `body` under `path` in the local `bucket` and resolves with the object's new ETag. */
export function putObject(bucket: "feeds" | "assets", path: string, body: Uint8Array, options: PutOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: edge().ports[bucket],
        path,
        method: "PUT",
        headers: {
          "x-seed": "1",
          "content-type": options.contentType,
          "content-length": String(body.length),
          ...(options.cacheControl ? { "cache-control": options.cacheControl } : {}),
        },
        agent: false,
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => {
          if (res.statusCode !== 200) return reject(new Error(`PUT ${path}: ${res.statusCode}`));
          resolve((JSON.parse(text) as { etag: string }).etag);
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

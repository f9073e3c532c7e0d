// A Worker that serves two R2 buckets the way R2 public buckets (custom domains) do: GET and
// HEAD, one byte range, If-None-Match / If-Modified-Since / If-Range, ETag, Last-Modified and
// Content-Type from the object's metadata. The bucket is chosen by the X-Bucket header that the
// local origin front adds. PUT with X-Seed: 1 stores an object (fixtures, and objects tests write
// themselves), with the request's Content-Type and, when given, its Cache-Control (which R2 then
// sends with the object, as it does for objects uploaded with Cache-Control metadata).

const buckets = { assets: "ASSETS", feeds: "FEEDS" };

export default {
  async fetch(request, env) {
    const bucket = env[buckets[request.headers.get("x-bucket") ?? ""] ?? ""];
    if (!bucket) return new Response("unknown bucket\n", { status: 400 });
    const url = new URL(request.url);
    const key = objectKey(url.pathname);

    if (request.method === "PUT" && request.headers.get("x-seed") === "1") {
      const cacheControl = request.headers.get("cache-control");
      const object = await bucket.put(key, request.body, {
        httpMetadata: {
          contentType: request.headers.get("content-type") ?? "application/octet-stream",
          ...(cacheControl ? { cacheControl } : {}),
        },
      });
      return Response.json({ key, size: object.size, etag: object.httpEtag });
    }
    if (request.method === "GET" && url.searchParams.has("x-seed-head")) {
      const object = await bucket.head(key);
      return Response.json(object ? { size: object.size } : null);
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method Not Allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }

    // A key that is no valid name (broken percent-encoding, over R2's 1,024 bytes) names no
    // object: not found, like any other missing key, rather than the simulator's exception.
    const head = key === null || key === "" ? null : await bucket.head(key);
    if (!head) return new Response("Object Not Found\n", { status: 404 });

    const headers = new Headers();
    head.writeHttpMetadata(headers);
    headers.set("etag", head.httpEtag);
    headers.set("last-modified", head.uploaded.toUTCString());
    headers.set("accept-ranges", "bytes");

    // RFC 9110 §13.2.2: If-None-Match wins over If-Modified-Since.
    const inm = request.headers.get("if-none-match");
    const ims = request.headers.get("if-modified-since");
    if (inm !== null) {
      if (etagListMatches(inm, head.httpEtag)) return new Response(null, { status: 304, headers });
    } else if (ims !== null) {
      const since = Date.parse(ims);
      if (!Number.isNaN(since) && Math.floor(head.uploaded.getTime() / 1000) * 1000 <= since) {
        return new Response(null, { status: 304, headers });
      }
    }

    let range = parseRange(request.headers.get("range"), head.size);
    const ifRange = request.headers.get("if-range");
    if (range && ifRange !== null && ifRange !== head.httpEtag && ifRange !== headers.get("last-modified")) {
      range = null;
    }
    if (range === "unsatisfiable") {
      headers.set("content-range", `bytes */${head.size}`);
      return new Response(null, { status: 416, headers });
    }
    if (range) {
      const length = range.end - range.start + 1;
      headers.set("content-range", `bytes ${range.start}-${range.end}/${head.size}`);
      headers.set("content-length", String(length));
      if (request.method === "HEAD") return new Response(null, { status: 206, headers });
      const object = await bucket.get(key, { range: { offset: range.start, length } });
      return new Response(object.body, { status: 206, headers });
    }
    headers.set("content-length", String(head.size));
    if (request.method === "HEAD") return new Response(null, { status: 200, headers });
    const object = await bucket.get(key);
    return new Response(object.body, { status: 200, headers });
  },
};

function etagListMatches(list, etag) {
  if (list.trim() === "*") return true;
  const weakless = (t) => t.trim().replace(/^W\//, "");
  return list.split(",").some((t) => weakless(t) === weakless(etag));
}

/** One range of `bytes=a-b`, `a-` or `-n`; null when absent, malformed or multiple. */
function parseRange(value, size) {
  if (!value) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) return null;
  if (start >= size) return "unsatisfiable";
  return { start, end };
}

/** The object key a path names, or null when it cannot name one. */
function objectKey(pathname) {
  let key;
  try {
    key = decodeURIComponent(pathname.slice(1));
  } catch {
    return null;
  }
  return new TextEncoder().encode(key).length > 1024 ? null : key;
}

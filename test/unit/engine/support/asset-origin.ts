// A fake of the assets origin, an R2 public bucket (custom domain), as an OriginClient for the
// engine's unit tests: it answers what scripts/origins/r2-public-bucket.js (Miniflare's R2
// behind the local origin) answers. GET and HEAD; one byte range (`bytes=a-b`, `a-`, `-n`; an
// end past the size is cut to it, as the engine's segment requests of an unknown object rely on;
// several ranges are ignored: the whole 200); If-None-Match before If-Modified-Since (304, weak
// comparison); If-Range; ETag, Last-Modified, Content-Type, Cache-Control (R2's httpMetadata) and,
// as a configured extra R2 never sends by itself, Surrogate-Control and Surrogate-Key; a 404 for a
// missing key. Bodies are generated per range, every byte a function of the object's seed and
// offset (scripts/origins/fixtures.ts), so objects of 130 MB cost nothing until a range is read.
//
// What the real shell does around a fetch (src/edge/origin-fetch.ts) is done here too: the
// client's headers are forwarded (src/http/origin-request.ts) minus `drop`, plus `headers`, and
// each request takes one from the execution's BackendBudget or is refused as the shell refuses it.
// Every request is recorded, with the client request (execution) it belongs to. Faults on demand:
// a 5xx answer, a connection refused at once, a timeout (the Date clock is moved past the
// first-byte timeout, no real wait), a body cut after some bytes; answers can be held back.

import { generatedBytes } from "../../../../scripts/origins/fixtures.js";
import type { OriginFetchOptions, Readthrough, RequestContext } from "../../../../src/engine/context.js";
import { BackendBudgetSpent } from "../../../../src/http/backend-budget.js";
import { originRequestHeaders } from "../../../../src/http/origin-request.js";
import type { ToOrigin } from "../../../../src/decision.js";

export interface ObjectSpec {
  readonly size: number;
  readonly contentType?: string;
  /** Sent as R2 sends an object's Cache-Control metadata. */
  readonly cacheControl?: string;
  readonly surrogateControl?: string;
  readonly surrogateKey?: string;
  /** Which validators R2 sends; "none" is an origin that sends neither (not R2, but possible behind it). */
  readonly validators?: "both" | "etag" | "last-modified" | "none";
  /** Bytes of the body of `text` instead of generated ones (stylesheets, small assets). */
  readonly text?: string;
}

/** One version of an object at the origin. */
export interface FakeObject {
  readonly path: string;
  readonly spec: ObjectSpec;
  readonly version: number;
  readonly seed: number;
  readonly etag: string | null;
  readonly lastModified: string | null;
}

export interface OriginRequest {
  /** The client request (execution) that made it. */
  readonly execution: number;
  readonly path: string;
  readonly method: string;
  /** What the origin received: the forwarded client headers, minus `drop`, plus `headers`. */
  readonly headers: Headers;
  readonly range: string | null;
  readonly readthrough: Readthrough | undefined;
  readonly pass: boolean;
  readonly options: OriginFetchOptions;
}

export type Fault =
  /** Answers with this status (and a short body). */
  | { readonly kind: "status"; readonly status: number }
  /** No answer, at once (connection refused or reset): retried by the engine. */
  | { readonly kind: "refuse" }
  /** No answer before the first-byte timeout: the Date clock moves on by `elapsedMs`. */
  | { readonly kind: "timeout"; readonly elapsedMs?: number }
  /** The right answer, but its body breaks off after `afterBytes` bytes. */
  | { readonly kind: "cut"; readonly afterBytes: number };

interface PendingFault {
  readonly fault: Fault;
  left: number;
  readonly when: (request: OriginRequest) => boolean;
}

/** The execution's side the fake needs: what the real shell reads off the context. */
export type ExecutionSide = Pick<RequestContext, "req" | "requestId" | "backends" | "tier">;

const chunkBytes = 64 * 1024;
const uploaded = Date.parse("2026-03-02T10:00:00Z");

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** One range of `bytes=a-b`, `a-` or `-n` as R2 reads it; null when absent, malformed or several. */
function parseRange(value: string | null, size: number): { start: number; end: number } | "unsatisfiable" | null {
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

function etagListMatches(list: string, etag: string): boolean {
  if (list.trim() === "*") return true;
  const weakless = (t: string) => t.trim().replace(/^W\//, "");
  return list.split(",").some((t) => weakless(t) === weakless(etag));
}

export class FakeR2 {
  readonly requests: OriginRequest[] = [];
  /** Requests refused because the execution had spent its backend budget. */
  readonly overBudget: OriginRequest[] = [];
  private readonly objects = new Map<string, FakeObject>();
  private faults: PendingFault[] = [];
  private held: { promise: Promise<void>; release: () => void } | null = null;

  /** `elapse` moves the clock attempts are timed by (Date.now) on by that many milliseconds. */
  constructor(private readonly elapse: (ms: number) => void = () => {}) {}

  /** Uploads an object (version 1, or the next version of one already there). */
  put(path: string, spec: ObjectSpec): FakeObject {
    const previous = this.objects.get(path);
    const version = (previous?.version ?? 0) + 1;
    const validators = spec.validators ?? "both";
    const object: FakeObject = {
      path,
      spec,
      version,
      seed: (hash(path) + version * 7919) >>> 0,
      etag: validators === "both" || validators === "etag" ? `"${hash(path).toString(16)}${version.toString(16).padStart(4, "0")}"` : null,
      lastModified: validators === "both" || validators === "last-modified" ? new Date(uploaded + version * 3_600_000).toUTCString() : null,
    };
    this.objects.set(path, object);
    return object;
  }

  /** A new version of the object: new bytes, new validators, the same spec unless given. */
  replace(path: string, spec?: Partial<ObjectSpec>): FakeObject {
    const previous = this.object(path);
    return this.put(path, { ...previous.spec, ...spec });
  }

  remove(path: string): void {
    this.objects.delete(path);
  }

  object(path: string): FakeObject {
    const found = this.objects.get(path);
    if (!found) throw new Error(`no object ${path} at the fake origin`);
    return found;
  }

  /** Bytes [start, end) of the object's current version (or of `version`, a FakeObject it had). */
  bytes(path: string, start = 0, end?: number, version: FakeObject = this.object(path)): Uint8Array {
    return bytesOf(version, start, end ?? version.spec.size);
  }

  /** The next `times` requests for which `when` holds get `fault` instead of their answer. */
  fail(fault: Fault, options: { times?: number; when?: (request: OriginRequest) => boolean } = {}): void {
    this.faults.push({ fault, left: options.times ?? 1, when: options.when ?? (() => true) });
  }

  /** Holds every answer back until the returned function is called (requests are still recorded). */
  hold(): () => void {
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    const held = { promise, release: () => release() };
    this.held = held;
    return () => {
      if (this.held === held) this.held = null;
      held.release();
    };
  }

  /** Requests made for one client request. */
  of(execution: number): OriginRequest[] {
    return this.requests.filter((r) => r.execution === execution);
  }

  /** The origin client of one execution, as the shell's fetchFromOrigin is. */
  clientFor(side: ExecutionSide, execution: number) {
    return async (decision: Pick<ToOrigin, "origin" | "originPath">, options: OriginFetchOptions = {}): Promise<Response> => {
      if (decision.origin !== "assets") throw new Error(`the fake R2 is the assets origin, not ${decision.origin}`);
      const headers = originRequestHeaders(side.req, side.requestId, side.tier.fromPop);
      for (const name of options.drop ?? []) headers.delete(name);
      for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
      const request: OriginRequest = {
        execution,
        path: decision.originPath,
        method: options.method ?? side.req.method,
        headers,
        range: headers.get("range"),
        readthrough: options.readthrough,
        pass: options.pass ?? false,
        options,
      };
      if (!side.backends.take()) {
        this.overBudget.push(request);
        throw new BackendBudgetSpent(side.backends.limit);
      }
      this.requests.push(request);
      if (this.held) await this.held.promise;
      const pending = this.faults.find((f) => f.left > 0 && f.when(request));
      if (pending) pending.left--;
      const fault = pending?.fault;
      if (fault?.kind === "status") {
        const body = `fake origin: ${fault.status}\n`;
        return new Response(body, { status: fault.status, headers: { "content-type": "text/plain", "content-length": String(body.length) } });
      }
      if (fault?.kind === "refuse") throw new TypeError("fake origin: connection refused");
      if (fault?.kind === "timeout") {
        this.elapse(fault.elapsedMs ?? 16_000);
        throw new Error("fake origin: first byte timeout");
      }
      return this.answer(request, fault?.kind === "cut" ? fault.afterBytes : null);
    };
  }

  private answer(request: OriginRequest, cutAfter: number | null): Response {
    const object = this.objects.get(request.path);
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method Not Allowed\n", { status: 405, headers: { allow: "GET, HEAD", "content-length": "19" } });
    }
    if (!object) {
      const body = "Object Not Found\n";
      return new Response(request.method === "HEAD" ? null : body, { status: 404, headers: { "content-length": String(body.length) } });
    }
    const { spec } = object;
    const size = spec.size;
    const headers = new Headers();
    headers.set("content-type", spec.contentType ?? "application/octet-stream");
    if (spec.cacheControl) headers.set("cache-control", spec.cacheControl);
    if (spec.surrogateControl) headers.set("surrogate-control", spec.surrogateControl);
    if (spec.surrogateKey) headers.set("surrogate-key", spec.surrogateKey);
    if (object.etag) headers.set("etag", object.etag);
    if (object.lastModified) headers.set("last-modified", object.lastModified);
    headers.set("accept-ranges", "bytes");

    // RFC 9110 §13.2.2: If-None-Match wins over If-Modified-Since.
    const inm = request.headers.get("if-none-match");
    const ims = request.headers.get("if-modified-since");
    if (inm !== null) {
      if (object.etag && etagListMatches(inm, object.etag)) return new Response(null, { status: 304, headers });
    } else if (ims !== null && object.lastModified) {
      const since = Date.parse(ims);
      if (!Number.isNaN(since) && Date.parse(object.lastModified) <= since) return new Response(null, { status: 304, headers });
    }

    let range = parseRange(request.headers.get("range"), size);
    const ifRange = request.headers.get("if-range");
    if (range && ifRange !== null && ifRange !== object.etag && ifRange !== object.lastModified) range = null;
    if (range === "unsatisfiable") {
      headers.set("content-range", `bytes */${size}`);
      return new Response(null, { status: 416, headers });
    }
    const body = (start: number, end: number) => (request.method === "HEAD" ? null : streamOf(object, start, end, cutAfter));
    if (range) {
      headers.set("content-range", `bytes ${range.start}-${range.end}/${size}`);
      headers.set("content-length", String(range.end - range.start + 1));
      return new Response(body(range.start, range.end + 1), { status: 206, headers });
    }
    headers.set("content-length", String(size));
    return new Response(size === 0 ? null : body(0, size), { status: 200, headers });
  }
}

function bytesOf(object: FakeObject, start: number, end: number): Uint8Array {
  if (object.spec.text !== undefined) return new TextEncoder().encode(object.spec.text).subarray(start, end);
  return generatedBytes(object.seed, start, end);
}

/** Bytes [start, end) of `object`, generated a chunk at a time as they are read. */
function streamOf(object: FakeObject, start: number, end: number, cutAfter: number | null): ReadableStream<Uint8Array> {
  let at = start;
  const stop = cutAfter === null ? end : Math.min(end, start + cutAfter);
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (at >= stop) {
          if (stop < end) controller.error(new Error("fake origin: connection reset mid-body"));
          else controller.close();
          return;
        }
        const next = Math.min(stop, at + chunkBytes);
        controller.enqueue(bytesOf(object, at, next));
        at = next;
      },
    },
    { highWaterMark: 0 },
  );
}

/** An object whose body is `text` (a stylesheet, an SVG). */
export function textObject(text: string, contentType: string, extra: Omit<ObjectSpec, "size" | "text" | "contentType"> = {}): ObjectSpec {
  return { ...extra, size: new TextEncoder().encode(text).byteLength, text, contentType };
}

// What the segmented store keeps about one assets-origin object, and how an origin answer to a
// segment request is read: the object's size, validators and representation headers (kept as
// Core Cache user metadata, one entry per object), or a non-2xx answer kept whole. Pure.

import { hitForPassSeconds, type CacheTimes } from "../config/cache-times.js";
import { parseContentRange } from "../http/range.js";
import { storePolicy } from "./policy.js";
import { objectVersion, segmentRange } from "./segments.js";

/** Origin headers that describe the representation and are sent with every part of it. */
export const representationHeaders = [
  "content-type",
  "content-encoding",
  "content-language",
  "content-disposition",
  "cache-control",
  "expires",
  // RFC 9110 §12.5.5: which request headers chose this representation; the object entry is
  // stored per variant of them (src/engine/asset-store.ts).
  "vary",
] as const;

/**
 * A 2xx object, stored as segments; an object of one segment keeps it as the object entry's own
 * body (`bytesInEntry`), one entry holding headers and bytes as a stored page does.
 */
export interface StoredObject {
  readonly kind: "object";
  readonly size: number;
  readonly etag: string | null;
  readonly lastModified: string | null;
  /** Which version its segments are keyed under (see objectVersion). */
  readonly version: string;
  /** The size its segments are cut at (src/cache/tiers.ts, segmentSizeFor, when first stored). */
  readonly segment: number;
  /** The representation headers present at the origin, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly times: CacheTimes;
  /** The origin's Surrogate-Key values (the URL key is added on every insert). */
  readonly surrogateKeys: readonly string[];
  /**
   * The object's one segment is the body of the object entry itself, so one lookup answers it;
   * absent, its segments (one or more) are entries of their own (src/engine/asset-store.ts).
   */
  readonly bytesInEntry?: true;
}

/** A non-2xx answer (404, 410…) stored whole: status and headers here, body in the entry. */
export interface StoredAnswer {
  readonly kind: "answer";
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly times: CacheTimes;
  readonly surrogateKeys: readonly string[];
}

/** An object that cannot be stored, remembered so that requests for it go straight through. */
export interface StoredPass {
  readonly kind: "pass";
  /** Why it cannot be stored (the storePolicy or segment-answer reason). */
  readonly reason: string;
  readonly times: CacheTimes;
  readonly surrogateKeys: readonly string[];
}

export type StoredMetadata = StoredObject | StoredAnswer | StoredPass;

/** The hit-for-pass marker for an object the store cannot keep. */
export function passMarker(reason: string): StoredPass {
  return { kind: "pass", reason, times: { fresh: hitForPassSeconds, staleWhileRevalidate: 0, staleIfError: 0 }, surrogateKeys: [] };
}

/**
 * Non-2xx answers for an asset stay fresh this long at most. A missing episode is usually about
 * to be uploaded; the app purges its URL after publishing, but a short time bounds the harm if
 * that purge is lost. They are never served stale while revalidating, only if the origin fails.
 */
export const answerFreshSeconds = 60;

/** Larger non-2xx bodies are passed through, not stored (R2's are a few bytes). */
export const maxStoredAnswerBytes = 64 * 1024;

/** 2: objects record their segment size. */
const metadataVersion = 2;

export function encodeMetadata(stored: StoredMetadata): string {
  return JSON.stringify({ v: metadataVersion, ...stored });
}

/** The stored metadata, or null when it is not ours or from another layout version. */
export function decodeMetadata(text: string): StoredMetadata | null {
  try {
    const value = JSON.parse(text) as { v?: number } & StoredMetadata;
    if (value.v !== metadataVersion) return null;
    if (value.kind === "object" && Number.isSafeInteger(value.size) && typeof value.version === "string" && Number.isSafeInteger(value.segment) && value.segment > 0) {
      // Its bytes in the entry only when that is possible: one segment, and a body to hold it.
      if (value.bytesInEntry !== undefined && (value.bytesInEntry !== true || value.size === 0 || value.size > value.segment)) return null;
      return value;
    }
    if (value.kind === "answer" && Number.isInteger(value.status)) return value;
    if (value.kind === "pass" && typeof value.reason === "string") return value;
    return null;
  } catch {
    return null;
  }
}

/** What an origin answer to `Range: bytes=<segment>` tells the store. */
export type SegmentAnswer =
  /** The object; `segment` is the index whose bytes the body holds, null when it holds none. */
  | { readonly kind: "object"; readonly object: StoredObject; readonly segment: number | null }
  /** A non-2xx answer that may be stored (its body is under `maxStoredAnswerBytes`). */
  | { readonly kind: "answer"; readonly answer: StoredAnswer }
  /**
   * Usable only by passing the client's own request through: not storable (Cache-Control,
   * Set-Cookie, no validators, 5xx…) or not a clean segment (the origin ignored or bent Range).
   */
  | { readonly kind: "pass"; readonly reason: string };

function pick(headers: Headers, names: readonly string[]): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) kept[name] = value;
  }
  return kept;
}

/**
 * Reads the origin's answer to a request for segment `asked` cut at `segment` bytes (RFC 9110
 * §15.3.7 206, §15.5.17 416, or a 200 from an origin that ignored Range). Storability follows the edge's cache policy for the assets origin, judged as for the whole
 * representation.
 */
export function readSegmentAnswer(status: number, headers: Headers, asked: number | "whole", segment: number): SegmentAnswer {
  if (status === 206 || status === 200 || status === 416) {
    const policy = storePolicy("assets", 200, headers);
    if (!policy.store) return { kind: "pass", reason: policy.reason };
    // A request for the whole object is answered whole, or not used to learn it.
    if (asked === "whole" && status !== 200) return { kind: "pass", reason: "origin-content-range" };
    let size: number;
    let holds: number | null;
    if (status === 200) {
      const length = headers.get("content-length");
      if (length === null || !/^\d+$/.test(length)) return { kind: "pass", reason: asked === "whole" ? "length-unknown" : "origin-ignored-range" };
      size = Number(length);
      if (asked !== "whole" && size > segment) return { kind: "pass", reason: "origin-ignored-range" };
      // A whole body is not kept as a segment: its first segment comes with the first range.
      holds = size === 0 || asked === "whole" ? null : 0;
    } else {
      const content = parseContentRange(headers.get("content-range"));
      if (!content) return { kind: "pass", reason: "origin-content-range" };
      size = content.size;
      if (status === 416) {
        holds = null;
      } else {
        const expected = segmentRange(asked as number, size, segment);
        if (!content.range || content.range.start !== expected.start || content.range.end !== expected.end) {
          return { kind: "pass", reason: "origin-content-range" };
        }
        holds = asked as number;
      }
    }
    const etag = headers.get("etag");
    const lastModified = headers.get("last-modified");
    const version = objectVersion(etag, lastModified, size);
    if (version === null) return { kind: "pass", reason: "no-validator" };
    return {
      kind: "object",
      segment: holds,
      object: {
        kind: "object",
        size,
        etag,
        lastModified,
        version,
        segment,
        headers: pick(headers, representationHeaders),
        times: policy.times,
        surrogateKeys: policy.surrogateKeys,
      },
    };
  }
  const policy = storePolicy("assets", status, headers);
  if (!policy.store) return { kind: "pass", reason: policy.reason };
  const length = headers.get("content-length");
  if (length === null || !/^\d+$/.test(length) || Number(length) > maxStoredAnswerBytes) {
    return { kind: "pass", reason: "answer-body-size" };
  }
  return {
    kind: "answer",
    answer: {
      kind: "answer",
      status,
      headers: pick(headers, [...representationHeaders, "etag", "last-modified", "location"]),
      times: {
        fresh: Math.min(policy.times.fresh, answerFreshSeconds),
        staleWhileRevalidate: 0,
        staleIfError: policy.times.staleIfError,
      },
      surrogateKeys: policy.surrogateKeys,
    },
  };
}

/** Whether `object` is one segment, and so may be kept in its object entry's body. */
export function fitsInEntry(object: StoredObject): boolean {
  return object.size > 0 && object.size <= object.segment;
}

/** `object` with its one segment kept in the object entry, or as a segment of its own. */
export function withBytesInEntry(object: StoredObject, inEntry: boolean): StoredObject {
  const { bytesInEntry: _was, ...rest } = object;
  return inEntry ? { ...rest, bytesInEntry: true } : rest;
}

/**
 * The validators a revalidation of `stored` sends (RFC 9110 §13.1): its ETag, else its
 * Last-Modified; nothing for what has neither (answers and pass markers are fetched again).
 */
export function revalidationHeadersOf(stored: StoredMetadata): Record<string, string> | undefined {
  if (stored.kind !== "object") return undefined;
  if (stored.etag) return { "if-none-match": stored.etag };
  if (stored.lastModified) return { "if-modified-since": stored.lastModified };
  return undefined;
}

/**
 * A stored object or answer updated by the origin's 304 (RFC 9111 §4.3.4): the 304's
 * representation headers replace the stored ones of the same name; times and surrogate keys
 * follow a Surrogate-Control or Surrogate-Key the 304 carries, else stay as they were. When the
 * updated response may no longer be stored (the 304 says no-store, private, sets a cookie…),
 * the hit-for-pass marker that replaces it: the old copy is not served again.
 */
export function freshenedBy304(stored: StoredObject | StoredAnswer, notModified: Headers): StoredMetadata {
  const judged = new Headers(stored.headers);
  notModified.forEach((value, name) => judged.set(name, value));
  const policy = storePolicy("assets", stored.kind === "object" ? 200 : stored.status, judged);
  if (!policy.store) return passMarker(policy.reason);
  const timesChanged = notModified.has("surrogate-control");
  const surrogateKeys = notModified.has("surrogate-key") ? policy.surrogateKeys : stored.surrogateKeys;
  if (stored.kind === "object") {
    return {
      ...stored,
      headers: pick(judged, representationHeaders),
      times: timesChanged ? policy.times : stored.times,
      surrogateKeys,
    };
  }
  return {
    ...stored,
    headers: pick(judged, [...representationHeaders, "etag", "last-modified", "location"]),
    times: timesChanged ? { fresh: Math.min(policy.times.fresh, answerFreshSeconds), staleWhileRevalidate: 0, staleIfError: policy.times.staleIfError } : stored.times,
    surrogateKeys,
  };
}

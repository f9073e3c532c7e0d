// `npm run provision:logging`: creates or updates the S3 logging endpoints of the Fastly service
// from src/config/log-endpoints.ts, the same table the edge logs to.
//
//   npm run provision:logging -- --dry-run     print the plan as JSON, touch nothing
//   npm run provision:logging                  apply it on a new service version, validate it
//   npm run provision:logging -- --activate    … and activate that version
//   npm run provision:logging -- --force       rewrite every endpoint (after rotating AWS keys)
//   npm run provision:logging -- --bucket-prefix=changelog-staging-logs-
//                                              same endpoints, other buckets (staging, scratch:
//                                              never let test traffic reach the importer's buckets)
//
// Environment: FASTLY_API_TOKEN, FASTLY_SERVICE_ID, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, and
// optionally AWS_REGION (the buckets' region; otherwise Fastly's default S3 domain). Credentials
// are sent to the Fastly API only, never printed.
//
// Idempotent: when the active version already has every endpoint as planned, nothing is cloned.
// Otherwise the active version is cloned, each endpoint created or updated by name on the clone
// (the active version is never edited), and the clone validated.
// Fastly API: https://www.fastly.com/documentation/reference/api/logging/s3/ and
// https://www.fastly.com/documentation/reference/api/services/version/

import { fileURLToPath } from "node:url";
import { logBucketPrefix, logEndpoints, type LogEndpoint } from "../src/config/log-endpoints.js";

export interface PlannedEndpoint {
  readonly name: string;
  readonly bucket: string;
  readonly path: string;
  readonly period: number;
  readonly compression: "none";
  readonly message_type: "blank";
  readonly placement: "none";
  readonly timestamp_format: string;
  readonly redundancy: string;
  /** What the lines are (the edge writes them; Fastly's own `format` does not apply). */
  readonly line_format: string;
  readonly description: string;
}

/**
 * The endpoints to provision. Names never change (the edge logs to them); `bucketPrefix` replaces
 * `changelog-logs-` in the bucket names for a service whose lines must not be counted.
 */
export function plan(
  endpoints: readonly LogEndpoint[] = logEndpoints,
  bucketPrefix: string = logBucketPrefix,
): { endpoints: PlannedEndpoint[] } {
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(bucketPrefix)) throw new Error(`not a bucket name prefix: ${bucketPrefix}`);
  return {
    endpoints: endpoints.map((e) => ({
      name: e.name,
      bucket: bucketPrefix + e.bucket.slice(logBucketPrefix.length),
      path: e.delivery.path,
      period: e.delivery.period,
      compression: e.delivery.compression,
      message_type: e.delivery.messageType,
      placement: e.delivery.placement,
      timestamp_format: e.delivery.timestampFormat,
      redundancy: e.delivery.redundancy,
      line_format: e.format,
      description: e.description,
    })),
  };
}

export interface AwsCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
  /** S3 domain of the buckets' region, e.g. `s3.us-east-1.amazonaws.com`; null for Fastly's default. */
  readonly domain: string | null;
}

/** The API fields of one S3 logging endpoint, as Fastly stores them (all strings on the wire). */
export function endpointFields(endpoint: PlannedEndpoint, aws: AwsCredentials): Record<string, string> {
  const fields: Record<string, string> = {
    name: endpoint.name,
    bucket_name: endpoint.bucket,
    path: endpoint.path,
    period: String(endpoint.period),
    // No compression: gzip level 0 and no codec (Fastly rejects both in one request otherwise).
    gzip_level: "0",
    message_type: endpoint.message_type,
    placement: endpoint.placement,
    timestamp_format: endpoint.timestamp_format,
    redundancy: endpoint.redundancy,
    access_key: aws.accessKey,
    secret_key: aws.secretKey,
  };
  if (aws.domain) fields.domain = aws.domain;
  return fields;
}

/** Field names whose values a report may never show. */
const secretFields = new Set(["access_key", "secret_key"]);

/**
 * The fields of `wanted` that `existing` does not already have, plus `compression_codec` when a
 * codec must be cleared. Secrets the API does not return cannot be compared (use --force).
 */
export function differences(wanted: Record<string, string>, existing: Record<string, unknown>): string[] {
  const changed = Object.entries(wanted)
    .filter(([key, value]) => {
      const current = existing[key];
      if (current === undefined || current === null) return !secretFields.has(key);
      return String(current) !== value;
    })
    .map(([key]) => key);
  if (existing.compression_codec) changed.push("compression_codec");
  return changed;
}

export interface ProvisionResult {
  readonly version: number | null;
  readonly created: string[];
  readonly updated: string[];
  readonly unchanged: string[];
  readonly activated: boolean;
}

export interface ProvisionOptions {
  readonly token: string;
  readonly serviceId: string;
  readonly aws: AwsCredentials;
  readonly activate?: boolean;
  readonly force?: boolean;
  readonly endpoints?: readonly PlannedEndpoint[];
  readonly fetch?: typeof fetch;
  readonly log?: (line: string) => void;
  readonly apiBase?: string;
}

export class FastlyApiError extends Error {}

export async function provision(options: ProvisionOptions): Promise<ProvisionResult> {
  const endpoints = options.endpoints ?? plan().endpoints;
  const log = options.log ?? (() => {});
  // As given and as form-encoded, in case the API echoes a request body back in an error.
  const secrets = [options.token, options.aws.accessKey, options.aws.secretKey]
    .filter((s) => s.length > 0)
    .flatMap((s) => [s, encodeURIComponent(s), new URLSearchParams({ s }).toString().slice(2)]);
  const redact = (text: string) => secrets.reduce((t, s) => t.split(s).join("[redacted]"), text);
  const doFetch = options.fetch ?? fetch;
  const base = options.apiBase ?? "https://api.fastly.com";
  const service = `/service/${encodeURIComponent(options.serviceId)}`;

  async function api(method: string, path: string, form?: Record<string, string>): Promise<unknown> {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: {
        "fastly-key": options.token,
        accept: "application/json",
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new FastlyApiError(redact(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`));
    return text ? (JSON.parse(text) as unknown) : null;
  }

  const details = (await api("GET", service)) as { versions?: { number: number; active: boolean }[] };
  const active = details.versions?.find((v) => v.active)?.number;
  if (active === undefined) throw new FastlyApiError(`service ${options.serviceId} has no active version to clone`);

  const existingOn = async (version: number) =>
    new Map(
      ((await api("GET", `${service}/version/${version}/logging/s3`)) as Record<string, unknown>[]).map((e) => [
        String(e.name),
        e,
      ]),
    );
  const current = await existingOn(active);
  const work = endpoints.map((endpoint) => {
    const wanted = endpointFields(endpoint, options.aws);
    const existing = current.get(endpoint.name);
    const changed = existing ? differences(wanted, existing) : Object.keys(wanted);
    return { endpoint, wanted, existing, changed };
  });
  const todo = work.filter((w) => !w.existing || options.force || w.changed.length > 0);
  const unchanged = work.filter((w) => !todo.includes(w)).map((w) => w.endpoint.name);
  if (todo.length === 0) {
    log(`version ${active} already has all ${endpoints.length} logging endpoints as planned: nothing to do`);
    return { version: null, created: [], updated: [], unchanged, activated: false };
  }

  const clone = (await api("PUT", `${service}/version/${active}/clone`)) as { number: number };
  const version = clone.number;
  log(`cloned active version ${active} as version ${version}`);
  const created: string[] = [];
  const updated: string[] = [];
  for (const { endpoint, wanted, existing, changed } of todo) {
    if (existing) {
      const path = `${service}/version/${version}/logging/s3/${encodeURIComponent(endpoint.name)}`;
      // Fastly refuses compression_codec and gzip_level in one request: clear the codec first.
      if (existing.compression_codec) await api("PUT", path, { compression_codec: "" });
      await api("PUT", path, wanted);
      updated.push(endpoint.name);
      log(`updated ${endpoint.name} (${changed.filter((c) => !secretFields.has(c)).join(", ") || "credentials"})`);
    } else {
      await api("POST", `${service}/version/${version}/logging/s3`, wanted);
      created.push(endpoint.name);
      log(`created ${endpoint.name} → s3://${endpoint.bucket}${endpoint.path}`);
    }
  }
  const validation = (await api("GET", `${service}/version/${version}/validate`)) as { status?: string; errors?: unknown };
  if (validation.status !== "ok") {
    throw new FastlyApiError(redact(`version ${version} does not validate: ${JSON.stringify(validation)}`));
  }
  log(`version ${version} validates`);
  let activated = false;
  if (options.activate) {
    await api("PUT", `${service}/version/${version}/activate`);
    activated = true;
    log(`activated version ${version}`);
  } else {
    log(`version ${version} is not active: activate it in the Fastly console or run again with --activate`);
  }
  return { version, created, updated, unchanged, activated };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (see the header of scripts/provision-logging.ts)`);
  return value;
}

async function main(args: string[]): Promise<void> {
  const prefixArg = args.find((a) => a.startsWith("--bucket-prefix="));
  const planned = plan(logEndpoints, prefixArg ? prefixArg.slice("--bucket-prefix=".length) : logBucketPrefix);
  if (args.includes("--dry-run")) {
    console.log(JSON.stringify(planned, null, 2));
    return;
  }
  const region = process.env.AWS_REGION;
  const result = await provision({
    token: required("FASTLY_API_TOKEN"),
    serviceId: required("FASTLY_SERVICE_ID"),
    aws: {
      accessKey: required("AWS_ACCESS_KEY_ID"),
      secretKey: required("AWS_SECRET_ACCESS_KEY"),
      domain: region ? `s3.${region}.amazonaws.com` : null,
    },
    activate: args.includes("--activate"),
    force: args.includes("--force"),
    endpoints: planned.endpoints,
    log: (line) => console.log(line),
  });
  console.log(JSON.stringify(result));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}

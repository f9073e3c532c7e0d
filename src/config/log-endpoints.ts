// The Fastly logging endpoints the edge writes to, and how each is shipped to S3: one per podcast
// (episode downloads, CSV), one for feed requests (JSON) and one request log (JSON). Both the edge
// (which endpoint a line goes to) and `scripts/provision-logging.ts` (what Fastly is told) read
// this table, so a name can never differ between the two.

import { podcasts } from "./podcasts.js";

export type LogFormat = "episode-csv" | "feed-json" | "request-json";

/** How Fastly batches the lines of one endpoint into S3 objects. */
export interface S3Delivery {
  /**
   * Key prefix inside the bucket. The stats importer lists a bucket by date prefix
   * (`list_objects(bucket, prefix: "2024-08-09")`), so objects must start at the bucket root.
   */
  readonly path: string;
  /** Seconds between S3 objects. */
  readonly period: number;
  /** strftime pattern of the object names: `<path><time>-<random>.log`. */
  readonly timestampFormat: string;
  /** The importer reads object bodies as text: no gzip, no other codec. */
  readonly compression: "none";
  /** `blank`: each object line is exactly the line the edge wrote (no syslog prefix). */
  readonly messageType: "blank";
  /** Compute services log from code; VCL placement does not apply. */
  readonly placement: "none";
  readonly redundancy: "standard";
}

export interface LogEndpoint {
  /** The Fastly logging endpoint name, as `new Logger(name)` and the API know it. */
  readonly name: string;
  readonly bucket: string;
  readonly format: LogFormat;
  readonly description: string;
  readonly delivery: S3Delivery;
}

export const s3Delivery: S3Delivery = {
  path: "/",
  period: 3600,
  timestampFormat: "%Y-%m-%dT%H:%M:%S.000",
  compression: "none",
  messageType: "blank",
  placement: "none",
  redundancy: "standard",
};

export const logBucketPrefix = "changelog-logs-";

/** Episode-download endpoints by podcast slug (the path segment after /uploads/). */
export const episodeEndpoints: ReadonlyMap<string, LogEndpoint> = new Map(
  podcasts.map((podcast) => [
    podcast.slug,
    {
      name: `episodes-${podcast.slug}`,
      bucket: `${logBucketPrefix}${podcast.bucket}`,
      format: "episode-csv",
      description: `${podcast.name} episode downloads (CSV read by the stats importer)`,
      delivery: s3Delivery,
    },
  ]),
);

export const feedEndpoint: LogEndpoint = {
  name: "feeds",
  bucket: `${logBucketPrefix}feeds`,
  format: "feed-json",
  description: "Podcast feed requests (JSON read by the subscriber counter)",
  delivery: s3Delivery,
};

export const requestEndpoint: LogEndpoint = {
  name: "requests",
  bucket: `${logBucketPrefix}requests`,
  format: "request-json",
  description: "One JSON line per request the edge answers",
  delivery: s3Delivery,
};

export const logEndpoints: readonly LogEndpoint[] = [...episodeEndpoints.values(), feedEndpoint, requestEndpoint];

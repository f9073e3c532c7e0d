// Runs smoke cases against one target, one request at a time, in table order (later cases may
// use numbers captured by earlier ones). Requests go out with node:http/https because the
// public host must be sent as Host, which fetch does not allow.

import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { HeaderExpectation, SmokeCase } from "./cases.js";
import { actualHost, fill, mismatches, MissingVariable, type HostMap, type SeenResponse, type Vars } from "./expect.js";

/**
 * Where the edge is. Over plain HTTP (a local edge) every request connects to the base URL and
 * names the public host only in Host. Over HTTPS (a Fastly service) every request connects to
 * its own host name, as a browser would: Fastly picks the service and the certificate by that
 * name, so connecting elsewhere could reach another service.
 */
export interface Target {
  readonly scheme: "http" | "https";
  /** Plain HTTP only: the address every request connects to. */
  readonly connectHost: string;
  readonly port: number;
  readonly hosts: HostMap;
}

/**
 * The target for a base URL. Over HTTPS the base URL's host is the name the target serves
 * changelog.com as (so `https://changelog.com` is production and `https://<staging name>`
 * maps changelog.com to it); other sites are mapped with `hosts`.
 */
export function targetFor(baseUrl: string, hosts: HostMap = {}): Target {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`not a URL: ${baseUrl}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`not http(s): ${baseUrl}`);
  if (url.pathname !== "/" || url.search || url.hash) throw new Error(`a base URL has no path or query: ${baseUrl}`);
  const scheme = url.protocol === "https:" ? "https" : "http";
  const port = url.port ? Number(url.port) : scheme === "https" ? 443 : 80;
  const connectHost = url.hostname.replace(/^\[|\]$/g, "");
  if (scheme === "https" && connectHost !== "changelog.com" && !hosts["changelog.com"]) {
    return { scheme, connectHost, port, hosts: { ...hosts, "changelog.com": connectHost } };
  }
  return { scheme, connectHost, port, hosts };
}

export interface CaseResult {
  readonly case: SmokeCase;
  /** "GET /podcast/feed on changelog.com", with templates filled where they could be. */
  readonly label: string;
  readonly passed: boolean;
  readonly problems: readonly string[];
  readonly status?: number;
  readonly ms: number;
}

export interface RunOptions {
  readonly vars: Vars;
  readonly every: Readonly<Record<string, HeaderExpectation>>;
  /** Per request, in milliseconds. */
  readonly timeoutMs?: number;
  /** Identifies the suite in the edge's logs. */
  readonly userAgent?: string;
  readonly onResult?: (result: CaseResult) => void;
}

/** Bodies are read up to this many bytes; a longer one is reported as "more than …". */
export const bodyCap = 1024 * 1024;

export async function runCases(cases: readonly SmokeCase[], target: Target, options: RunOptions): Promise<CaseResult[]> {
  const vars: Record<string, string> = { ...options.vars };
  const results: CaseResult[] = [];
  for (const smokeCase of cases) {
    const result = await runCase(smokeCase, target, vars, options);
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}

async function runCase(
  smokeCase: SmokeCase,
  target: Target,
  vars: Record<string, string>,
  options: RunOptions,
): Promise<CaseResult> {
  const { method, host, path } = smokeCase.request;
  const sentHost = actualHost(host, target.hosts);
  let label = `${method} ${path} on ${sentHost}`;
  const started = Date.now();
  const failed = (problems: string[], status?: number): CaseResult => ({
    case: smokeCase, label, passed: false, problems, status, ms: Date.now() - started,
  });
  let sentPath: string;
  const headers: Record<string, string> = {};
  try {
    sentPath = fill(path, vars, target.hosts);
    label = `${method} ${sentPath} on ${sentHost}`;
    for (const [name, value] of Object.entries(smokeCase.request.headers ?? {})) {
      headers[name] = fill(value, vars, target.hosts);
    }
  } catch (error) {
    if (error instanceof MissingVariable) return failed([error.message]);
    throw error;
  }
  let seen: SeenResponse;
  try {
    seen = await send(target, { method, host: sentHost, path: sentPath, headers }, options);
  } catch (error) {
    return failed([`no response: ${(error as Error).message}`]);
  }
  let problems: string[];
  try {
    problems = mismatches(smokeCase.expect, options.every, seen, vars, target.hosts);
  } catch (error) {
    if (error instanceof MissingVariable) return failed([error.message], seen.status);
    throw error;
  }
  for (const [name, header] of Object.entries(smokeCase.capture ?? {})) {
    const value = seen.headers[header];
    if (value === undefined) problems.push(`no ${header} to remember as {${name}}`);
    else vars[name] = value;
  }
  return { case: smokeCase, label, passed: problems.length === 0, problems, status: seen.status, ms: Date.now() - started };
}

interface OutgoingRequest {
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** One request, one fresh connection; resolves with what came back. */
export function send(target: Target, out: OutgoingRequest, options: Pick<RunOptions, "timeoutMs" | "userAgent">): Promise<SeenResponse> {
  const timeout = options.timeoutMs ?? 30_000;
  const headers = { "user-agent": options.userAgent ?? "changelog-edge-smoke", ...out.headers, host: out.host };
  const common = { method: out.method, path: out.path, headers, agent: false as const, timeout };
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      let length = 0;
      let truncated = false;
      const start: Buffer[] = [];
      let startLength = 0;
      res.on("data", (chunk: Buffer) => {
        length += chunk.length;
        if (startLength < 256) {
          start.push(chunk);
          startLength += chunk.length;
        }
        if (length > bodyCap) {
          truncated = true;
          res.destroy();
          finish();
        }
      });
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(bodyTimer);
        resolve({
          status: res.statusCode ?? 0,
          headers: flatten(res.headers),
          bodyLength: truncated ? bodyCap : length,
          bodyTruncated: truncated,
          bodyStart: Buffer.concat(start).subarray(0, 256).toString("utf8"),
        });
      };
      const bodyTimer = setTimeout(() => {
        res.destroy();
        if (!done) {
          done = true;
          reject(new Error(`body not complete after ${timeout} ms`));
        }
      }, timeout);
      res.on("end", finish);
      res.on("error", (error) => {
        if (!done) {
          done = true;
          clearTimeout(bodyTimer);
          reject(error);
        }
      });
    };
    const req =
      target.scheme === "https"
        ? httpsRequest({ ...common, host: out.host, port: target.port, servername: out.host }, onResponse)
        : httpRequest({ ...common, host: target.connectHost, port: target.port }, onResponse);
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeout} ms`)));
    req.on("error", reject);
    req.end();
  });
}

function flatten(headers: IncomingMessage["headers"]): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

/** One line per case, as the CLI prints it: the verdict, the status, the request, what differed. */
export function formatResult(result: CaseResult): string {
  const status = result.status === undefined ? "---" : String(result.status);
  const head = `${result.passed ? "PASS" : "FAIL"}  ${status}  ${result.label}  ${result.ms} ms`;
  return result.passed ? head : `${head}  |  ${result.problems.join("; ")}  |  ${result.case.rule}`;
}

// The provisioning script against a fake Fastly API that keeps versions and their S3 endpoints
// the way the real one does (clone copies them; an active version is never edited).

import { describe, expect, it } from "vitest";
import { differences, endpointFields, plan, provision, type AwsCredentials } from "../../../scripts/provision-logging.js";
import { logEndpoints } from "../../../src/config/log-endpoints.js";
import { podcasts } from "../../../src/config/podcasts.js";

const aws: AwsCredentials = { accessKey: "AKIAEXAMPLEACCESS", secretKey: "s3cr3t/Key+Value", domain: null };
const token = "fastly-token-123";

type Endpoint = Record<string, string>;

class FakeFastly {
  readonly calls: string[] = [];
  readonly bodies: { call: string; form: Record<string, string> }[] = [];
  versions = new Map<number, { active: boolean; endpoints: Map<string, Endpoint> }>([[7, { active: true, endpoints: new Map() }]]);
  validation: unknown = { status: "ok", errors: [] };

  readonly fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    const call = `${method} ${url.pathname}`;
    this.calls.push(call);
    if ((init?.headers as Record<string, string>)["fastly-key"] !== token) return new Response("no", { status: 401 });
    const form = init?.body ? Object.fromEntries(new URLSearchParams(String(init.body))) : {};
    if (init?.body) this.bodies.push({ call, form });
    const parts = url.pathname.split("/").filter(Boolean); // service, id, version, n, ...
    const json = (value: unknown) => new Response(JSON.stringify(value), { status: 200 });
    if (parts.length === 2 && method === "GET") {
      return json({ id: parts[1], versions: [...this.versions].map(([number, v]) => ({ number, active: v.active })) });
    }
    const number = Number(parts[3]);
    const version = this.versions.get(number);
    if (!version) return new Response("no such version", { status: 404 });
    const rest = parts.slice(4).join("/");
    if (rest === "clone" && method === "PUT") {
      const next = Math.max(...this.versions.keys()) + 1;
      this.versions.set(next, { active: false, endpoints: new Map([...version.endpoints].map(([k, e]) => [k, { ...e }])) });
      return json({ number: next });
    }
    if (rest === "validate") return json(this.validation);
    if (rest === "activate" && method === "PUT") {
      for (const v of this.versions.values()) v.active = false;
      version.active = true;
      return json({ number, active: true });
    }
    if (version.active && method !== "GET") return new Response("version is locked", { status: 400 });
    if (rest === "logging/s3" && method === "GET") return json([...version.endpoints.values()]);
    if (rest === "logging/s3" && method === "POST") {
      if (version.endpoints.has(form.name!)) return new Response("duplicate", { status: 409 });
      version.endpoints.set(form.name!, { ...form });
      return json(form);
    }
    if (rest.startsWith("logging/s3/") && method === "PUT") {
      const name = decodeURIComponent(rest.slice("logging/s3/".length));
      const existing = version.endpoints.get(name);
      if (!existing) return new Response("not found", { status: 404 });
      if (form.compression_codec !== undefined && form.gzip_level !== undefined) return new Response("both", { status: 400 });
      version.endpoints.set(name, { ...existing, ...form });
      return json(version.endpoints.get(name));
    }
    return new Response(`unexpected ${call}`, { status: 500 });
  }) as typeof fetch;

  endpointsOf(number: number): Map<string, Endpoint> {
    return this.versions.get(number)!.endpoints;
  }
}

const run = (fake: FakeFastly, extra: { activate?: boolean; force?: boolean } = {}) => {
  const lines: string[] = [];
  const result = provision({ token, serviceId: "SERVICE1", aws, fetch: fake.fetch, log: (l) => lines.push(l), ...extra });
  return { result, lines };
};

describe("provisioning plan", () => {
  it("lists every endpoint with bucket, path, period, no compression, blank messages, no placement", () => {
    const { endpoints } = plan();
    expect(endpoints.map((e) => e.name)).toEqual(logEndpoints.map((e) => e.name));
    expect(endpoints).toHaveLength(podcasts.length + 2);
    for (const e of endpoints) {
      expect(e).toMatchObject({ path: "/", period: 3600, compression: "none", message_type: "blank", placement: "none" });
      expect(e.bucket).toMatch(/^changelog-logs-[a-z]+$/);
    }
    expect(endpoints.find((e) => e.name === "feeds")).toMatchObject({ bucket: "changelog-logs-feeds", line_format: "feed-json" });
    expect(JSON.stringify(plan())).not.toContain(aws.secretKey);
  });

  it("puts the same endpoints in other buckets for a service whose lines must not be counted", () => {
    const staging = plan(logEndpoints, "changelog-staging-logs-").endpoints;
    expect(staging.map((e) => e.name)).toEqual(plan().endpoints.map((e) => e.name));
    expect(staging.find((e) => e.name === "episodes-podcast")!.bucket).toBe("changelog-staging-logs-podcast");
    expect(staging.every((e) => !e.bucket.startsWith("changelog-logs-"))).toBe(true);
    expect(() => plan(logEndpoints, "Bad Prefix/")).toThrow();
  });

  it("builds the API fields of an endpoint, with credentials and an optional domain", () => {
    const [first] = plan().endpoints;
    expect(endpointFields(first!, { ...aws, domain: "s3.us-east-1.amazonaws.com" })).toEqual({
      name: "episodes-podcast",
      bucket_name: "changelog-logs-podcast",
      path: "/",
      period: "3600",
      gzip_level: "0",
      message_type: "blank",
      placement: "none",
      timestamp_format: "%Y-%m-%dT%H:%M:%S.000",
      redundancy: "standard",
      access_key: aws.accessKey,
      secret_key: aws.secretKey,
      domain: "s3.us-east-1.amazonaws.com",
    });
  });

  it("compares with what Fastly returns (numbers as strings, secrets only when returned)", () => {
    const wanted = endpointFields(plan().endpoints[0]!, aws);
    const { access_key: _a, secret_key: _s, ...returned } = wanted;
    expect(differences(wanted, { ...returned, period: 3600, gzip_level: 0 })).toEqual([]);
    expect(differences(wanted, { ...returned, period: "60" })).toEqual(["period"]);
    expect(differences(wanted, { ...wanted, secret_key: "old" })).toEqual(["secret_key"]);
    expect(differences(wanted, { ...wanted, compression_codec: "gzip" })).toEqual(["compression_codec"]);
  });
});

describe("provisioning against the API", () => {
  it("creates every endpoint on a clone of the active version and validates it, leaving it inactive", async () => {
    const fake = new FakeFastly();
    const { result, lines } = run(fake);
    expect(await result).toMatchObject({ version: 8, created: plan().endpoints.map((e) => e.name), updated: [], activated: false });
    expect(fake.calls.slice(0, 3)).toEqual(["GET /service/SERVICE1", "GET /service/SERVICE1/version/7/logging/s3", "PUT /service/SERVICE1/version/7/clone"]);
    expect(fake.calls.at(-1)).toBe("GET /service/SERVICE1/version/8/validate");
    expect(fake.endpointsOf(7).size).toBe(0);
    expect([...fake.endpointsOf(8).values()].map((e) => [e.name, e.bucket_name, e.secret_key])).toEqual(
      plan().endpoints.map((e) => [e.name, e.bucket, aws.secretKey]),
    );
    expect(fake.versions.get(8)!.active).toBe(false);
    expect(lines.join("\n")).not.toMatch(new RegExp(`${aws.secretKey.replace(/[+/]/g, "\\$&")}|${aws.accessKey}|${token}`));
  });

  it("is idempotent: a second run finds everything in place and clones nothing", async () => {
    const fake = new FakeFastly();
    await run(fake, { activate: true }).result;
    const callsBefore = fake.calls.length;
    expect(await run(fake).result).toMatchObject({ version: null, created: [], updated: [], activated: false });
    expect(fake.calls.slice(callsBefore)).toEqual(["GET /service/SERVICE1", "GET /service/SERVICE1/version/8/logging/s3"]);
    expect(fake.versions.size).toBe(2);
  });

  it("updates only the endpoints that differ, by name, and clears a compression codec first", async () => {
    const fake = new FakeFastly();
    const planned = plan().endpoints;
    for (const e of planned) fake.endpointsOf(7).set(e.name, endpointFields(e, aws));
    fake.endpointsOf(7).set("feeds", { ...endpointFields(planned.find((e) => e.name === "feeds")!, aws), period: "60", compression_codec: "gzip" });
    fake.endpointsOf(7).set("requests", { ...fake.endpointsOf(7).get("requests")!, path: "/logs/" });
    const result = await run(fake).result;
    expect(result).toMatchObject({ version: 8, created: [], updated: ["feeds", "requests"] });
    expect(result.unchanged).toHaveLength(planned.length - 2);
    expect(fake.endpointsOf(8).get("feeds")).toMatchObject({ period: "3600", compression_codec: "", gzip_level: "0" });
    expect(fake.endpointsOf(8).get("requests")).toMatchObject({ path: "/" });
    expect(fake.endpointsOf(7).get("feeds")).toMatchObject({ period: "60" });
  });

  it("rewrites everything with --force (rotated credentials the API does not return)", async () => {
    const fake = new FakeFastly();
    for (const e of plan().endpoints) {
      const { secret_key: _s, access_key: _a, ...stored } = endpointFields(e, aws);
      fake.endpointsOf(7).set(e.name, stored);
    }
    expect((await run(fake).result).version).toBeNull();
    expect((await run(fake, { force: true }).result).updated).toHaveLength(plan().endpoints.length);
  });

  it("activates the new version only when asked", async () => {
    const fake = new FakeFastly();
    const { result, lines } = run(fake, { activate: true });
    expect(await result).toMatchObject({ version: 8, activated: true });
    expect(fake.calls.at(-1)).toBe("PUT /service/SERVICE1/version/8/activate");
    expect(lines.at(-1)).toBe("activated version 8");
  });

  it("stops before activating a version that does not validate", async () => {
    const fake = new FakeFastly();
    fake.validation = { status: "error", errors: ["bad bucket"] };
    await expect(run(fake, { activate: true }).result).rejects.toThrow(/does not validate.*bad bucket/);
    expect(fake.calls).not.toContain("PUT /service/SERVICE1/version/8/activate");
  });

  it("never shows a credential in an error, even one the API echoes back", async () => {
    const fake = new FakeFastly();
    const echoing = (async (input: string | URL | Request, init?: RequestInit) =>
      init?.method === "POST"
        ? new Response(`bad request: ${String(init.body)} key=${token}`, { status: 400 })
        : fake.fetch(input, init)) as typeof fetch;
    const message = await provision({ token, serviceId: "S", aws, fetch: echoing }).catch((e: Error) => e.message);
    expect(message).toMatch(/^POST \/service\/S\/version\/8\/logging\/s3: 400 bad request: name=episodes-podcast/);
    for (const secret of [token, aws.accessKey, aws.secretKey, encodeURIComponent(aws.secretKey)]) {
      expect(message).not.toContain(secret);
    }
  });
});

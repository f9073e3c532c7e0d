import { readFileSync } from "node:fs";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { appUploads, backendFor, origins } from "../../src/config/origins.js";
import { localManifest } from "../../scripts/local-edge.js";

const manifest = parse(readFileSync("fastly.toml", "utf8")) as any;

describe("fastly.toml", () => {
  it("declares a local backend for every origin, with the origin's Host and timeouts", () => {
    for (const origin of Object.values(origins)) {
      const local = manifest.local_server.backends[origin.name];
      expect(local, origin.name).toBeDefined();
      expect(local.override_host).toBe(origin.host);
      expect(local.first_byte_timeout_ms).toBe(origin.firstByteTimeout);
      expect(local.between_bytes_timeout_ms).toBe(origin.betweenBytesTimeout);
    }
  });

  it("sends app uploads through their own backend with the 300 s first-byte timeout", () => {
    const uploads = manifest.local_server.backends[appUploads.name];
    expect(uploads.first_byte_timeout_ms).toBe(appUploads.firstByteTimeout);
    expect(uploads.url).toBe(manifest.local_server.backends.app.url);
    expect(manifest.setup.backends[appUploads.name].address).toBe(origins.app.host);
    expect(backendFor("app", "POST")).toBe("app_uploads");
    expect(backendFor("app", "PUT")).toBe("app_uploads");
    expect(backendFor("app", "GET")).toBe("app");
    expect(backendFor("assets", "PUT")).toBe("assets");
  });

  it("is rewritten for tests with their ports and timeouts", () => {
    const ports = { app: 1, assets: 2, feeds: 3, nightly: 4, control: 5 };
    const rewritten = parse(localManifest(ports, { firstByteTimeoutMs: 2000 })) as any;
    expect(rewritten.local_server.backends.feeds.url).toBe("http://127.0.0.1:3");
    expect(rewritten.local_server.backends.app_uploads.url).toBe("http://127.0.0.1:1");
    expect(rewritten.local_server.backends.app.first_byte_timeout_ms).toBe(2000);
    expect(rewritten.local_server.backends.app.between_bytes_timeout_ms).toBe(origins.app.betweenBytesTimeout);
  });

  it("is its own shield by default: every shielding site is \"local\", and the shield token is a secret", () => {
    const sites = manifest.local_server.shielding_sites;
    expect(Object.keys(sites).length).toBeGreaterThan(0);
    for (const site of Object.values(sites)) expect(site).toBe("local");
    const rewritten = parse(localManifest({ app: 1, assets: 2, feeds: 3, nightly: 4, control: 5 })) as any;
    expect(rewritten.local_server.shielding_sites).toEqual(sites);
    expect(manifest.local_server.secret_stores.edge_secrets).toContainEqual({ key: "shield_token", env: "SHIELD_TOKEN" });
  });

  it("points the POP tier's shielding sites at the shield instance, in the one table form Viceroy accepts", () => {
    const ports = { app: 1, assets: 2, feeds: 3, nightly: 4, control: 5 };
    const pop = parse(localManifest(ports, {}, { url: "http://127.0.0.1:7705" })) as any;
    // viceroy-lib 0.22.0 src/shielding_site.rs: a table of exactly these two string keys.
    for (const name of Object.keys(manifest.local_server.shielding_sites)) {
      expect(pop.local_server.shielding_sites[name]).toEqual({ encrypted: "http://127.0.0.1:7705", unencrypted: "http://127.0.0.1:7705" });
    }
    expect(pop.local_server.shielding_sites["iad-va-us"]).toBeDefined();
    // Everything else is the shield's manifest: same backends, secrets, geolocation.
    const shield = parse(localManifest(ports)) as any;
    expect({ ...pop.local_server, shielding_sites: null }).toEqual({ ...shield.local_server, shielding_sites: null });
    expect(() => localManifest(ports, {}, { url: "https://127.0.0.1:7705/x" })).toThrow(/http:\/\/host:port/);
  });
});

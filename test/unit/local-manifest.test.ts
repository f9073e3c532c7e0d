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
});

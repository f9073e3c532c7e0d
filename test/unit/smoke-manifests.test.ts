// The deployment manifests agree with the origin table: what `fastly compute publish` creates
// for production (fastly.toml) and staging (fastly.staging.toml) is what src/config/origins.ts
// says the code talks to, under the names the code uses.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { appUploads, originNames, origins } from "../../src/config/origins.js";

interface Manifest {
  name: string;
  service_id?: unknown;
  scripts?: { build?: string };
  setup?: {
    backends?: Record<string, { address?: string; port?: number }>;
    secret_stores?: Record<string, { entries?: Record<string, unknown> }>;
    products?: { websockets?: { enable?: boolean } };
  };
}

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const read = (file: string) => parse(readFileSync(join(projectRoot, file), "utf8")) as unknown as Manifest;
const manifests = { production: read("fastly.toml"), staging: read("fastly.staging.toml") };

describe.each(Object.entries(manifests))("%s manifest", (_env, manifest) => {
  it("creates a backend for every backend name the code uses, and no other", () => {
    expect(Object.keys(manifest.setup?.backends ?? {}).sort()).toEqual([...originNames, appUploads.name].sort());
  });

  it("points each backend at its origin's production address over TLS", () => {
    for (const name of originNames) {
      expect(manifest.setup!.backends![name]).toMatchObject({ address: origins[name].host, port: origins[name].port });
    }
    const app = origins[appUploads.origin];
    expect(manifest.setup!.backends![appUploads.name]).toMatchObject({ address: app.host, port: app.port });
  });

  it("links the edge_secrets store with the purge and shield tokens and enables WebSockets", () => {
    expect(Object.keys(manifest.setup?.secret_stores?.edge_secrets?.entries ?? {})).toEqual(["purge_token", "shield_token"]);
    expect(manifest.setup?.products?.websockets?.enable).toBe(true);
  });

  it("builds with the project's build and names its service", () => {
    expect(manifest.scripts?.build).toBe("npm run build");
    expect(typeof manifest.service_id).toBe("string");
  });
});

it("gives staging its own package and service name", () => {
  expect(manifests.production.name).toBe("changelog-edge");
  expect(manifests.staging.name).toBe("changelog-edge-staging");
});

import { describe, expect, it } from "vitest";
import { siteAliases, siteFor, siteHosts } from "../../src/config/hosts.js";
import { originRouting } from "../../src/rules/origin-routing.js";
import { edgeRequest } from "./request.js";

describe("hosts", () => {
  it("knows each site by its production name", () => {
    for (const [site, host] of Object.entries(siteHosts)) expect(siteFor(host)).toBe(site);
  });

  it("knows the staging names as the same sites", () => {
    for (const [host, site] of Object.entries(siteAliases)) expect(siteFor(host)).toBe(site);
    expect(originRouting(edgeRequest("https://cdn.staging.changelog.com/uploads/a.mp3")).origin).toBe("assets");
    expect(originRouting(edgeRequest("https://nightly.staging.changelog.com/")).origin).toBe("nightly");
    expect(originRouting(edgeRequest("https://staging.changelog.com/podcast/feed")).origin).toBe("feeds");
  });

  it("serves any other host as the app", () => {
    expect(siteFor("127.0.0.1")).toBe("app");
    expect(siteFor("example.com")).toBe("app");
  });
});

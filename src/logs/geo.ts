// Where a client is, as plain data: the part of Fastly's geolocation record the logs use. The
// shell fills it from `event.client.geo`; every field may be unknown.

export interface ClientGeo {
  readonly city: string | null;
  readonly countryName: string | null;
  /** ISO 3166-1 alpha-2, e.g. "US". */
  readonly countryCode: string | null;
  /** Two-letter continent code, e.g. "NA", "EU". */
  readonly continent: string | null;
  /** ISO 3166-2 subdivision, e.g. "VA". */
  readonly region: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly asNumber: number | null;
  readonly asName: string | null;
}

export const unknownGeo: ClientGeo = {
  city: null,
  countryName: null,
  countryCode: null,
  continent: null,
  region: null,
  latitude: null,
  longitude: null,
  asNumber: null,
  asName: null,
};

/** Geolocation databases say "unknown" in several ways; all of them become null. */
export function knownText(value: string | null | undefined): string | null {
  if (typeof value !== "string") return null;
  const trimmed = value.trim();
  return trimmed === "" || trimmed === "?" || trimmed === "(null)" ? null : trimmed;
}

export function knownNumber(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

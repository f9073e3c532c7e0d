// Statuses whose responses never carry content (RFC 9110 §15.2, §15.3.5, §15.3.6, §15.4.5):
// the platform refuses a body for them ("Response body is given with a null body status"), so
// a stored one is served with a null body.

const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

/** Fetch's "null body status": 101, 103, 204, 205, 304. */
export function isNullBodyStatus(status: number): boolean {
  return nullBodyStatuses.has(status);
}

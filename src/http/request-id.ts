// X-Request-Id: the client's (or Fly's) id when it looks like one, else a new one; the same id
// goes to the origin and into the logs.

const acceptable = /^[A-Za-z0-9._:+\/=-]{1,128}$/;

export function requestIdFor(headers: Headers, fresh: () => string): string {
  for (const name of ["fly-request-id", "x-request-id"]) {
    const value = headers.get(name)?.trim();
    if (value && acceptable.test(value)) return value;
  }
  return fresh();
}

// The three timestamp spellings of the logs, all in UTC.

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const two = (n: number): string => String(n).padStart(2, "0");

/** Common Log Format, as the episode CSV has it: `[09/Aug/2024:18:23:17 +0000]`. */
export function clfTime(ms: number): string {
  const d = new Date(ms);
  return (
    `[${two(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000]`
  );
}

/** strftime `%Y-%m-%dT%H:%M:%S%z`, as the feed log has it: `2024-08-09T18:23:17+0000`. */
export function feedTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+0000`;
}

/** ISO 8601 with milliseconds, for the request log: `2024-08-09T18:23:17.042Z`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

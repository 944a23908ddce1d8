/**
 * A time as UTC ISO 8601 with milliseconds, or null if it is not a time. The journal stores,
 * filters and orders times as strings, which is only sound if every time is written this way.
 */
export function toIsoTime(value: string): string | null {
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? null : time.toISOString();
}

/**
 * A time as UTC ISO 8601 with milliseconds, or null if it is not a time. The journal stores,
 * filters and orders times as strings, which is only sound if every time is written this way.
 */
export function toIsoTime(value: string): string | null {
  // A statement's two events carry the same time, already in this form: the last such value is
  // remembered rather than parsed and printed again.
  if (value === lastCanonical) return value;
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) return null;
  const canonical = time.toISOString();
  if (canonical === value) lastCanonical = value;
  return canonical;
}

let lastCanonical = '';

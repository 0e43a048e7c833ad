/** Calendar helpers for the console's forms: dates typed in the program's time zone. */

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}$/;

/** Years a date typed in the console may have: "11/20/26" typed into a date field arrives as 0026. */
const FIRST_YEAR = 2000;

export function isDate(value: string): boolean {
  return (
    DATE.test(value) &&
    Number(value.slice(0, 4)) >= FIRST_YEAR &&
    !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
    new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)
  );
}

export function isTime(value: string): boolean {
  if (!TIME.test(value)) return false;
  const [h, m] = value.split(':').map(Number);
  return h! < 24 && m! < 60;
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetMs(zone: string, instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant a wall-clock date and time in `zone` names (the earlier one in a DST overlap). */
export function zonedInstant(date: string, time: string, zone: string): Date {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = (time || '00:00').split(':').map(Number);
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!);
  let guess = wall - offsetMs(zone, wall);
  guess = wall - offsetMs(zone, guess);
  return new Date(guess);
}

/** Today's date (YYYY-MM-DD) in `zone`. */
export function dateIn(zone: string, instant: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** A UTC day typed in a filter, as the instant it starts; `end` gives the start of the next day. */
export function utcDayStart(day: string, end = false): string {
  const start = Date.parse(`${day}T00:00:00.000Z`);
  return new Date(end ? start + 86_400_000 : start).toISOString();
}

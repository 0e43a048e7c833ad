import type { Category } from '../consent/categories';
import { ALL_STATE_ZONES, placeOf } from './nanp-area-codes';

/**
 * When a text may be sent: federal and state quiet hours and state daily limits, as data (one
 * row per jurisdiction with its citation), evaluated in the recipient's local time inferred from
 * the area code. Pure: the caller passes the instant and the recent sends.
 */
export interface Window {
  /** Local weekdays, 0 = Sunday. */
  days: readonly number[];
  /** Minutes after local midnight: [start, end). */
  start: number;
  end: number;
}

export interface Jurisdiction {
  id: string;
  name: string;
  citation: string;
  /** Which numbers: every US number, or those of these states (by area code). */
  states: readonly string[] | 'all';
  windows: readonly Window[];
  /** At most this many capped texts per rolling 24 hours. */
  dailyCap?: number;
}

const ALL_DAYS = [0, 1, 2, 3, 4, 5, 6];
const h = (hours: number) => hours * 60;

export const JURISDICTIONS: readonly Jurisdiction[] = [
  {
    id: 'US',
    name: 'TCPA quiet hours',
    citation: '47 CFR 64.1200(c)(1): no solicitation before 8am or after 9pm, recipient\'s local time',
    states: 'all',
    windows: [{ days: ALL_DAYS, start: h(8), end: h(21) }],
  },
  {
    id: 'US-FL',
    name: 'Florida Telephone Solicitation Act',
    citation: 'Fla. Stat. 501.059(8)(a), as amended by HB 761 (2023): 8am-8pm; 3 per 24 hours on the same subject',
    states: ['FL'],
    windows: [{ days: ALL_DAYS, start: h(8), end: h(20) }],
    dailyCap: 3,
  },
  {
    id: 'US-OK',
    name: 'Oklahoma Telephone Solicitation Act',
    citation: 'Okla. Stat. tit. 15, 775C.4 (from 1 Nov 2022): 8am-8pm; 3 per 24 hours',
    states: ['OK'],
    windows: [{ days: ALL_DAYS, start: h(8), end: h(20) }],
    dailyCap: 3,
  },
  {
    id: 'US-MD',
    name: 'Maryland Stop the Spam Calls Act',
    citation: 'Md. Code, Com. Law 14-4503 (from 1 Jan 2024): 8am-8pm; 3 per 24 hours on one subject',
    states: ['MD'],
    windows: [{ days: ALL_DAYS, start: h(8), end: h(20) }],
    dailyCap: 3,
  },
  {
    id: 'US-CT',
    name: 'Connecticut telephone solicitation (SB 1058)',
    citation: 'Conn. Gen. Stat. 42-288a, as amended by Public Act 23-98 (SB 1058, from 1 Oct 2023): texts are telephonic sales calls; 9am-8pm',
    states: ['CT'],
    windows: [{ days: ALL_DAYS, start: h(9), end: h(20) }],
  },
  {
    id: 'US-TX',
    name: 'Texas telephone solicitation (SB 140)',
    citation: 'Tex. Bus. & Com. Code 301.051, as amended by SB 140 (from 1 Sep 2025): Mon-Sat 9am-9pm, Sun noon-9pm',
    states: ['TX'],
    windows: [
      { days: [1, 2, 3, 4, 5, 6], start: h(9), end: h(21) },
      { days: [0], start: h(12), end: h(21) },
    ],
  },
];

export interface SendTimeOptions {
  /** QUIET_HOURS=off: the time windows do not apply (programs that are exempt). */
  quietHours: boolean;
  /** Whether transactional texts are held to the windows and daily limits (default: exempt). */
  transactionalExempt: boolean;
}

export interface LocalTime {
  zone: string;
  /** e.g. "Sun 07:59". */
  time: string;
}

export interface RuleResult {
  rule: string;
  jurisdiction: string;
  citation: string;
  passed: boolean;
  detail: string;
}

export interface SendTimeDecision {
  allowed: boolean;
  code: 'quiet_hours' | 'daily_cap' | null;
  /** The next instant at which it would be allowed (when refused). */
  retryAfter: Date | null;
  state: string | null;
  zones: readonly string[];
  localTimes: LocalTime[];
  jurisdictions: string[];
  rules: RuleResult[];
}

const formats = new Map<string, Intl.DateTimeFormat>();
/** A list check evaluates 10,000 numbers at one instant: the same few zones, formatted once each. */
const recentParts = new Map<string, { day: number; minutes: number; label: string }>();

function localParts(instant: Date, zone: string): { day: number; minutes: number; label: string } {
  const key = `${zone}|${Math.floor(instant.getTime() / 60_000)}`;
  const hit = recentParts.get(key);
  if (hit) return hit;
  const parts = computeLocalParts(instant, zone);
  if (recentParts.size >= 2_000) recentParts.clear();
  recentParts.set(key, parts);
  return parts;
}

function computeLocalParts(instant: Date, zone: string): { day: number; minutes: number; label: string } {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(zone, format);
  }
  const parts = format.formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const weekday = get('weekday');
  const hour = Number(get('hour'));
  const minute = Number(get('minute'));
  return {
    day: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(weekday),
    minutes: hour * 60 + minute,
    label: `${weekday} ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`,
  };
}

function inWindows(windows: readonly Window[], day: number, minutes: number): boolean {
  return windows.some((w) => w.days.includes(day) && minutes >= w.start && minutes < w.end);
}

const STEP_MS = 15 * 60 * 1000;
const HORIZON_MS = 8 * 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SendTimeInput {
  phone: string;
  category: Category;
  now: Date;
  /** When this number was sent capped texts in the last 24 hours (for the daily limits). */
  recentSends: readonly Date[];
  options: SendTimeOptions;
}

/** The jurisdictions and zones that apply to a number. */
export function placeRules(phone: string) {
  const place = placeOf(phone);
  const zones = place?.zones ?? ALL_STATE_ZONES;
  const jurisdictions = JURISDICTIONS.filter((j) => j.states === 'all' || (place && j.states.includes(place.state)));
  return { state: place?.state ?? null, zones, jurisdictions };
}

export function evaluateSendTime(input: SendTimeInput): SendTimeDecision {
  const { state, zones, jurisdictions } = placeRules(input.phone);
  const localTimes = zones.map((zone) => ({ zone, time: localParts(input.now, zone).label }));
  const base = { state, zones, localTimes, jurisdictions: jurisdictions.map((j) => j.id) };
  const exempt = input.category === 'transactional' && input.options.transactionalExempt;
  if (exempt) {
    return { ...base, allowed: true, code: null, retryAfter: null, rules: [{ rule: 'transactional exemption', jurisdiction: '-', citation: 'transactional texts are not solicitations (configurable)', passed: true, detail: 'exempt' }] };
  }

  const windowsAllowAt = (instant: Date) =>
    !input.options.quietHours ||
    zones.every((zone) => {
      const { day, minutes } = localParts(instant, zone);
      return jurisdictions.every((j) => inWindows(j.windows, day, minutes));
    });
  const cap = Math.min(...jurisdictions.map((j) => j.dailyCap ?? Infinity));
  const recent = input.recentSends.filter((t) => input.now.getTime() - t.getTime() < DAY_MS).sort((a, b) => a.getTime() - b.getTime());
  const capFreeAt = recent.length >= cap ? new Date(recent[recent.length - cap]!.getTime() + DAY_MS) : null;

  const rules: RuleResult[] = [];
  for (const j of jurisdictions) {
    const failing = zones.filter((zone) => {
      const { day, minutes } = localParts(input.now, zone);
      return !inWindows(j.windows, day, minutes);
    });
    rules.push({
      rule: `${j.name}: hours`,
      jurisdiction: j.id,
      citation: j.citation,
      passed: !input.options.quietHours || failing.length === 0,
      detail: !input.options.quietHours
        ? 'QUIET_HOURS=off'
        : failing.length === 0
          ? `inside the window in ${zones.join(', ')}`
          : `outside the window in ${failing.map((z) => `${z} (${localParts(input.now, z).label})`).join(', ')}`,
    });
    if (j.dailyCap !== undefined) {
      rules.push({
        rule: `${j.name}: ${j.dailyCap} per 24 hours`,
        jurisdiction: j.id,
        citation: j.citation,
        passed: recent.length < j.dailyCap,
        detail: `${recent.length} sent in the last 24 hours`,
      });
    }
  }

  const windowsOk = windowsAllowAt(input.now);
  const capOk = capFreeAt === null;
  if (windowsOk && capOk) return { ...base, allowed: true, code: null, retryAfter: null, rules };

  // The next instant both hold: from the later of now and the cap's release, on the quarter hour.
  let candidate = new Date(Math.max(input.now.getTime(), capFreeAt?.getTime() ?? 0));
  if (!windowsAllowAt(candidate)) {
    candidate = new Date(Math.ceil(candidate.getTime() / STEP_MS) * STEP_MS);
    const limit = candidate.getTime() + HORIZON_MS;
    while (!windowsAllowAt(candidate) && candidate.getTime() < limit) candidate = new Date(candidate.getTime() + STEP_MS);
  }
  return { ...base, allowed: false, code: windowsOk ? 'daily_cap' : 'quiet_hours', retryAfter: candidate, rules };
}

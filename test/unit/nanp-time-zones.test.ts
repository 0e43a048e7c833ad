import { readFileSync } from 'node:fs';
import path from 'node:path';
import { knownAreaCodes, placeOf } from '../../src/send-time/nanp-area-codes';
import { evaluateSendTime } from '../../src/send-time/rules';

/**
 * The area-code table checked against data nobody in this project wrote: libphonenumber's own
 * time-zone map (release v9.0.34, fixtures/libphonenumber-nanp-timezones.txt). For every US and
 * territory area code and every exchange (NXX 200-999), each zone the map gives must be covered by
 * a zone of the table, or be listed below with the reason the table differs.
 */
const FIXTURE = path.join(__dirname, '../../fixtures/libphonenumber-nanp-timezones.txt');
const text = readFileSync(FIXTURE, 'utf8');
const MAP = new Map(
  text
    .split('\n')
    .filter((line) => /^1\d/.test(line))
    .map((line) => {
      const [prefix, zones] = line.split('|');
      return [prefix!, zones!.trim().split('&')] as const;
    }),
);

/** The map's entry for one exchange: the longest matching prefix, as libphonenumber reads it. */
function mapEntry(npa: number, nxx: string): { prefix: string; zones: readonly string[] } | undefined {
  for (let digits = 3; digits >= 0; digits--) {
    const prefix = `1${npa}${nxx.slice(0, digits)}`;
    const zones = MAP.get(prefix);
    if (zones) return { prefix, zones };
  }
  return undefined;
}
const mapZones = (npa: number, nxx: string) => mapEntry(npa, nxx)?.zones;

/**
 * Two zone names are the same local time if their UTC offsets agree on every day of 2026 and
 * 2027 (America/Juneau and America/Anchorage, America/Indiana/Indianapolis and America/New_York).
 */
const signatures = new Map<string, string>();
function offsetsOf(zone: string): string {
  let signature = signatures.get(zone);
  if (signature === undefined) {
    const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    const offsets: string[] = [];
    for (let t = Date.UTC(2026, 0, 1, 12); t < Date.UTC(2028, 0, 1); t += 24 * 60 * 60 * 1000) {
      offsets.push(format.formatToParts(t).find((p) => p.type === 'timeZoneName')!.value);
    }
    signature = offsets.join(',');
    signatures.set(zone, signature);
  }
  return signature;
}
const covers = (tableZones: readonly string[], zone: string) => tableZones.some((z) => offsetsOf(z) === offsetsOf(zone));

/** Where the table knowingly differs from the map: the map's prefix (without the 1), its zone, why. */
const KNOWN_DIFFERENCES: readonly { where: string; mapZone: string; reason: string }[] = [
  {
    where: '689',
    mapZone: 'America/Chicago',
    reason:
      'NANPA: 689 is the overlay of 407 and 321 (Orlando; Orange, Osceola, Seminole, Brevard counties), all Eastern, ' +
      'and the map gives 407 and 321 America/New_York. Its 689 line was added in 2019 (release 8.10.19), when the ' +
      'code came into service, while the map is built from 2018 statistics: no data stood behind it.',
  },
];

/** Area codes the map does not know (it is built from 2018 statistics): checked against the code they overlay. */
const NEWER_THAN_THE_MAP: Readonly<Record<number, { overlays: number; reason: string }>> = {
  436: { overlays: 440, reason: 'overlay of 440 (north-east Ohio), in service 2023' },
  624: { overlays: 716, reason: 'overlay of 716 (Buffalo, western New York), in service 2023' },
  679: { overlays: 313, reason: 'overlay of 313 (Detroit), in service 2024' },
  837: { overlays: 209, reason: 'overlay of 209 (California Central Valley), in service 2024' },
  861: { overlays: 815, reason: 'overlay of 815 and 779 (northern Illinois), in service 2025' },
  924: { overlays: 507, reason: 'overlay of 507 (southern Minnesota), in service 2025' },
};

const EXCHANGES = Array.from({ length: 800 }, (_, i) => String(200 + i));

describe('area-code time zones against libphonenumber v9.0.34', () => {
  it('the fixture names its source, release and licence and holds the NANP map', () => {
    expect(text).toContain('https://github.com/google/libphonenumber');
    expect(text).toContain('resources/timezones/map_data.txt');
    expect(text).toContain('v9.0.34');
    expect(text).toContain('Apache License 2.0');
    expect(MAP.size).toBeGreaterThan(2000);
    expect(MAP.get('1212')).toEqual(['America/New_York']);
  });

  it('compares zones by their offsets', () => {
    expect(covers(['America/Anchorage'], 'America/Juneau')).toBe(true);
    expect(covers(['America/Indiana/Indianapolis'], 'America/New_York')).toBe(true);
    expect(covers(['America/Adak'], 'Pacific/Honolulu')).toBe(false); // Adak keeps daylight saving time
    expect(covers(['America/Phoenix'], 'America/Denver')).toBe(false);
  });

  it("every US and territory area code's zones cover the map's zones for all its exchanges, except the listed differences", () => {
    const uncovered = new Map<string, Set<string>>();
    const unmapped: number[] = [];
    for (const npa of knownAreaCodes()) {
      if (!MAP.has(`1${npa}`) && !EXCHANGES.every((nxx) => mapZones(npa, nxx))) {
        unmapped.push(npa);
        continue;
      }
      for (const nxx of EXCHANGES) {
        const tableZones = placeOf(`+1${npa}${nxx}0123`)!.zones;
        const { prefix, zones } = mapEntry(npa, nxx)!;
        for (const zone of zones) {
          if (!covers(tableZones, zone)) uncovered.set(`${prefix.slice(1)} ${zone}`, (uncovered.get(`${prefix.slice(1)} ${zone}`) ?? new Set()).add(nxx));
        }
      }
    }
    // Exactly the listed differences remain: a fixed one must leave the list too.
    expect([...uncovered.keys()].sort()).toEqual(KNOWN_DIFFERENCES.map((d) => `${d.where} ${d.mapZone}`).sort());
    for (const d of KNOWN_DIFFERENCES) expect(d.reason.length).toBeGreaterThan(40);
    expect(unmapped.sort()).toEqual(Object.keys(NEWER_THAN_THE_MAP).map(Number).sort());
  });

  it('an area code newer than the map has the zones the map gives the code it overlays', () => {
    for (const [npa, { overlays }] of Object.entries(NEWER_THAN_THE_MAP)) {
      expect(placeOf(`+1${overlays}5550123`)!.state).toBe(placeOf(`+1${npa}5550123`)!.state);
      for (const nxx of EXCHANGES) {
        const tableZones = placeOf(`+1${npa}${nxx}0123`)!.zones;
        for (const zone of mapZones(overlays, nxx)!) expect([npa, nxx, zone, covers(tableZones, zone)]).toEqual([npa, nxx, zone, true]);
      }
    }
  });

  it('the four differences the comparison found are fixed (865, 219, 907-581; 689 stays Eastern)', () => {
    expect(placeOf('+18655550123')!.zones).toEqual(['America/New_York']);
    expect(placeOf('+12195550123')!.zones).toEqual(['America/Chicago', 'America/Indiana/Indianapolis']);
    expect(placeOf('+19075810123')).toEqual({ state: 'AK', zones: ['America/Anchorage', 'Pacific/Honolulu'] });
    expect(placeOf('+19075550123')!.zones).toEqual(['America/Anchorage', 'America/Adak']);
    expect(placeOf('+16895550123')!.zones).toEqual(['America/New_York']);

    const options = { quietHours: true, transactionalExempt: true };
    const marketing = (phone: string, iso: string) => evaluateSendTime({ phone, category: 'marketing', now: new Date(iso), recentSends: [], options });
    // 21:30 in Knoxville (EST, UTC-5): refused; it passed when the table said Central (20:30).
    expect(marketing('+18655550123', '2026-11-26T02:30:00Z')).toMatchObject({ allowed: false, code: 'quiet_hours' });
    // 20:30 in Gary (CST) is 21:30 in the Eastern counties of 219: refused; it passed before.
    expect(marketing('+12195550123', '2026-11-26T02:30:00Z')).toMatchObject({ allowed: false, code: 'quiet_hours' });
    expect(marketing('+12195550123', '2026-11-25T16:00:00Z').allowed).toBe(true);
    // 15 July 2026, 17:30Z: 09:30 in Anchorage (AKDT), 07:30 in Honolulu: refused for Unalaska only.
    expect(marketing('+19075810123', '2026-07-15T17:30:00Z')).toMatchObject({ allowed: false, code: 'quiet_hours', retryAfter: new Date('2026-07-15T18:00:00Z') });
    expect(marketing('+19075550123', '2026-07-15T17:30:00Z').allowed).toBe(true);
  });
});

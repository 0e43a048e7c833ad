import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { knownAreaCodes, NON_GEOGRAPHIC, placeOf } from '../../src/send-time/nanp-area-codes';
import { evaluateSendTime, JURISDICTIONS, type SendTimeInput } from '../../src/send-time/rules';

const options = { quietHours: true, transactionalExempt: true };
const at = (phone: string, iso: string, extra: Partial<SendTimeInput> = {}) =>
  evaluateSendTime({ phone, category: 'marketing', now: new Date(iso), recentSends: [], options, ...extra });

describe('area-code data', () => {
  it('covers every US area code libphonenumber-js knows (geographic ones with a state)', () => {
    const known = new Set(knownAreaCodes());
    const missing: number[] = [];
    for (let npa = 200; npa <= 999; npa++) {
      for (const exchange of ['234', '555', '456', '789', '321']) {
        const parsed = parsePhoneNumberFromString(`+1${npa}${exchange}4567`);
        if (parsed?.isValid()) {
          if (['US', 'PR', 'GU', 'VI', 'MP', 'AS'].includes(parsed.country ?? '') && !known.has(npa) && !NON_GEOGRAPHIC.has(npa)) missing.push(npa);
          break;
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('places territories and split codes', () => {
    expect(placeOf('+17875550123')).toMatchObject({ state: 'PR', zones: ['America/Puerto_Rico'] });
    expect(placeOf('+16715550123')).toMatchObject({ state: 'GU', zones: ['Pacific/Guam'] });
    expect(placeOf('+13405550123')?.state).toBe('VI');
    expect(placeOf('+16705550123')?.state).toBe('MP');
    expect(placeOf('+16845550123')?.state).toBe('AS');
    expect(placeOf('+18505550123')?.zones).toEqual(['America/Chicago', 'America/New_York']);
    expect(placeOf('+19155550123')).toMatchObject({ state: 'TX', zones: ['America/Denver'] });
    expect(placeOf('+18005550123')).toBeUndefined();
  });

  it('every jurisdiction carries a citation, and windows are sane', () => {
    for (const j of JURISDICTIONS) {
      expect(j.citation.length).toBeGreaterThan(10);
      for (const w of j.windows) expect(w.start).toBeLessThan(w.end);
    }
  });
});

describe('evaluateSendTime', () => {
  it('federal quiet hours: 8:00-21:00 local, 21:00 excluded', () => {
    // New York, EST (UTC-5)
    expect(at('+12125550123', '2026-11-25T12:59:00Z')).toMatchObject({ allowed: false, code: 'quiet_hours', retryAfter: new Date('2026-11-25T13:00:00Z') });
    expect(at('+12125550123', '2026-11-25T13:00:00Z').allowed).toBe(true);
    expect(at('+12125550123', '2026-11-26T01:59:00Z').allowed).toBe(true);
    expect(at('+12125550123', '2026-11-26T02:00:00Z')).toMatchObject({ code: 'quiet_hours', retryAfter: new Date('2026-11-26T13:00:00Z') });
  });

  it('follows daylight saving time (New York, 8 March 2026)', () => {
    expect(at('+12125550123', '2026-03-07T12:30:00Z')).toMatchObject({ allowed: false, retryAfter: new Date('2026-03-07T13:00:00Z') });
    expect(at('+12125550123', '2026-03-08T12:30:00Z').allowed).toBe(true); // 08:30 EDT
    expect(at('+12125550123', '2026-03-08T11:30:00Z')).toMatchObject({ allowed: false, retryAfter: new Date('2026-03-08T12:00:00Z') });
  });

  it('Texas: Sunday from noon, Monday to Saturday from 9:00', () => {
    // Sunday 29 November 2026, Dallas (CST, UTC-6)
    expect(at('+12145550123', '2026-11-29T17:00:00Z')).toMatchObject({ allowed: false, code: 'quiet_hours', retryAfter: new Date('2026-11-29T18:00:00Z') });
    expect(at('+12145550123', '2026-11-29T18:00:00Z').allowed).toBe(true);
    expect(at('+12145550123', '2026-11-28T14:59:00Z').allowed).toBe(false); // Saturday 08:59
    expect(at('+12145550123', '2026-11-28T15:00:00Z').allowed).toBe(true);
    expect(at('+12145550123', '2026-11-28T15:00:00Z').jurisdictions).toEqual(['US', 'US-TX']);
  });

  it('a Guam number at 7:59 and at 8:00 (UTC+10)', () => {
    expect(at('+16715550123', '2026-11-25T21:59:00Z')).toMatchObject({ allowed: false, retryAfter: new Date('2026-11-25T22:00:00Z') });
    expect(at('+16715550123', '2026-11-25T22:00:00Z').allowed).toBe(true);
    expect(at('+16715550123', '2026-11-25T22:00:00Z').localTimes).toEqual([{ zone: 'Pacific/Guam', time: 'Thu 08:00' }]);
  });

  it('an area code spanning two zones uses the window allowed in both (850: Central and Eastern)', () => {
    // 13:30Z = 08:30 Eastern but 07:30 Central
    const early = at('+18505550123', '2026-11-25T13:30:00Z');
    expect(early).toMatchObject({ allowed: false, code: 'quiet_hours', retryAfter: new Date('2026-11-25T14:00:00Z') });
    // Florida ends at 20:00: 01:00Z = 20:00 Eastern, 19:00 Central
    expect(at('+18505550123', '2026-11-26T00:59:00Z').allowed).toBe(true);
    expect(at('+18505550123', '2026-11-26T01:00:00Z').allowed).toBe(false);
  });

  it('Florida, Oklahoma and Maryland: 8:00-20:00 and at most 3 per rolling 24 hours', () => {
    // 01:00Z is 20:00 in Miami, Baltimore (Eastern) and 19:00 in Oklahoma City (Central)
    expect(at('+13055550123', '2026-11-26T00:59:00Z').allowed).toBe(true);
    expect(at('+13055550123', '2026-11-26T01:00:00Z')).toMatchObject({ allowed: false, code: 'quiet_hours', jurisdictions: ['US', 'US-FL'] });
    expect(at('+14105550123', '2026-11-26T01:00:00Z')).toMatchObject({ allowed: false, jurisdictions: ['US', 'US-MD'] });
    expect(at('+14055550123', '2026-11-26T02:00:00Z')).toMatchObject({ allowed: false, jurisdictions: ['US', 'US-OK'] });
    expect(at('+12125550123', '2026-11-26T01:00:00Z').allowed).toBe(true); // New York: federal hours only
  });

  it('Connecticut (Public Act 23-98): 9:00-20:00 local on every area code of the state, winter and summer', () => {
    for (const npa of ['203', '475', '860', '959']) {
      const phone = `+1${npa}5550123`;
      // Wednesday 25 November 2026, EST (UTC-5)
      expect(at(phone, '2026-11-25T13:30:00Z')).toMatchObject({ allowed: false, code: 'quiet_hours', retryAfter: new Date('2026-11-25T14:00:00Z'), state: 'CT', jurisdictions: ['US', 'US-CT'] }); // 08:30
      expect(at(phone, '2026-11-25T14:00:00Z').allowed).toBe(true); // 09:00
      expect(at(phone, '2026-11-26T00:59:00Z').allowed).toBe(true); // 19:59
      expect(at(phone, '2026-11-26T01:00:00Z').allowed).toBe(false); // 20:00
      expect(at(phone, '2026-11-26T01:30:00Z')).toMatchObject({ allowed: false, code: 'quiet_hours', retryAfter: new Date('2026-11-26T14:00:00Z') }); // 20:30
      // Wednesday 15 July 2026, EDT (UTC-4)
      expect(at(phone, '2026-07-15T12:30:00Z').allowed).toBe(false); // 08:30
      expect(at(phone, '2026-07-15T13:00:00Z').allowed).toBe(true); // 09:00
      expect(at(phone, '2026-07-15T23:59:00Z').allowed).toBe(true); // 19:59
      expect(at(phone, '2026-07-16T00:30:00Z').allowed).toBe(false); // 20:30
    }
    const ct = JURISDICTIONS.find((j) => j.id === 'US-CT')!;
    expect(ct.citation).toMatch(/Public Act 23-98/);
    expect(ct.windows).toEqual([{ days: [0, 1, 2, 3, 4, 5, 6], start: 9 * 60, end: 20 * 60 }]);
  });

  it('the daily limit refuses the fourth and says when the first leaves the 24 hours', () => {
    const sends = ['2026-11-25T14:00:00Z', '2026-11-25T15:00:00Z', '2026-11-25T16:00:00Z'].map((t) => new Date(t));
    const d = at('+14055550123', '2026-11-25T18:00:00Z', { recentSends: sends }); // Oklahoma City
    expect(d).toMatchObject({ allowed: false, code: 'daily_cap', retryAfter: new Date('2026-11-26T14:00:00Z') });
    expect(at('+14055550123', '2026-11-25T18:00:00Z', { recentSends: sends.slice(1) }).allowed).toBe(true);
    expect(at('+12125550123', '2026-11-25T18:00:00Z', { recentSends: [...sends, ...sends] }).allowed).toBe(true); // no NY limit
  });

  it('transactional texts are exempt unless configured otherwise; QUIET_HOURS=off lifts the windows', () => {
    expect(at('+12125550123', '2026-11-25T08:00:00Z', { category: 'transactional' }).allowed).toBe(true);
    expect(at('+12125550123', '2026-11-25T08:00:00Z', { category: 'transactional', options: { quietHours: true, transactionalExempt: false } }).allowed).toBe(false);
    expect(at('+12125550123', '2026-11-25T08:00:00Z', { options: { quietHours: false, transactionalExempt: true } }).allowed).toBe(true);
  });

  it('a toll-free or unknown number gets the window allowed in every US zone', () => {
    expect(at('+18005550123', '2026-11-25T17:59:00Z')).toMatchObject({ allowed: false, retryAfter: new Date('2026-11-25T18:00:00Z') }); // 08:00 Hawaii
    expect(at('+18005550123', '2026-11-25T18:00:00Z').allowed).toBe(true);
    expect(at('+18005550123', '2026-11-26T02:00:00Z').allowed).toBe(false); // 21:00 Eastern
  });

  it('retryAfter is always an instant at which the send is allowed (property)', () => {
    const phones = ['+12125550123', '+12145550123', '+18505550123', '+16715550123', '+19075550123', '+18085550123', '+14055550123', '+19285550123', '+18005550123', '+17875550123'];
    fc.assert(
      fc.property(fc.constantFrom(...phones), fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 31) }), (phone, ms) => {
        const d = at(phone, new Date(ms).toISOString());
        if (d.allowed) return d.retryAfter === null;
        return d.retryAfter!.getTime() > ms && at(phone, d.retryAfter!.toISOString()).allowed;
      }),
      { numRuns: 300 },
    );
  });
});

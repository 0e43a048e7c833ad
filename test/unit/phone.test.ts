import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { parsePhone, prefixDeterminedRegions, PREFIX_DETERMINED_REGIONS } from '../../src/phone';

/** libphonenumber itself, with nothing remembered. */
function direct(input: string) {
  const parsed = parsePhoneNumberFromString(input, 'US');
  return parsed?.isValid() ? { e164: parsed.number, country: parsed.country ?? null } : undefined;
}

// A fixed-seed generator, so a failure names numbers that reproduce it.
function random(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

describe('phone numbers', () => {
  it('reads the usual formats and refuses what is not a number', () => {
    expect(parsePhone('(415) 555-2671')).toEqual({ e164: '+14155552671', country: 'US' });
    expect(parsePhone('+1 (111) 555-2671')).toBeUndefined(); // no area code starts with 1
    expect(parsePhone('tel:+1 787 555 2671')).toEqual({ e164: '+17875552671', country: 'PR' });
    expect(parsePhone('+44 20 7946 0018')).toEqual({ e164: '+442079460018', country: 'GB' });
    expect(parsePhone('12345')).toBeUndefined();
    expect(parsePhone('')).toBeUndefined();
  });

  it('knows which North American regions are decided by area code and exchange alone', () => {
    for (const region of ['US', 'CA', 'PR', 'GU', 'VI', 'AS', 'MP']) expect(PREFIX_DETERMINED_REGIONS.has(region)).toBe(true);
    // Their metadata has patterns that read the seventh digit.
    for (const region of ['BB', 'JM']) expect(PREFIX_DETERMINED_REGIONS.has(region)).toBe(false);
  });

  it('uses no prefix at all if a region with longer patterns is not picked out by short leading digits', () => {
    const region = (leading: string | 0, pattern: string) => [1, '011', '', [10], [], '1', 0, 0, 0, 0, leading, [[pattern]]];
    const free = region(0, '[2-9]\\d{2}[2-9]\\d{6}');
    const deep = (leading: string | 0) => region(leading, '8766060\\d{3}');
    const meta = (leading: string | 0) => ({ country_calling_codes: { '1': ['US', 'JM'] }, countries: { US: free, JM: deep(leading) } });
    expect([...prefixDeterminedRegions(meta('876'))]).toEqual(['US']);
    expect([...prefixDeterminedRegions(meta(0))]).toEqual([]);
    expect([...prefixDeterminedRegions(meta('8\\d{6}'))]).toEqual([]);
  });

  it('answers exactly as libphonenumber for every area code, exchange by exchange', () => {
    const next = random(20261125);
    const digit = () => String(Math.floor(next() * 10));
    let compared = 0;
    for (let area = 200; area <= 999; area++) {
      for (let k = 0; k < 5; k++) {
        const exchange = `${2 + Math.floor(next() * 8)}${digit()}${digit()}`;
        // Several numbers of one exchange: the first teaches the prefix cache, the rest use it.
        for (let j = 0; j < 3; j++) {
          const input = `+1${area}${exchange}${digit()}${digit()}${digit()}${digit()}`;
          expect({ input, result: parsePhone(input) }).toEqual({ input, result: direct(input) });
          compared += 1;
        }
      }
    }
    expect(compared).toBe(800 * 5 * 3);
  });

  it('Jamaica and Barbados numbers are each read in full', () => {
    // In 876-606, only 876-6060 is a valid block: a valid number must not vouch for its exchange.
    const jamaica = ['+18766060123', '+18766061234', '+18766069999'];
    for (const input of jamaica) expect(parsePhone(input)).toEqual(direct(input));
    const barbados = ['+12465210123', '+12465211234', '+12465219999', '+12465215555'];
    for (const input of barbados) expect(parsePhone(input)).toEqual(direct(input));
  });
});

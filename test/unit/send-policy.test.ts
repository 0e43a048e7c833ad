import fc from 'fast-check';
import { CATEGORIES, type Category } from '../../src/consent/categories';
import type { ConsentStatus } from '../../src/db/tables/consent-event';
import { capMonth, decideSend, hasStopInstruction, withOptOutLanguage, type SendPolicyInput } from '../../src/sending/policy';

const base: SendPolicyInput = {
  suppressed: false,
  pendingReview: false,
  status: 'opted_in',
  categories: ['marketing', 'informational', 'transactional'],
  category: 'marketing',
  capUsed: 0,
  cap: 8,
  capCategories: ['marketing', 'informational'],
};

describe('decideSend', () => {
  it('allows an opted-in number with slots left, counting the slot', () => {
    expect(decideSend(base)).toEqual({ allowed: true, countsTowardCap: true, capRemainingAfter: 7 });
  });

  it.each(CATEGORIES)('an opt-out blocks %s', (category) => {
    expect(decideSend({ ...base, status: 'opted_out', category })).toMatchObject({ allowed: false, code: 'opted_out' });
  });

  it('an erased (suppressed) number is refused as opted out whatever the state', () => {
    expect(decideSend({ ...base, suppressed: true })).toMatchObject({ allowed: false, code: 'opted_out' });
  });

  it('a pending review holds every send, after an opt-out and before consent', () => {
    expect(decideSend({ ...base, pendingReview: true })).toMatchObject({ allowed: false, code: 'pending_review' });
    expect(decideSend({ ...base, pendingReview: true, status: 'opted_out' })).toMatchObject({ code: 'opted_out' });
    expect(decideSend({ ...base, pendingReview: true, category: 'transactional' })).toMatchObject({ code: 'pending_review' });
  });

  it('no consent for unknown numbers or uncovered categories', () => {
    expect(decideSend({ ...base, status: 'unknown', categories: [] })).toMatchObject({ code: 'no_consent' });
    expect(decideSend({ ...base, categories: ['transactional'] })).toMatchObject({ code: 'no_consent' });
  });

  it('the cap refuses at the limit, and only for capped categories', () => {
    expect(decideSend({ ...base, capUsed: 7 })).toMatchObject({ allowed: true, capRemainingAfter: 0 });
    expect(decideSend({ ...base, capUsed: 8 })).toMatchObject({ allowed: false, code: 'frequency_cap' });
    expect(decideSend({ ...base, capUsed: 99, category: 'transactional' })).toEqual({ allowed: true, countsTowardCap: false, capRemainingAfter: null });
  });

  it('opt-out is checked before consent, consent before the cap', () => {
    expect(decideSend({ ...base, status: 'opted_out', categories: [], capUsed: 99 })).toMatchObject({ code: 'opted_out' });
    expect(decideSend({ ...base, categories: ['transactional'], capUsed: 99 })).toMatchObject({ code: 'no_consent' });
  });

  it('never allows an opted-out or suppressed number, whatever else holds (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<ConsentStatus>('opted_in', 'opted_out', 'unknown'),
        fc.boolean(),
        fc.subarray([...CATEGORIES]),
        fc.constantFrom<Category>(...CATEGORIES),
        fc.nat(20),
        fc.integer({ min: 1, max: 20 }),
        (status, suppressed, categories, category, capUsed, cap) => {
          const d = decideSend({ ...base, status, suppressed, categories, category, capUsed, cap });
          if (status === 'opted_out' || suppressed) return !d.allowed && d.code === 'opted_out';
          if (d.allowed) return status === 'opted_in' && categories.includes(category) && (!['marketing', 'informational'].includes(category) || capUsed < cap);
          return true;
        },
      ),
    );
  });
});

describe('opt-out language', () => {
  it.each([
    'Reply STOP to opt out',
    'reply stop to unsubscribe',
    'Text STOP to end',
    'Txt STOP 2 quit',
    'Reply "STOP" to cancel',
    'Send STOP to unsubscribe',
    'STOP to opt-out',
    'Reply END to stop receiving',
  ])('%j is a STOP instruction', (body) => {
    expect(hasStopInstruction(`Sale today! ${body}`)).toBe(true);
  });

  it.each(["Don't stop believing", 'Stop by our spa today', 'Nonstop deals', 'The end of summer sale'])('%j is not', (body) => {
    expect(hasStopInstruction(body)).toBe(false);
  });

  it('is appended to marketing only, once', () => {
    expect(withOptOutLanguage('Sale! ', 'marketing', ' Reply STOP to opt out.')).toBe('Sale! Reply STOP to opt out.');
    expect(withOptOutLanguage('Sale! Reply STOP to opt out.', 'marketing', ' Reply STOP to opt out.')).toBe('Sale! Reply STOP to opt out.');
    expect(withOptOutLanguage('Your appointment', 'transactional', ' Reply STOP to opt out.')).toBe('Your appointment');
  });
});

describe('capMonth', () => {
  it.each([
    ['2026-12-01T04:59:59.999Z', 'America/New_York', '2026-11'],
    ['2026-12-01T05:00:00.000Z', 'America/New_York', '2026-12'],
    ['2027-01-01T07:59:59.000Z', 'America/Los_Angeles', '2026-12'],
    ['2026-03-01T00:30:00.000Z', 'UTC', '2026-03'],
    ['2026-02-28T14:00:00.000Z', 'Pacific/Guam', '2026-03'],
  ])('%s in %s is %s', (iso, zone, month) => {
    expect(capMonth(new Date(iso), zone)).toBe(month);
  });
});

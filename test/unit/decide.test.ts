import type { Category } from '../../src/consent/categories';
import type { ConsentStatus } from '../../src/db/tables/consent-event';
import { decideInbound, type AdvancedOptOutType } from '../../src/inbound/decide';
import { classifyInbound } from '../../src/keywords/keyword-engine';
import { programMessages } from '../../src/program/messages';

const messages = programMessages({ name: 'Acme', helpContact: 'help@acme.test', frequencyCapPerMonth: 8 });

function decide(
  text: string,
  status: ConsentStatus,
  options: {
    categories?: Category[];
    advanced?: AdvancedOptOutType;
    helpToday?: number;
    optInConfirmationsToday?: number;
    reviewPolicy?: 'suppress' | 'opt_out' | 'ignore';
  } = {},
) {
  return decideInbound({
    classification: classifyInbound(text),
    advancedOptOutType: options.advanced ?? null,
    current: { status, categories: options.categories ?? (status === 'unknown' ? [] : ['marketing', 'transactional']) },
    helpRepliesInLastDay: options.helpToday ?? 0,
    helpRepliesPerDay: 3,
    optInConfirmationsInLastDay: options.optInConfirmationsToday ?? 0,
    optInConfirmationsPerDay: 3,
    messages,
    reviewPolicy: options.reviewPolicy ?? 'suppress',
  });
}

describe('decideInbound', () => {
  describe('opt-out', () => {
    it.each<ConsentStatus>(['opted_in', 'unknown'])('from %s: opts out and confirms once', (status) => {
      const d = decide('STOP', status);
      expect(d.consentChange).toMatchObject({ eventType: 'opt_out', status: 'opted_out', channel: 'sms_keyword', keyword: 'STOP' });
      expect(d.reply).toEqual({ kind: 'opt_out_confirmation', text: messages.optOutConfirmation });
    });

    it('keeps the categories held, so a later START restores them', () => {
      expect(decide('STOP', 'opted_in').consentChange?.categories).toEqual(['marketing', 'transactional']);
    });

    it('a repeat opt-out is recorded but not confirmed again', () => {
      const d = decide('quit', 'opted_out');
      expect(d.consentChange).toMatchObject({ eventType: 'opt_out', reason: 'repeat_opt_out' });
      expect(d.reply).toBeNull();
    });

    it('Twilio Advanced Opt-Out: recorded on its channel, no reply of ours', () => {
      const d = decide('stop', 'opted_in', { advanced: 'STOP' });
      expect(d.consentChange).toMatchObject({ eventType: 'opt_out', channel: 'twilio_advanced_opt_out' });
      expect(d.reply).toBeNull();
    });

    it("Twilio's OptOutType wins even over a text we do not recognise", () => {
      const d = decide('arrêtez svp', 'opted_in', { advanced: 'STOP' });
      expect(d.consentChange?.eventType).toBe('opt_out');
    });
  });

  describe('opt-in', () => {
    it('after an opt-out: back to opted in with the categories held before', () => {
      const d = decide('START', 'opted_out', { categories: ['transactional'] });
      expect(d.consentChange).toMatchObject({ eventType: 'opt_in', status: 'opted_in', categories: ['transactional'], reason: 'resubscribe' });
      expect(d.reply).toEqual({ kind: 'opt_in_confirmation', text: messages.optInConfirmation });
    });

    it.each(['UNSTOP', 'Subscribe', 'resubscribe', 'opt in', 'Start!'])('%s after an opt-out resubscribes', (text) => {
      expect(decide(text, 'opted_out').consentChange).toMatchObject({ eventType: 'opt_in', reason: 'resubscribe' });
    });

    // A false opt-in is a text sent without consent: words that answer other questions do not re-subscribe.
    it.each(['yes', 'YES!', 'resume', 'JOIN', 'alta', 'Comenzar'])('%s after an opt-out changes nothing and gets no reply', (text) => {
      const d = decide(text, 'opted_out');
      expect(d.consentChange).toBeNull();
      expect(d.reply).toBeNull();
      expect(d.note).toMatch(/does not re-subscribe/);
    });

    it.each(['START', 'YES', 'UNSTOP'])('%s while opted in changes nothing and gets no reply', (text) => {
      const d = decide(text, 'opted_in');
      expect(d.consentChange).toBeNull();
      expect(d.reply).toBeNull();
    });

    it('START from an unknown number is a keyword opt-in, recorded as such', () => {
      const d = decide('start', 'unknown');
      expect(d.consentChange).toMatchObject({
        eventType: 'opt_in',
        categories: ['marketing', 'informational', 'transactional'],
        reason: 'keyword_opt_in_unknown_number',
      });
      expect(d.reply?.kind).toBe('opt_in_confirmation');
    });

    it('a phrase around START from an unknown number is not a sign-up ("Start texting me again"); after an opt-out it re-subscribes', () => {
      expect(decide('Start texting me again', 'unknown').consentChange).toBeNull();
      expect(decide('Start texting me again', 'opted_out').consentChange).toMatchObject({ eventType: 'opt_in', reason: 'resubscribe' });
    });

    it('YES from an unknown number is a conversation, not a sign-up', () => {
      const d = decide('YES', 'unknown');
      expect(d.consentChange).toBeNull();
      expect(d.reply).toBeNull();
    });

    it('Advanced Opt-Out START: recorded, no reply of ours', () => {
      const d = decide('start', 'opted_out', { advanced: 'START' });
      expect(d.consentChange).toMatchObject({ eventType: 'opt_in', channel: 'twilio_advanced_opt_out' });
      expect(d.reply).toBeNull();
    });
  });

  describe('help', () => {
    it.each<ConsentStatus>(['opted_in', 'opted_out', 'unknown'])('is answered when %s, consent unchanged', (status) => {
      const d = decide('HELP', status);
      expect(d.consentChange).toBeNull();
      expect(d.reply).toEqual({ kind: 'help', text: messages.help });
    });

    it('stops answering at the daily limit, so two bots cannot loop', () => {
      expect(decide('help', 'opted_in', { helpToday: 2 }).reply?.kind).toBe('help');
      const d = decide('help', 'opted_in', { helpToday: 3 });
      expect(d.reply).toBeNull();
      expect(d.note).toMatch(/limit/);
    });

    it('Advanced Opt-Out HELP: Twilio answered, we do not', () => {
      expect(decide('help', 'opted_in', { advanced: 'HELP' }).reply).toBeNull();
    });
  });

  describe('ambiguous texts', () => {
    const ambiguous = 'why do you keep texting me?';

    it.each(['suppress', 'ignore'] as const)('under REVIEW_POLICY=%s: queued for review, no change, no reply', (reviewPolicy) => {
      const d = decide(ambiguous, 'opted_in', { reviewPolicy });
      expect(d).toMatchObject({ intent: 'needs_review', consentChange: null, reply: null, review: true });
    });

    it('under REVIEW_POLICY=opt_out: an opt-out at once, confirmed', () => {
      const d = decide(ambiguous, 'opted_in', { reviewPolicy: 'opt_out' });
      expect(d.consentChange).toMatchObject({ eventType: 'opt_out', reason: 'ambiguous_text_treated_as_opt_out' });
      expect(d.reply?.kind).toBe('opt_out_confirmation');
      expect(d.review).toBe(false);
    });
  });

  describe('in the person\'s language', () => {
    it.each([
      ['ALTO', 'es'],
      ['Arrêtez svp', 'fr'],
    ] as const)('%s is confirmed in %s', (text, language) => {
      expect(decide(text, 'opted_in').reply?.text).toBe(messages.localised[language].optOutConfirmation);
    });

    it('AYUDA gets the Spanish HELP reply', () => {
      expect(decide('ayuda', 'opted_in').reply?.text).toBe(messages.localised.es.help);
    });
  });

  it('an ordinary text changes nothing and gets no reply', () => {
    const d = decide('See you at 3pm', 'opted_in');
    expect(d).toMatchObject({ intent: 'none', consentChange: null, reply: null });
  });
});

describe('program messages (CTIA content)', () => {
  it('HELP names the program, the contact, the frequency, the rates and how to stop', () => {
    expect(messages.help).toContain('Acme');
    expect(messages.help).toContain('help@acme.test');
    expect(messages.help).toContain('Up to 8 msgs/month');
    expect(messages.help).toContain('Msg&data rates may apply');
    expect(messages.help).toMatch(/STOP/);
  });

  it('the opt-in confirmation carries program, frequency, rates, HELP and STOP', () => {
    for (const part of ['Acme', 'Up to 8 msgs/month', 'Msg&data rates may apply', 'HELP', 'STOP']) {
      expect(messages.optInConfirmation).toContain(part);
    }
  });

  it('the opt-out confirmation names the program and promises nothing further', () => {
    expect(messages.optOutConfirmation).toContain('Acme');
    expect(messages.optOutConfirmation).toMatch(/no further messages/);
  });

  it('the frequency follows the configured cap', () => {
    const m = programMessages({ name: 'A', helpContact: 'x', frequencyCapPerMonth: 4 });
    expect(m.help).toContain('Up to 4 msgs/month');
  });
});

describe('automatic reply limits per number', () => {
  it('opt-in confirmations: the first ones of the day go, over the limit the opt-in is recorded without one', () => {
    expect(decide('START', 'opted_out', { optInConfirmationsToday: 2 }).reply?.kind).toBe('opt_in_confirmation');
    const over = decide('START', 'opted_out', { optInConfirmationsToday: 3 });
    expect(over.consentChange).toMatchObject({ eventType: 'opt_in', status: 'opted_in' });
    expect(over.reply).toBeNull();
    expect(over.note).toMatch(/opt-in confirmation limit/);
  });

  it('opt-out confirmations are never throttled, however many replies the number had today', () => {
    const d = decide('STOP', 'opted_in', { optInConfirmationsToday: 1_000, helpToday: 1_000 });
    expect(d.consentChange?.eventType).toBe('opt_out');
    expect(d.reply?.kind).toBe('opt_out_confirmation');
  });

  it('STOP/START alternation: every STOP confirmed, START confirmed only up to the limit, every change recorded', () => {
    let status: ConsentStatus = 'opted_in';
    let optInConfirmations = 0;
    const replies: string[] = [];
    let changes = 0;
    for (let i = 0; i < 100; i++) {
      const d = decide(i % 2 === 0 ? 'STOP' : 'START', status, { optInConfirmationsToday: optInConfirmations });
      if (d.consentChange) {
        changes += 1;
        status = d.consentChange.status;
      }
      if (d.reply) replies.push(d.reply.kind);
      if (d.reply?.kind === 'opt_in_confirmation') optInConfirmations += 1;
    }
    expect(changes).toBe(100);
    expect(replies.filter((k) => k === 'opt_out_confirmation')).toHaveLength(50);
    expect(replies.filter((k) => k === 'opt_in_confirmation')).toHaveLength(3);
  });

  it('HELP over its daily limit gets no answer; its count does not touch the opt-in limit', () => {
    expect(decide('HELP', 'opted_in', { helpToday: 3 }).reply).toBeNull();
    expect(decide('START', 'opted_out', { helpToday: 3 }).reply?.kind).toBe('opt_in_confirmation');
  });
});

import { createHash } from 'node:crypto';
import firstCorpus from '../../fixtures/revocation-corpus.json';
import development from '../../fixtures/revocation/development.json';
import heldOut from '../../fixtures/revocation/held-out.json';
import reserve from '../../fixtures/revocation/reserve.json';
import heldOutRecord from '../../fixtures/revocation/held-out-record.json';
import { evaluate, formatReport, inScope, type EvaluationReport, type LabelledText } from '../../src/keywords/evaluation';
import { classifyInbound } from '../../src/keywords/keyword-engine';

interface SetItem extends LabelledText {
  origin?: string;
  /** The held-out round a development text was scored in before it was opened. */
  retired?: string;
}

/**
 * The classifier measured on texts nobody who wrote its rules chose (fixtures/revocation/README.md):
 * - development: the first corpus (written alongside the rules), writers A's to E's texts, the
 *   language research's examples, an outside tester's probes, and the first seven rounds of
 *   collected texts, with the first seven held-out sets (each scored once, then opened to improve
 *   the rules). Rules are tuned, and the review net trained, here.
 * - held-out: the eighth round: the texts its collectors found in sources no earlier round used
 *   (59 %), and writer F's; never read while changing rules. This test prints its figures only,
 *   never a text, so a failure does not leak it.
 * - reserve: empty; the next held-out set needs new texts.
 * The floors are the issue's: revocations caught (opt-out or review) >= 99 %, the FCC's words
 * opted out 100 %, ordinary replies opted out <= 1 % and sent to review <= 5 %.
 */
const sets = {
  development: [...(firstCorpus as { items: SetItem[] }).items, ...(development as { items: SetItem[] }).items],
  'held-out': (heldOut as { items: SetItem[] }).items,
};
const reserveItems = (reserve as { items: SetItem[] }).items;

const key = (text: string) => text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

describe('evaluation sets', () => {
  it('no text is in two sets, and every text has a label and a source', () => {
    const seen = new Map<string, string>();
    for (const [name, items] of [...Object.entries(sets), ['reserve', reserveItems] as const]) {
      for (const item of items) {
        const k = key(item.text);
        expect(seen.get(k) ?? name).toBe(name);
        seen.set(k, name);
        expect(['revocation', 'not_revocation', 'ambiguous']).toContain(item.label);
      }
    }
    for (const item of [...(development as { items: SetItem[] }).items, ...sets['held-out'], ...reserveItems]) {
      expect(item.source).toBeTruthy();
    }
  });

  it('the held-out set: at least 400 texts, at least half from sources nobody here wrote, and at least 150 ordinary med-spa replies', () => {
    const items = sets['held-out'].filter(inScope);
    expect(items.length).toBeGreaterThanOrEqual(400);
    expect(items.filter((i) => i.label === 'not_revocation' && i.class === 'ordinary_medspa').length).toBeGreaterThanOrEqual(150);
    const external = items.filter((i) => i.origin === 'external').length;
    expect(external / items.length).toBeGreaterThanOrEqual(0.5);
    expect(external).toBe((heldOutRecord as { external: number }).external);
  });

  it('the held-out set is the one the split gives (a hash of each text, not a choice)', () => {
    const share = (text: string) => parseInt(createHash('sha256').update(key(text)).digest('hex').slice(0, 8), 16) / 2 ** 32;
    for (const item of sets['held-out']) expect(['external', 'writer-f']).toContain(item.origin);
    expect(reserveItems).toEqual([]);
    expect(sets.development.filter((i) => i.origin === 'writer-f')).toEqual([]);
    // Round 7 (writer D from 0.35 up, writer E, round-7 texts) was scored, then opened: development now.
    for (const item of sets.development.filter((i) => i.origin === 'writer-d' && share(i.text) >= 0.35)) expect(item.retired).toBe('held-out-7');
    for (const item of sets.development.filter((i) => i.origin === 'writer-e')) expect(item.retired).toBe('held-out-7');
  });
});

/** The floors: revocations caught, the FCC's words opted out, ordinary replies opted out and sent to review. */
const TARGETS = { recall: 0.99, fccRecall: 1, falseOptOutRate: 0.01, reviewRate: 0.05 };

/**
 * The held-out set's figures when it was scored, rules frozen (fixtures/revocation/held-out-record.json).
 * Where they meet the floor, the floor holds; where they do not, they are the floor: the
 * figures may only get better until the set is opened (and then a new set is collected and scored).
 */
describe.each(Object.keys(sets) as (keyof typeof sets)[])('the classifier on the %s set', (name) => {
  let report: EvaluationReport;
  const record = name === 'held-out' ? (heldOutRecord as { figures: typeof TARGETS }).figures : TARGETS;
  const atLeast = (key: 'recall' | 'fccRecall') => Math.min(TARGETS[key], record[key]);
  const atMost = (key: 'falseOptOutRate' | 'reviewRate') => Math.max(TARGETS[key], record[key]);
  beforeAll(() => {
    report = evaluate(sets[name], classifyInbound);
    process.stdout.write(`${formatReport(name, report)}\n`);
  });

  it(`catches at least ${(100 * atLeast('recall')).toFixed(1)} % of revocations (an opt-out, or held for review; target 99 %)`, () => {
    expect(report.recall).toBeGreaterThanOrEqual(atLeast('recall'));
  });

  it(`opts out ${(100 * atLeast('fccRecall')).toFixed(1)} % of revocations in the FCC's own words (target 100 %; a partial one, 'stop the promos but keep reminders', is held for staff)`, () => {
    expect(report.fccRecall).toBeGreaterThanOrEqual(atLeast('fccRecall'));
  });

  it(`opts out at most ${(100 * atMost('falseOptOutRate')).toFixed(1)} % of ordinary replies (target 1 %)`, () => {
    expect(report.falseOptOutRate).toBeLessThanOrEqual(atMost('falseOptOutRate'));
  });

  it(`sends at most ${(100 * atMost('reviewRate')).toFixed(1)} % of ordinary replies to review (target 5 %)`, () => {
    expect(report.reviewRate).toBeLessThanOrEqual(atMost('reviewRate'));
  });

  it('every opt-out and review names its rule and what matched', () => {
    for (const item of sets[name]) {
      const c = classifyInbound(item.text);
      expect(c.rule).toBeTruthy();
      if (c.intent === 'opt_out' || c.intent === 'needs_review') expect(c.matched).toBeTruthy();
    }
  });
});

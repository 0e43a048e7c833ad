import corpus from '../../fixtures/revocation-corpus.json';
import { classifyInbound } from '../../src/keywords/keyword-engine';

interface Item {
  text: string;
  label: 'revocation' | 'not_revocation' | 'ambiguous';
  fcc: boolean;
  lang: string;
}

/**
 * The classifier against a labelled corpus of realistic inbound texts (fixtures/). A revocation
 * counts as caught when it is an opt-out, or queued for review (under the default policy the
 * number's sends are held until staff decide); the FCC's own words must be confident opt-outs.
 */
describe('revocation classifier on the labelled corpus', () => {
  const items = (corpus as { items: Item[] }).items;
  const results = items.map((item) => ({ item, c: classifyInbound(item.text) }));
  const revocations = results.filter((r) => r.item.label === 'revocation');
  const fcc = revocations.filter((r) => r.item.fcc);
  const negatives = results.filter((r) => r.item.label === 'not_revocation');
  const ambiguous = results.filter((r) => r.item.label === 'ambiguous');
  const rate = (part: number, whole: number) => (whole === 0 ? 1 : part / whole);

  const fccRecall = rate(fcc.filter((r) => r.c.intent === 'opt_out').length, fcc.length);
  const recall = rate(revocations.filter((r) => r.c.intent === 'opt_out' || r.c.intent === 'needs_review').length, revocations.length);
  const confidentRecall = rate(revocations.filter((r) => r.c.intent === 'opt_out').length, revocations.length);
  const falseOptOuts = rate(negatives.filter((r) => r.c.intent === 'opt_out').length, negatives.length);
  const optOuts = results.filter((r) => r.c.intent === 'opt_out');
  const precision = rate(optOuts.filter((r) => r.item.label === 'revocation').length, optOuts.length);
  const ambiguousToReview = rate(ambiguous.filter((r) => r.c.intent === 'needs_review').length, ambiguous.length);

  afterAll(() => {
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    process.stdout.write(
      [
        `revocation corpus: ${items.length} texts (${revocations.length} revocations, ${negatives.length} non-revocations, ${ambiguous.length} ambiguous)`,
        `  recall on the FCC words: ${pct(fccRecall)}; overall recall: ${pct(recall)} (confident opt-outs ${pct(confidentRecall)})`,
        `  precision of opt-outs: ${pct(precision)}; false opt-outs: ${pct(falseOptOuts)} of non-revocations; ambiguous sent to review: ${pct(ambiguousToReview)}`,
        '',
      ].join('\n'),
    );
  });

  it('holds at least 400 texts, in English, Spanish and French', () => {
    expect(items.length).toBeGreaterThanOrEqual(400);
    expect(new Set(items.map((i) => i.lang))).toEqual(new Set(['en', 'es', 'fr']));
  });

  it('recall on the FCC words is 100 %', () => {
    expect(fcc.filter((r) => r.c.intent !== 'opt_out').map((r) => r.item.text)).toEqual([]);
    expect(fccRecall).toBe(1);
  });

  it('overall recall is at least 99 %', () => {
    expect(recall).toBeGreaterThanOrEqual(0.99);
  });

  it('false opt-outs are at most 2 % of non-revocations', () => {
    expect(falseOptOuts).toBeLessThanOrEqual(0.02);
  });

  it('ambiguous texts mostly go to review, never silently to "none"', () => {
    expect(ambiguous.filter((r) => r.c.intent === 'none').map((r) => r.item.text)).toEqual([]);
  });

  it('every classification names its rule, and what matched whenever it is not "none"', () => {
    for (const { c } of results) {
      expect(c.rule).toBeTruthy();
      if (c.intent === 'opt_out' || c.intent === 'needs_review') expect(c.matched).toBeTruthy();
    }
  });
});

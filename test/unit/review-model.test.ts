import { createHash } from 'node:crypto';
import firstCorpus from '../../fixtures/revocation-corpus.json';
import development from '../../fixtures/revocation/development.json';
import heldOut from '../../fixtures/revocation/held-out.json';
import weights from '../../src/keywords/review-weights.json';
import type { LabelledText } from '../../src/keywords/evaluation';
import { classifyInbound, preparedForReview } from '../../src/keywords/keyword-engine';
import { reviewFeatures, reviewNet, reviewProbability, runHashes, scoreFeatures, type ReviewModel } from '../../src/keywords/review-model';
import { trainReviewModel } from '../../src/keywords/review-model-training';

const trainingItems = [...(firstCorpus as { items: LabelledText[] }).items, ...(development as { items: LabelledText[] }).items];

describe('the review net (a learned last net under the rules)', () => {
  it('ships the weights that training on the development set gives, and nothing of the held-out set', () => {
    const digest = createHash('sha256');
    for (const item of trainingItems) digest.update(`${item.label}\t${item.text}\n`);
    expect(weights.trainedOn.sha256).toBe(digest.digest('hex'));

    const retrained = trainReviewModel(trainingItems);
    expect(retrained.trainedOn).toEqual(weights.trainedOn);
    expect(retrained.threshold).toBe(weights.threshold);
    expect(Object.keys(retrained.weights).sort()).toEqual(Object.keys(weights.weights).sort());
    const shipped = weights.weights as Record<string, number>;
    const largestDifference = Math.max(...Object.entries(retrained.weights).map(([f, w]) => Math.abs(w - shipped[f]!)));
    // Rounded to 4 decimals when written; the same arithmetic on another machine may round the other way.
    expect(largestDifference).toBeLessThanOrEqual(2e-4);

    const heldOutTexts = new Set((heldOut as { items: LabelledText[] }).items.map((i) => i.text));
    expect(trainingItems.some((i) => heldOutTexts.has(i.text))).toBe(false);
  }, 60_000);

  it('sends a text no rule explained to staff, naming the features that weighed most', () => {
    const c = classifyInbound('enough with all these');
    expect(c).toMatchObject({ intent: 'needs_review', rule: 'learned_review' });
    expect(c.matched).toMatch(/\w/);
  });

  it('leaves ordinary replies alone', () => {
    for (const text of ['Thanks, see you Tuesday at 3', 'How much is lip filler?', 'Can I bring my sister along?', 'running 10 min late sorry']) {
      expect(classifyInbound(text)).toMatchObject({ intent: 'none', rule: 'no_match' });
    }
  });

  it('never undoes a rule: a negation or another sense of an FCC word stays as the rules decided', () => {
    expect(classifyInbound("please don't take me off the list")).toMatchObject({ intent: 'none', rule: 'not_a_revocation' });
    expect(classifyInbound('I will stop by tomorrow').intent).toBe('none');
    expect(classifyInbound('STOP').rule).toBe('exact_keyword');
  });

  it('never opts out by itself, whatever the score', () => {
    const alwaysSure: ReviewModel = { threshold: 0.5, bias: 50, weights: {} };
    const net = reviewNet(preparedForReview('see you soon'), alwaysSure);
    expect(net?.probability).toBeGreaterThan(0.99);
    // The engine maps a net's yes to needs_review only: the intent union it can return has no other.
    expect(classifyInbound('enough with all these').intent).not.toBe('opt_out');
  });

  it('is deterministic, and its score is the logistic of the bias and the weights present', () => {
    const model: ReviewModel = { threshold: 0.9, bias: -1, weights: { 'w:leave': 2, 'b:leave_me': 1.5, 'c:lea': 0.2, 'w:me': -0.1 } };
    const score = scoreFeatures(reviewFeatures(preparedForReview('leave me')), model);
    expect(score.probability).toBeCloseTo(1 / (1 + Math.exp(-(-1 + 2 + 1.5 + 0.2 - 0.1))), 10);
    // Letter runs count in the score but are not shown: a lawyer reads words.
    expect(score.strongest).toEqual(['leave', 'leave me']);
    expect(reviewFeatures(preparedForReview('leave me'))).toEqual(reviewFeatures(preparedForReview('leave me')));
  });

  it('featurises at most about 1,000 characters of a long text', () => {
    // 3,000 different words of letters only (digits would be split off as words of their own).
    const words = Array.from({ length: 3_000 }, (_, i) => `w${i.toString(26).replace(/[0-9]/g, (d) => 'qrstuvwxyz'[Number(d)]!)}`);
    const features = reviewFeatures(preparedForReview(words.join(' ')));
    const wordFeatures = features.filter((f) => f.startsWith('w:'));
    expect(wordFeatures.length).toBeGreaterThan(150);
    // Each word costs its letters and a space of the 1,000: these words have 2-4 letters.
    expect(wordFeatures.length).toBeLessThanOrEqual(334);
    expect(features.length).toBeLessThan(4_000);
  });
});

describe('the review net scored fast', () => {
  const texts = [...trainingItems.map((i) => i.text), 'naïve café 𠀀 ok', 'stop stop stop texting', 'ok ok ok ok', ''];

  it('gives the same probability as the features by name, on every development text', () => {
    let largest = 0;
    for (const text of texts) {
      const prepared = preparedForReview(text);
      largest = Math.max(largest, Math.abs(reviewProbability(prepared) - scoreFeatures(reviewFeatures(prepared)).probability));
    }
    expect(largest).toBeLessThan(1e-9);
  }, 60_000);

  it('no two shipped letter runs share both hashes', () => {
    const runs = Object.keys(weights.weights).filter((f) => f.startsWith('c:'));
    expect(new Set(runs.map((f) => runHashes(f, 2, f.length).join(' '))).size).toBe(runs.length);
  });

  it('counts a run once however often it occurs, on every call', () => {
    const model: ReviewModel = { threshold: 0.5, bias: 0, weights: { 'c:abc': 1 } };
    const prepared = preparedForReview('abc abc abc');
    for (let i = 0; i < 3; i++) expect(reviewProbability(prepared, model)).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });
});

describe('the review net explained', () => {
  it('names words first, letter runs when no word weighed, never the length of the text or the question mark', () => {
    const model: ReviewModel = { threshold: 0.5, bias: 0, weights: { 'len:1': 5, q: 3, 'c:der': 1, 'c:nde': 2, 'w:other': 0.5 } };
    expect(scoreFeatures(reviewFeatures(preparedForReview('Understood?')), model).strongest).toEqual(['…nde…', '…der…']);
    expect(scoreFeatures(reviewFeatures(preparedForReview('other')), { ...model, weights: { ...model.weights } }).strongest).toEqual(['other']);
  });
});

import type { PreparedText } from './tokens';
import trained from './review-weights.json';

/**
 * The last net under the rules: a logistic regression over the words, word pairs and letter
 * sequences of a text, trained on the development set (fixtures/revocation/development.json and
 * the first corpus) by `npm run train:review-model`. It only ever sends a text no rule explained
 * to staff (needs_review); it never opts anyone out and never overrides a rule. Why it exists: on
 * every held-out round the rules missed 13-42 % of revocations from sources they had not seen,
 * mostly wordings no rule foresaw; measured round by round (trained without the round, with the
 * rules as they stood when it was scored), this net caught 45 % of those misses for 2.7 points
 * more ordinary replies sent to staff (review-model-training.ts has the figures).
 *
 * It stays explainable: the score is a sum of per-feature weights that ship in review-weights.json,
 * and each decision names the features that weighed most. Deterministic: no randomness at run
 * time, and training is seeded, so the same development set gives the same weights.
 */
export interface ReviewModel {
  /** The probability at or above which a text goes to staff. */
  threshold: number;
  /** Added to every text's sum (the intercept). */
  bias: number;
  weights: Readonly<Record<string, number>>;
}

export interface ReviewScore {
  /** 0..1: how much the text reads like the revocations of the development set. */
  probability: number;
  /** The features that pushed the score up most, for the explanation ("leave me", "alone"). */
  strongest: string[];
}

const MODEL: ReviewModel = { threshold: trained.threshold, bias: trained.bias, weights: trained.weights };

/** At most this many words and characters are featurised: the engine already reads a long text at its ends. */
const MAX_FEATURE_CHARS = 1_000;

/**
 * The features of a prepared text: `w:` a word, `b:` two words in a row within a clause, `c:` a
 * run of 3-5 characters of the canonical words (catches typos, inflections and languages without
 * spaces), `len:` how many words, `q` a question.
 */
export function reviewFeatures(prepared: PreparedText): string[] {
  const out = new Set<string>();
  let budget = MAX_FEATURE_CHARS;
  const kept: string[] = [];
  for (const clause of prepared.clauses) {
    const words = clause.words;
    for (let i = 0; i < words.length && budget > 0; i++) {
      const word = words[i]!;
      budget -= word.length + 1;
      kept.push(word);
      out.add(`w:${word}`);
      if (i + 1 < words.length) out.add(`b:${word}_${words[i + 1]}`);
    }
  }
  const chars = Array.from(` ${kept.join(' ')} `);
  for (let n = 3; n <= 5; n++) {
    for (let i = 0; i + n <= chars.length; i++) out.add(`c:${chars.slice(i, i + n).join('')}`);
  }
  const count = prepared.words.length;
  out.add(`len:${count <= 1 ? '1' : count <= 2 ? '2' : count <= 5 ? '5' : count <= 10 ? '10' : count <= 20 ? '20' : 'more'}`);
  if (prepared.question) out.add('q');
  return [...out];
}

export function scoreFeatures(features: readonly string[], model: ReviewModel = MODEL): ReviewScore {
  let sum = model.bias;
  const contributions: [string, number][] = [];
  for (const feature of features) {
    const weight = model.weights[feature];
    if (weight === undefined) continue;
    sum += weight;
    if (weight > 0 && !feature.startsWith('c:')) contributions.push([feature, weight]);
  }
  contributions.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return {
    probability: 1 / (1 + Math.exp(-sum)),
    strongest: contributions.slice(0, 3).map(([feature]) => feature.slice(feature.indexOf(':') + 1).replace('_', ' ')),
  };
}

/** Whether the net sends a text the rules left alone to staff, and why. */
export function reviewNet(prepared: PreparedText, model: ReviewModel = MODEL): ReviewScore | undefined {
  if (prepared.words.length === 0) return undefined;
  const score = scoreFeatures(reviewFeatures(prepared), model);
  return score.probability >= model.threshold ? score : undefined;
}

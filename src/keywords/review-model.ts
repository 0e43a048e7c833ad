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

/**
 * The weights as the hot path reads them: words, pairs and the rest by name; letter runs by two
 * FNV-1a hashes of their characters, so that scoring a text makes no string per letter run (a few
 * hundred per text). The first hash (30 bits, a small integer to V8) finds the candidates, the
 * second tells them apart, so a run not in the model never borrows a weight unless both collide
 * (about 1 in 10^8 per text). Stored keys stay readable in review-weights.json.
 */
interface Lookup {
  named: Map<string, number>;
  runs: RunTable;
}

/**
 * The letter runs' weights in an open-addressing table of typed arrays (linear probing, at most
 * a quarter full): a lookup touches one or two slots of flat memory, three times faster than a
 * Map of ~30,000 keys. `seen` marks the slots a text has already counted (a run is present or
 * absent, however often it occurs), stamped with a number per call instead of cleared.
 */
interface RunTable {
  mask: number;
  /** The first hash + 1 (0 marks an empty slot). */
  first: Int32Array;
  second: Int32Array;
  weight: Float64Array;
  seen: Int32Array;
  stamp: number;
}

function runTable(entries: [number, number, number][]): RunTable {
  let size = 1024;
  while (size < entries.length * 4) size *= 2;
  const table: RunTable = { mask: size - 1, first: new Int32Array(size), second: new Int32Array(size), weight: new Float64Array(size), seen: new Int32Array(size), stamp: 0 };
  for (const [hash, second, weight] of entries) {
    const first = hash + 1;
    let slot = first & table.mask;
    while (table.first[slot] !== 0) slot = (slot + 1) & table.mask;
    table.first[slot] = first;
    table.second[slot] = second;
    table.weight[slot] = weight;
  }
  return table;
}

const lookups = new WeakMap<ReviewModel, Lookup>();
function lookupOf(model: ReviewModel): Lookup {
  let lookup = lookups.get(model);
  if (!lookup) {
    const named = new Map<string, number>();
    const runs: [number, number, number][] = [];
    for (const [feature, weight] of Object.entries(model.weights)) {
      if (feature.startsWith('c:')) runs.push([...runHashes(feature, 2, feature.length), weight]);
      else named.set(feature, weight);
    }
    lookup = { named, runs: runTable(runs) };
    lookups.set(model, lookup);
  }
  return lookup;
}

const FNV_OFFSET = 0x811c9dc5;
const SECOND_OFFSET = 0x01000193;
/** The two hashes of text[from, to): what lookupOf stores and reviewProbability computes window by window. */
export function runHashes(text: string, from: number, to: number): [number, number] {
  let a = FNV_OFFSET;
  let b = SECOND_OFFSET;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = Math.imul(b ^ c, 2246822519);
  }
  return [a >>> 2, b];
}

/** At most this many words and characters are featurised: the engine already reads a long text at its ends. */
const MAX_FEATURE_CHARS = 1_000;

/**
 * The features of a prepared text: `w:` a word, `b:` two words in a row within a clause, `c:` a
 * run of 3-5 characters of the canonical words (catches typos, inflections and languages without
 * spaces), `len:` how many words, `q` a question.
 */
export function reviewFeatures(prepared: PreparedText): string[] {
  const out = new Set<string>();
  const { words, line } = featuredWords(prepared);
  for (const clauseWords of words) {
    for (let i = 0; i < clauseWords.length; i++) {
      out.add(`w:${clauseWords[i]}`);
      if (i + 1 < clauseWords.length) out.add(`b:${clauseWords[i]}_${clauseWords[i + 1]}`);
    }
  }
  // Characters, not UTF-16 units: a letter outside the BMP is one character.
  const chars = Array.from(line);
  for (let n = 3; n <= 5; n++) {
    for (let i = 0; i + n <= chars.length; i++) out.add(`c:${chars.slice(i, i + n).join('')}`);
  }
  out.add(lengthFeature(prepared));
  if (prepared.question) out.add('q');
  return [...out];
}

/** Each clause's words until about MAX_FEATURE_CHARS characters are taken, and those words as one line between spaces. */
function featuredWords(prepared: PreparedText): { words: string[][]; line: string } {
  let budget = MAX_FEATURE_CHARS;
  const words: string[][] = [];
  for (const clause of prepared.clauses) {
    if (budget <= 0) break;
    const taken: string[] = [];
    for (let i = 0; i < clause.words.length && budget > 0; i++) {
      budget -= clause.words[i]!.length + 1;
      taken.push(clause.words[i]!);
    }
    words.push(taken);
  }
  return { words, line: ` ${words.flat().join(' ')} ` };
}

function lengthFeature(prepared: PreparedText): string {
  const count = prepared.words.length;
  return `len:${count <= 1 ? '1' : count <= 2 ? '2' : count <= 5 ? '5' : count <= 10 ? '10' : count <= 20 ? '20' : 'more'}`;
}

export function scoreFeatures(features: readonly string[], model: ReviewModel = MODEL): ReviewScore {
  let sum = model.bias;
  const contributions: [string, number][] = [];
  for (const feature of features) {
    const weight = model.weights[feature];
    if (weight === undefined) continue;
    sum += weight;
    if (weight > 0 && feature.includes(':') && !feature.startsWith('len:')) contributions.push([feature, weight]);
  }
  // Words and pairs explain best; letter runs ("…ngu…") only when no word weighed for the text.
  const byWeight = (a: [string, number], b: [string, number]) => b[1] - a[1] || a[0].localeCompare(b[0]);
  const words = contributions.filter(([f]) => !f.startsWith('c:')).sort(byWeight);
  const runs = contributions.filter(([f]) => f.startsWith('c:')).sort(byWeight);
  const shown = words.length > 0 ? words.slice(0, 3).map(([f]) => f.slice(2).replace('_', ' ')) : runs.slice(0, 3).map(([f]) => `…${f.slice(2).trim()}…`);
  return { probability: 1 / (1 + Math.exp(-sum)), strongest: shown };
}

/**
 * The same probability as scoreFeatures(reviewFeatures(prepared)), without making a string per
 * letter run: the words' features by name, the letter runs by hash (runHash).
 */
export function reviewProbability(prepared: PreparedText, model: ReviewModel = MODEL): number {
  const { named, runs } = lookupOf(model);
  const { words, line } = featuredWords(prepared);
  if (/[\uD800-\uDFFF]/.test(line)) return scoreFeatures(reviewFeatures(prepared), model).probability;
  let sum = model.bias;
  const seenNames = new Set<string>();
  const add = (feature: string) => {
    if (seenNames.has(feature)) return;
    seenNames.add(feature);
    sum += named.get(feature) ?? 0;
  };
  for (const clauseWords of words) {
    for (let i = 0; i < clauseWords.length; i++) {
      add(`w:${clauseWords[i]}`);
      if (i + 1 < clauseWords.length) add(`b:${clauseWords[i]}_${clauseWords[i + 1]}`);
    }
  }
  add(lengthFeature(prepared));
  if (prepared.question) add('q');
  // Each window of 3, 4 and 5 characters, hashed as it grows from its first character.
  if (runs.stamp === 0x7fffffff) {
    runs.seen.fill(0);
    runs.stamp = 0;
  }
  const stamp = ++runs.stamp;
  for (let i = 0; i + 3 <= line.length; i++) {
    let a = FNV_OFFSET;
    let b = SECOND_OFFSET;
    for (let k = 0; k < 5 && i + k < line.length; k++) {
      const c = line.charCodeAt(i + k);
      a = Math.imul(a ^ c, 16777619);
      b = Math.imul(b ^ c, 2246822519);
      if (k < 2) continue;
      const first = (a >>> 2) + 1;
      for (let slot = first & runs.mask; runs.first[slot] !== 0; slot = (slot + 1) & runs.mask) {
        if (runs.first[slot] !== first || runs.second[slot] !== b) continue;
        if (runs.seen[slot] !== stamp) {
          runs.seen[slot] = stamp;
          sum += runs.weight[slot]!;
        }
        break;
      }
    }
  }
  return 1 / (1 + Math.exp(-sum));
}

/** Whether the net sends a text the rules left alone to staff, and why. */
export function reviewNet(prepared: PreparedText, model: ReviewModel = MODEL): ReviewScore | undefined {
  if (prepared.words.length === 0) return undefined;
  const probability = reviewProbability(prepared, model);
  if (probability < model.threshold) return undefined;
  // Only a text that goes to staff needs its explanation.
  return { probability, strongest: scoreFeatures(reviewFeatures(prepared), model).strongest };
}

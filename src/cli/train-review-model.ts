import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelledText } from '../keywords/evaluation';
import { trainReviewModel } from '../keywords/review-model-training';

/**
 * Retrains the review net from the development set and the first corpus, and writes
 * src/keywords/review-weights.json. Never train on the held-out set: it is what the net is judged on.
 *   npm run train:review-model
 */
const root = join(__dirname, '..', '..');
const source = join(root, 'src', 'keywords', 'review-weights.json');
const read = (path: string) => (JSON.parse(readFileSync(join(root, path), 'utf8')) as { items: LabelledText[] }).items;
const items = [...read('fixtures/revocation-corpus.json'), ...read('fixtures/revocation/development.json')];
const model = trainReviewModel(items);
writeFileSync(source, `${JSON.stringify(model, null, 0)}\n`);
console.log(`trained on ${model.trainedOn.texts} texts: ${Object.keys(model.weights).length} weights written to ${source}`);

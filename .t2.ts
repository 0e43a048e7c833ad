import { normaliseForKeywords } from './src/keywords/normalise';
import { prepareText } from './src/keywords/tokens';
const t = "Hi! I can't make it Tuesday at 3, could we move my facial to Thursday afternoon? Also is the 20% off still on? Thanks so much 😊";
function time(name: string, fn: () => unknown) { for (let i = 0; i < 3000; i++) fn(); const n = 20000; const t0 = process.hrtime.bigint(); for (let i = 0; i < n; i++) fn(); console.log(name, (Number(process.hrtime.bigint() - t0) / n / 1000).toFixed(1), 'µs'); }
time('normaliseForKeywords', () => normaliseForKeywords(t));
time('prepareText', () => prepareText(t));
time('nfkc', () => t.normalize('NFKC'));
time('nfd', () => t.normalize('NFD'));
time('lower', () => t.toLowerCase());
time('split', () => t.split(/[^\p{L}\p{N}]+/u));
time('pictographic', () => /(\p{Extended_Pictographic})/u.test(t));

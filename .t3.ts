import { stripInvisible, withoutPictographs } from './src/keywords/normalise';
const t = "Hi! I can't make it Tuesday at 3, could we move my facial to Thursday afternoon? Also is the 20% off still on? Thanks so much 😊";
function time(name: string, fn: () => unknown) { for (let i = 0; i < 3000; i++) fn(); const n = 20000; const t0 = process.hrtime.bigint(); for (let i = 0; i < n; i++) fn(); console.log(name, (Number(process.hrtime.bigint() - t0) / n / 1000).toFixed(2), 'µs'); }
time('stripInvisible', () => stripInvisible(t));
time('withoutPictographs', () => withoutPictographs(t));
time('split clause', () => t.split(/[.!?;:\n\r,()]+|\s(?:but|pero|mais)\s/gi));
time('apos', () => t.replace(/['’‘`´]/g, ''));
time('ascii test', () => /[^\x00-\x7f]/.test(t));
const a = "Hi! I can't make it Tuesday at 3";
time('ascii lower split', () => a.toLowerCase().replace(/([a-z])([0-9])/g, '$1 $2').replace(/([0-9])([a-z])/g, '$1 $2').split(/[^a-z0-9]+/));

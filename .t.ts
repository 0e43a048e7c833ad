import { classifyInbound } from './src/keywords/keyword-engine';
const t = "Hi! I can't make it Tuesday at 3, could we move my facial to Thursday afternoon? Also is the 20% off still on? Thanks so much 😊";
for (let i = 0; i < 2000; i++) classifyInbound(t);
const n = 20000; const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) classifyInbound(t);
console.log(Number(process.hrtime.bigint() - t0) / n / 1000, 'µs per call', JSON.stringify(classifyInbound(t)));

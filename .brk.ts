import { readFileSync } from 'node:fs';
import { classifyInbound } from './src/keywords/keyword-engine';
const items = readFileSync('/work/corpus-staging/breaker.jsonl','utf8').split('\n').filter(Boolean).map(l=>JSON.parse(l));
let bad = 0;
for (const i of items) { const c = classifyInbound(i.text); const ok = i.expected === 'revocation' ? c.intent === 'opt_out' || c.intent === 'needs_review' : i.expected === 'not_revocation' ? c.intent !== 'opt_out' : c.intent !== 'opt_out' || true;
 if (!ok) { bad++; console.log(i.expected, c.intent, c.rule, JSON.stringify(i.text)); } }
console.log('still failing', bad, 'of', items.length);

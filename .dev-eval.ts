import { readFileSync } from 'node:fs';
import { classifyInbound } from './src/keywords/keyword-engine';
import { evaluate, formatReport, inScope, type LabelledText } from './src/keywords/evaluation';
const load = (p: string) => (JSON.parse(readFileSync(p, 'utf8')) as { items: LabelledText[] }).items;
const first = load('/work/main/fixtures/revocation-corpus.json');
const dev = load('/work/main/fixtures/revocation/development.json');
const which = process.argv[2] ?? 'all';
const items = which === 'first' ? first : which === 'dev' ? dev : [...first, ...dev];
console.log(formatReport('dev', evaluate(items, classifyInbound)));
const show = process.argv[3] ?? '';
for (const item of items.filter(inScope)) {
  const c = classifyInbound(item.text);
  const bad = (item.label === 'revocation' && (c.intent === 'none' || c.intent === 'opt_in' || c.intent === 'help')) || (item.label === 'revocation' && item.fcc && c.intent !== 'opt_out')
    || (item.label === 'not_revocation' && (c.intent === 'opt_out' || (show.includes('r') && c.intent === 'needs_review')))
    || (show.includes('a') && item.label === 'ambiguous' && c.intent === 'none');
  if (bad) console.log(`${item.label}${item.fcc ? '*' : ''}\t${c.intent}\t${c.rule}\t${JSON.stringify(item.text)}\t${c.matched ?? ''}`);
}

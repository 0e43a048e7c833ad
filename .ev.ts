import { readFileSync } from 'node:fs';
import { classifyInbound } from '/work/main/src/keywords/keyword-engine';
import { evaluate, formatReport, inScope, type LabelledText } from '/work/main/src/keywords/evaluation';
const items = (JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { items: LabelledText[] }).items;
console.log(formatReport(process.argv[2]!, evaluate(items, classifyInbound)).split('\n').slice(0, 4).join('\n'));
const show = process.argv[3] ?? '';
for (const item of items.filter(inScope)) {
  const c = classifyInbound(item.text);
  const bad = (item.label === 'revocation' && (c.intent === 'none' || c.intent === 'opt_in' || c.intent === 'help')) || (item.label === 'revocation' && item.fcc && c.intent !== 'opt_out')
    || (item.label === 'not_revocation' && (c.intent === 'opt_out' || (show.includes('r') && c.intent === 'needs_review')));
  if (bad) console.log(`${item.label}${item.fcc ? '*' : ''}\t${item.lang}\t${c.intent}\t${c.rule}\t${JSON.stringify(item.text)}\t${c.matched ?? ''}\t${item.note ?? ''}`);
}

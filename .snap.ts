import { readFileSync, writeFileSync } from 'node:fs';
import { classifyInbound } from './src/keywords/keyword-engine';
const texts = ['fixtures/revocation-corpus.json','fixtures/revocation/development.json','fixtures/revocation/held-out.json','fixtures/revocation/reserve.json'].flatMap(f => JSON.parse(readFileSync(f,'utf8')).items.map((i: any) => i.text));
const extra: string[] = [];
const out = [...texts, ...extra].map(t => { const c = classifyInbound(t); return `${c.intent}\t${c.rule}\t${c.keyword}\t${c.language}`; });
writeFileSync(process.argv[2]!, out.join('\n'));

import { LANGUAGES } from './languages';
import type { Classification } from './keyword-engine';

/** One labelled text of an evaluation set (fixtures/revocation/). */
export interface LabelledText {
  text: string;
  /** Judged under the FCC rule by someone who had not read the classifier. */
  label: 'revocation' | 'not_revocation' | 'ambiguous';
  /** A revocation that uses one of the FCC's own words as the request. */
  fcc: boolean;
  class?: string | null;
  lang?: string;
  /** For a non-revocation that asks for something: opt_in or help. */
  intent?: string;
  source?: string;
}

export interface ClassFigures {
  texts: number;
  optOut: number;
  review: number;
  other: number;
}

export interface EvaluationReport {
  texts: number;
  /** Texts in a language the classifier does not claim (German, Hebrew...): counted apart. */
  outOfScope: number;
  revocations: number;
  /** Revocations caught: an opt-out or a review item (sends held until staff decide). */
  recall: number;
  confidentRecall: number;
  fccRevocations: number;
  /** The FCC's words opted out. */
  fccOptedOut: number;
  /**
   * The FCC's words opted out, or held for staff when the text itself keeps some texts ("stop
   * the promos, but I still want reminders"): a partial revocation is honoured at once (every
   * send to the number is held) without telling the person they will get nothing more.
   */
  fccRecall: number;
  ordinaryReplies: number;
  /** Non-revocations wrongly opted out, as a share of them. */
  falseOptOutRate: number;
  /** Non-revocations sent to staff, as a share of them. */
  reviewRate: number;
  ambiguous: number;
  ambiguousCaught: number;
  /** opt_in and help requests answered as such. */
  intentTexts: number;
  intentCorrect: number;
  byClass: Record<string, ClassFigures>;
  byLabelAndClass: Record<string, ClassFigures>;
}

/** Languages the classifier claims: English, the ten most spoken at home in the US after it, and texts with no words. */
const IN_SCOPE = new Set<string>([...LANGUAGES, 'und']);

export function inScope(item: LabelledText): boolean {
  return IN_SCOPE.has(item.lang ?? 'en');
}

export function evaluate(items: readonly LabelledText[], classify: (text: string) => Classification): EvaluationReport {
  const scored = items.filter(inScope).map((item) => {
    const c = classify(item.text);
    return { item, intent: c.intent, rule: c.rule };
  });
  const rate = (part: number, whole: number) => (whole === 0 ? 1 : part / whole);
  const caught = (i: string) => i === 'opt_out' || i === 'needs_review';
  const revocations = scored.filter((r) => r.item.label === 'revocation');
  const fcc = revocations.filter((r) => r.item.fcc);
  const ordinary = scored.filter((r) => r.item.label === 'not_revocation');
  const ambiguous = scored.filter((r) => r.item.label === 'ambiguous');
  const withIntent = ordinary.filter((r) => r.item.intent === 'opt_in' || r.item.intent === 'help');
  const byClass: Record<string, ClassFigures> = {};
  const byLabelAndClass: Record<string, ClassFigures> = {};
  for (const { item, intent } of scored) {
    for (const [table, name] of [
      [byClass, item.class ?? 'unclassified'],
      [byLabelAndClass, `${item.label}/${item.class ?? 'unclassified'}`],
    ] as const) {
      const figures = (table[name] ??= { texts: 0, optOut: 0, review: 0, other: 0 });
      figures.texts++;
      if (intent === 'opt_out') figures.optOut++;
      else if (intent === 'needs_review') figures.review++;
      else figures.other++;
    }
  }
  return {
    texts: scored.length,
    outOfScope: items.length - scored.length,
    revocations: revocations.length,
    recall: rate(revocations.filter((r) => caught(r.intent)).length, revocations.length),
    confidentRecall: rate(revocations.filter((r) => r.intent === 'opt_out').length, revocations.length),
    fccRevocations: fcc.length,
    fccOptedOut: rate(fcc.filter((r) => r.intent === 'opt_out').length, fcc.length),
    fccRecall: rate(fcc.filter((r) => r.intent === 'opt_out' || (r.intent === 'needs_review' && r.rule === 'partial_revocation')).length, fcc.length),
    ordinaryReplies: ordinary.length,
    falseOptOutRate: rate(ordinary.filter((r) => r.intent === 'opt_out').length, ordinary.length),
    reviewRate: rate(ordinary.filter((r) => r.intent === 'needs_review').length, ordinary.length),
    ambiguous: ambiguous.length,
    ambiguousCaught: ambiguous.filter((r) => caught(r.intent)).length,
    intentTexts: withIntent.length,
    intentCorrect: withIntent.filter((r) => r.intent === r.item.intent).length,
    byClass,
    byLabelAndClass,
  };
}

/** The report as text, figures only: printing it never shows a held-out text. */
export function formatReport(name: string, report: EvaluationReport): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const lines = [
    `${name}: ${report.texts} texts in scope (${report.outOfScope} in other languages not counted)`,
    `  revocations ${report.revocations}: caught ${pct(report.recall)} (confident opt-outs ${pct(report.confidentRecall)}); FCC words ${report.fccRevocations}: ${pct(report.fccOptedOut)} opted out, ${pct(report.fccRecall)} with partial revocations held`,
    `  ordinary replies ${report.ordinaryReplies}: false opt-outs ${pct(report.falseOptOutRate)}, sent to review ${pct(report.reviewRate)}`,
    `  ambiguous ${report.ambiguous}: ${report.ambiguousCaught} opted out or sent to review; opt-in/help requests ${report.intentCorrect}/${report.intentTexts} answered as such`,
    '  by label/class: texts  opt_out  review  other',
  ];
  for (const [name, f] of Object.entries(report.byLabelAndClass).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`    ${name.padEnd(38)} ${String(f.texts).padStart(5)} ${String(f.optOut).padStart(8)} ${String(f.review).padStart(7)} ${String(f.other).padStart(6)}`);
  }
  return lines.join('\n');
}

/**
 * How far a typed word is from a keyword: the one edit that turns it into the keyword (with
 * whether a substituted letter is a neighbouring key on a QWERTY keyboard), and the
 * Damerau-Levenshtein distance for the longer keywords. Pure string functions.
 */
const QWERTY_ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const keyPosition = new Map<string, [number, number]>();
QWERTY_ROWS.forEach((row, r) => Array.from(row).forEach((c, col) => keyPosition.set(c, [r, col + r * 0.5])));
function adjacentKeys(a: string, b: string): boolean {
  const p = keyPosition.get(a);
  const q = keyPosition.get(b);
  if (!p || !q) return false;
  return Math.abs(p[0] - q[0]) <= 1 && Math.abs(p[1] - q[1]) <= 1;
}

/** The one edit that turns `typed` into `target`, if exactly one does (Damerau-Levenshtein 1). */
export function singleEdit(typed: string, target: string): 'substitution_adjacent' | 'substitution' | 'transposition' | 'insertion' | 'deletion' | undefined {
  if (typed === target) return undefined;
  if (typed.length === target.length) {
    const diffs: number[] = [];
    for (let i = 0; i < typed.length; i++) if (typed[i] !== target[i]) diffs.push(i);
    if (diffs.length === 1) return adjacentKeys(typed[diffs[0]!]!, target[diffs[0]!]!) ? 'substitution_adjacent' : 'substitution';
    if (diffs.length === 2 && diffs[1] === diffs[0]! + 1 && typed[diffs[0]!] === target[diffs[1]!] && typed[diffs[1]!] === target[diffs[0]!]) return 'transposition';
    return undefined;
  }
  const [longer, shorter] = typed.length > target.length ? [typed, target] : [target, typed];
  if (longer.length - shorter.length !== 1) return undefined;
  for (let i = 0; i < longer.length; i++) {
    if (longer.slice(0, i) + longer.slice(i + 1) === shorter) return typed.length > target.length ? 'insertion' : 'deletion';
  }
  return undefined;
}

/** Misspellings of the longer keywords, up to two edits ("unsubscibe", "unsusbcribe", "cancle"). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

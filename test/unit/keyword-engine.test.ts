import fc from 'fast-check';
import { classifyInbound, KEYWORDS } from '../../src/keywords/keyword-engine';
import { normaliseForKeywords } from '../../src/keywords/normalise';

describe('normaliseForKeywords', () => {
  it.each([
    ['Stop!', 'STOP'],
    ['  stop  ', 'STOP'],
    ['“STOP”', 'STOP'],
    ["'stop'", 'STOP'],
    ['OPT-OUT', 'OPT OUT'],
    ['opt   out', 'OPT OUT'],
    ['opt_out', 'OPT OUT'],
    ['Ｓｔｏｐ', 'STOP'], // full-width letters (NFKC)
    ['ＳＴＯＰ！', 'STOP'],
    ['stop 🛑', 'STOP'],
    ['🙏stop🙏', 'STOP'],
    ['stop\u200b', 'STOP'], // zero-width space
    ['Arrêt', 'ARRET'],
    ['\tSTOP\r\n', 'STOP'],
    ['', ''],
    ['!!!', ''],
  ])('%j -> %j', (input, expected) => {
    expect(normaliseForKeywords(input)).toBe(expected);
  });
});

describe('classifyInbound', () => {
  const optOutVariants = [
    'STOP', 'stop', 'Stop', 'sToP', 'Stop!', 'STOP.', ' stop ', '“STOP”', '"stop"', "'Stop'", 'stop!!!',
    'Stop 🛑', '🛑STOP', 'STOPALL', 'stop all', 'Stop-All', 'UNSUBSCRIBE', 'unsubscribe.', 'Un-subscribe',
    'CANCEL', 'cancel', 'Cancel!', 'END', 'end', 'End.', 'QUIT', 'quit', 'Quit!', 'REVOKE', 'revoke',
    'OPTOUT', 'optout', 'OPT OUT', 'opt out', 'OPT-OUT', 'Opt-Out!', 'opt_out', '(stop)', '[STOP]',
    '*stop*', 'S T O P', 'ｓｔｏｐ', 'STOP\n', '...stop...', '¡STOP!', '«stop»',
  ];
  it.each(optOutVariants)('%j is an opt-out', (text) => {
    expect(classifyInbound(text).intent).toBe('opt_out');
  });

  it.each([
    ['START', 'START'], ['start', 'START'], ['Start!', 'START'], ['YES', 'YES'], ['yes', 'YES'],
    ['Yes.', 'YES'], ['UNSTOP', 'UNSTOP'], ['un-stop', 'UNSTOP'], ['"Start"', 'START'],
  ])('%j is an opt-in (%s)', (text, keyword) => {
    expect(classifyInbound(text)).toMatchObject({ intent: 'opt_in', keyword, rule: 'exact_keyword' });
  });

  it.each([['HELP'], ['help'], ['Help?'], ['INFO'], ['info'], ['HELP!'], ['“help”']])('%j asks for help', (text) => {
    expect(classifyInbound(text).intent).toBe('help');
  });

  it.each([
    'STOPPED', 'stopping', 'nonstop', 'yes please', 'Can you help me?', 'helpful', 'weekend', 'Cancel my appointment',
    'quite', 'started', 'info@example.com please', 'hello', '', '   ', '12345', 'YESS', "don't stop", 'end of the week works',
    'I will stop by tomorrow', 'para mañana', 'can I cancel my appointment?', 'I might have to cancel, will let you know tomorrow',
  ])('%j is not a revocation', (text) => {
    expect(classifyInbound(text).intent).toBe('none');
  });

  it.each([
    ['Stop. Thank you', 'keyword_in_short_reply'],
    ['ok stop', 'keyword_in_short_reply'],
    ['stop it', 'exact_keyword'],
    ['please stop texting me', 'keyword_in_short_reply'],
    ['do not ever text me again', 'revocation_phrase'],
    ['please take me off your list', 'revocation_phrase'],
    ["don't text me anymore", 'revocation_phrase'],
    ['wrong number', 'wrong_number'],
    ['f*** off', 'profanity_demand'],
    ['No me envíen más mensajes', 'revocation_phrase'],
    ['stpo', 'exact_keyword'],
  ])('%j is an opt-out by rule %s', (text, rule) => {
    expect(classifyInbound(text)).toMatchObject({ intent: 'opt_out', rule });
  });

  it.each([
    ['can I cancel?', 'keyword_in_question'],
    ['why do you keep texting me?', 'uncertain_revocation'],
    ['⛔', 'stop_emoji'],
  ])('%j needs review (%s)', (text, rule) => {
    expect(classifyInbound(text)).toMatchObject({ intent: 'needs_review', rule });
  });

  it.each([
    ['ALTO', 'es'], ['Baja', 'es'], ['Arrêt', 'fr'], ['ayuda', 'es'], ['AIDE', 'fr'], ['STOP', 'en'],
    ['Ne m’envoyez plus de messages', 'fr'], ['dejen de mandarme textos', 'es'],
  ])('%j is answered in %s', (text, language) => {
    expect(classifyInbound(text).language).toBe(language);
  });

  it('names the canonical keyword and keeps the normalised text', () => {
    expect(classifyInbound(' opt-out! ')).toEqual({
      intent: 'opt_out',
      keyword: 'OPTOUT',
      rule: 'exact_keyword',
      matched: 'OPT OUT',
      language: 'en',
      normalised: 'OPT OUT',
    });
    expect(classifyInbound('')).toMatchObject({ intent: 'none', rule: 'empty' });
  });

  it('recognises every keyword whatever the decoration around it (property)', () => {
    const all = Object.values(KEYWORDS).flat();
    const decoration = fc.constantFrom(' ', '!', '.', '?', '"', '“', '”', "'", '🛑', '🙏', '\n', '\t', '*', '-');
    fc.assert(
      fc.property(
        fc.constantFrom(...all),
        fc.array(decoration, { maxLength: 4 }),
        fc.array(decoration, { maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        (keyword, before, after, upper) => {
          const cased = [...keyword].map((ch, i) => (upper[i % upper.length] ? ch : ch.toLowerCase())).join('');
          const result = classifyInbound(before.join('') + cased + after.join(''));
          return result.keyword === keyword;
        },
      ),
    );
  });

  it.each([
    'f**k off', 'F**K OFF', 'f*ck off', 'f.u.c.k off', 'F.U.C.K. OFF', 'fu*k you', 'f@#k off', 'f_ck off', 'f***', '"f**k" this',
    'F***ING SPAM', 'ｆ＊＊ｋ ｏｆｆ',
  ])('masked profanity inside one token, %j, is an opt-out', (text) => {
    expect(classifyInbound(text)).toMatchObject({ intent: 'opt_out', rule: 'profanity_demand' });
  });

  // The raw masked-profanity rule once matched an f and a k across words ("Brief, kind").
  it.each([
    'Brief, kind and helpful thanks!', "I'm off, kids are sick", 'Half, kept it', 'Thanks chief, keep it up',
    'Beef, kale and rice please', 'Staff - kind as always', 'Sign me up if... kinda busy now', 'Took the day off. Kids home',
    'Proof: kept the receipt', 'Golf/karate on Saturday', 'Stuff (keys, wallet) left behind', 'Leaf & kale salad was great',
    'Acme Spa f/k/a Glow Studio', 'Roof, kitchen done. Thanks!', 'Self-kindness week, love it',
  ])('%j is not profanity', (text) => {
    expect(classifyInbound(text).rule).not.toBe('profanity_demand');
    expect(classifyInbound(text).intent).not.toBe('opt_out');
  });

  it('ordinary English sentences from common words, with any punctuation between them, are never read as profanity (property)', () => {
    // Common words, heavy on those ending in f and starting with k: the shapes the cross-word match caught.
    const words = [
      'the', 'a', 'and', 'to', 'of', 'off', 'if', 'in', 'is', 'it', 'you', 'we', 'they', 'my', 'your', 'our', 'for', 'on', 'at', 'with',
      'thanks', 'thank', 'please', 'great', 'good', 'see', 'soon', 'today', 'tomorrow', 'appointment', 'time', 'day', 'week',
      'brief', 'chief', 'half', 'self', 'staff', 'stuff', 'beef', 'golf', 'leaf', 'proof', 'roof', 'cliff', 'safe', 'life', 'wife',
      'kind', 'kids', 'keep', 'kept', 'key', 'keys', 'know', 'knew', 'kitchen', 'kick', 'king', 'kit', 'kale', 'kinda', 'karate',
      'fun', 'fine', 'face', 'facial', 'fuel', 'full', 'cut', 'luck', 'back', 'book', 'look', 'work', 'call', 'come', 'check',
      'helpful', 'sick', 'busy', 'home', 'love', 'it', 'was', 'will', 'can', 'be', 'there', 'here', 'now', 'later', 'ok', 'sure',
    ];
    const separator = fc.constantFrom(' ', ', ', '. ', '! ', '? ', ' - ', ' – ', '... ', ' / ', ' & ', ': ', '; ', '!! ', ' (', ') ', '\n', ', ...', '* ', ' *');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...words), separator), { minLength: 1, maxLength: 16 }), fc.boolean(), (parts, capitalise) => {
        let text = parts.map(([word, sep]) => word + sep).join('');
        if (capitalise) text = text.charAt(0).toUpperCase() + text.slice(1);
        return classifyInbound(text).rule !== 'profanity_demand';
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws and is deterministic on arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const a = classifyInbound(text);
        const b = classifyInbound(text);
        return JSON.stringify(a) === JSON.stringify(b) && ['opt_out', 'opt_in', 'help', 'needs_review', 'none'].includes(a.intent);
      }),
    );
  });
});

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
    'quite', 'started', 'info@example.com please', 'hello', '', '   ', '🛑', '12345', 'YESS', "don't stop", 'end of the week works',
    'I will stop by tomorrow', 'para mañana',
  ])('%j is not a revocation', (text) => {
    expect(classifyInbound(text).intent).toBe('none');
  });

  it.each([
    ['Stop. Thank you', 'revocation_phrase'],
    ['ok stop', 'keyword_in_short_reply'],
    ['stop it', 'revocation_phrase'],
    ['please stop texting me', 'revocation_phrase'],
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
    ['can I cancel my appointment?', 'keyword_in_question'],
    ['I might have to cancel, will let you know tomorrow', 'keyword_in_long_message'],
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

import { Writable } from 'node:stream';
import winston from 'winston';
import { AppError } from '../../src/errors';
import { createLogger, maskPhone, maskSensitive, maskText } from '../../src/logger';

function capture(): { logger: winston.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = winston.createLogger({
    format: winston.format.combine(maskSensitive(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, lines };
}

/** The project's own logger (format included) writing into memory. */
function projectLogger(): { logger: winston.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', stream }), lines };
}

describe('log masking', () => {
  it('masks phone numbers and bodies, drops secrets', () => {
    const { logger, lines } = capture();
    logger.info('inbound +14155550134 said something', {
      from: '+14155550134',
      body: 'STOP texting me',
      nested: { to: '+12025550123', authToken: 'abc123' },
      authorization: 'Bearer xyz',
    });
    const line = lines.join('');
    expect(line).not.toContain('4155550134');
    expect(line).not.toContain('2025550123');
    expect(line).not.toContain('STOP texting me');
    expect(line).not.toContain('abc123');
    expect(line).not.toContain('xyz');
    expect(line).toContain('[15 chars]');
    expect(line).toContain('+1415***34');
  });

  it('keeps enough of a number to tell numbers apart in an incident', () => {
    expect(maskPhone('+14155550134')).toBe('+1415***34');
    expect(maskPhone('12')).toBe('***');
  });

  it('masks numbers in error stack traces, causes, pg details and error details, at any depth', () => {
    const { logger, lines } = projectLogger();
    const pgError = Object.assign(new Error('duplicate key value violates unique constraint "consent_phone"'), {
      code: '23505',
      detail: 'Key (phone)=(+14155550134) already exists.',
    });
    const notNull = Object.assign(new Error('null value in column "status"'), { detail: 'Failing row contains (msg_1, +14155550135, Your lipo consult is ready, null).' });
    const wrapped = new Error('send to +14155550136 failed', { cause: new Error('carrier refused (415) 555-0137', { cause: pgError }) });
    const appError = new AppError('invalid_phone', 400, '"415-555-0138" is not a phone number', { input: '4155550139', nested: { to: '+14155550140' } });
    let deep: Record<string, unknown> = { note: 'x', value: 'call +14155550141' };
    for (let i = 0; i < 12; i++) deep = { level: i, child: deep, text: `level ${i} +1 (415) 555-0142` };
    logger.error('unhandled error', { err: wrapped, path: '/v1/consent/%2B14155550143/opt-out' });
    logger.error(notNull);
    logger.error('failed', appError);
    logger.warn('deep', { deep });
    logger.info('form', { raw: 'From=%2B14155550144&To=%2B15005550006&Body=STOP+please' });
    let parseError: unknown;
    try {
      JSON.parse('Your lipo consult "+14155550151"\nis ready');
    } catch (err) {
      parseError = err;
    }
    logger.warn('invalid body', { err: parseError });
    logger.warn(parseError as Error);
    logger.info('national forms: 4155550145, 415.555.0146, 1-415-555-0147, 415+555+0148, %28415%29%20555-0149, 415 555 0150, 415–555–0152');
    const text = lines.join('');
    for (let n = 134; n <= 152; n++) expect(text).not.toContain(`55501${n - 100}`);
    expect(text).not.toContain('lipo consult');
    expect(text).not.toContain('STOP+please');
    expect(text).toContain('"stack"'); // the trace is kept, masked
    expect(text).toContain('at '); // with its frames
    expect(text).toContain('Key (phone)=(…) already exists.');
    expect(text).toContain('[nested too deep]');
    expect(text).toContain('+1415***43/opt-out');
  });

  it('never writes secrets: keys, Authorization headers, credentials in URLs and query strings', () => {
    const { logger, lines } = projectLogger();
    logger.info('request', {
      headers: { authorization: 'Bearer admin-secret-0123456789', cookie: 'sid=cookie-secret', 'x-twilio-signature': 'sig-secret=' },
      config: { twilio: { accountSid: 'AC123', authToken: 'token-secret-1' }, ledgerSigningKey: 'signing-secret', databaseUrl: 'postgres://app:db-secret-2@db:5432/sms' },
    });
    logger.error(new Error('request to https://api.example.com/send?AccessToken=query-secret-3&x=1 failed; sent "Authorization: Bearer bearer-secret-4"'));
    logger.warn('json answer {"auth_token":"json-secret-5","ok":false} from https://user:url-secret-6@example.com/');
    const text = lines.join('');
    for (const secret of ['admin-secret', 'cookie-secret', 'sig-secret', 'token-secret', 'signing-secret', 'db-secret', 'query-secret', 'bearer-secret', 'json-secret', 'url-secret']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('AC123');
  });

  it('leaves what is not a number alone: dates, IPs, counters, identifiers; a cycle or a repeat is fine', () => {
    for (const text of ['2026-11-27 06:45:01', '2026-11-26T13:00:00.000Z', '192.168.100.200:5432', 'batch of 1234567 rows', 'msg_1234567890abcdef', 'line 12:34']) {
      expect(maskText(text)).toBe(text);
    }
    const { logger, lines } = projectLogger();
    const shared = { to: '+14155550150' };
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    logger.info('shapes', { a: shared, b: shared, cyclic });
    const entry = JSON.parse(lines[0]!) as Record<string, any>;
    expect(entry.a).toEqual({ to: '+1415***50' });
    expect(entry.b).toEqual({ to: '+1415***50' });
    expect(entry.cyclic.self).toBe('[circular]');
  });
});

describe('numbers written with digits or separators outside ASCII', () => {
  // Each is a number libphonenumber reads (so a request with it reaches the database and may be
  // logged); found by an outside tester in logged request paths.
  const forms = [
    '/v1/consent/415%E2%80%93555%E2%80%930142', // en dashes, percent-encoded
    '/v1/consent/+1%E2%80%91415%E2%80%91555%E2%80%910142', // non-breaking hyphens
    '/v1/consent/415%C2%A0555%C2%A00142', // no-break spaces
    '/v1/consent/%EF%BC%94%EF%BC%91%EF%BC%95%EF%BC%95%EF%BC%95%EF%BC%95%EF%BC%90%EF%BC%91%EF%BC%94%EF%BC%92', // full-width digits
    '/v1/consent/%D9%A4%D9%A1%D9%A5%D9%A5%D9%A5%D9%A5%D9%A0%D9%A1%D9%A4%D9%A2', // Arabic-Indic digits
    'raw: ４１５５５５０１４２ and ٤١٥٥٥٥٠١٤٢ and 415–555–0142 and 415 555 0142',
    // Found by a second outside test: full-width brackets and full stops, the katakana long mark.
    '/v1/consent/%EF%BC%88415%EF%BC%89555%E2%80%900142/opt-out',
    '/v1/consent/%EF%BC%88415%EF%BC%89%20555-0142/opt-out',
    '/v1/consent/415%EF%BC%8E555%EF%BC%8E0142/opt-out',
    '/v1/consent/415%E3%83%BC555%E3%83%BC0142/opt-out',
    'raw: （４１５）５５５－０１４２',
  ];

  it.each(forms)('%s is masked', (text) => {
    const masked = maskText(text);
    const digitsLeft = masked.normalize('NFKC').replace(/\*\*\*/g, ' ').match(/\p{Nd}+/gu) ?? [];
    // No run of the number's digits survives: at most the country code and area code's first digits, and the last two.
    for (const run of digitsLeft) expect(run.length).toBeLessThanOrEqual(4);
    expect(decodeURIComponent(masked.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'))).not.toMatch(/555.?0142/);
  });

  it('ordinary non-ASCII text is left as it was', () => {
    expect(maskText('café – déjà vu, 12 €')).toBe('café – déjà vu, 12 €');
  });
});

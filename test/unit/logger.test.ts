import { Writable } from 'node:stream';
import winston from 'winston';
import { maskPhone, maskSensitive } from '../../src/logger';

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
});

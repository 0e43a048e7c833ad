import { newMessageId, randomHex80 } from '../../src/sending/message-id';

describe('message ids', () => {
  it('are msg_ and 32 hex digits, sort by creation time, and do not repeat', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => newMessageId(new Date(Date.UTC(2026, 10, 26) + i)));
    for (const id of ids) expect(id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('the random part takes only random digits of the UUID: every position varies', () => {
    const samples = Array.from({ length: 2_000 }, randomHex80);
    for (const s of samples) expect(s).toMatch(/^[0-9a-f]{20}$/);
    for (let position = 0; position < 20; position++) {
      // 2,000 draws of a random hex digit show all 16 values (a fixed digit would show one).
      expect(new Set(samples.map((s) => s[position])).size).toBe(16);
    }
  });
});

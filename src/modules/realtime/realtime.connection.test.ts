import * as ws from 'ws';
import { describe, expect, it } from 'vitest';
import { textFrame } from './realtime.connection';

// ws's own frame builder (exported at runtime, not in @types/ws).
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };

describe('pre-built message frames', () => {
  it('match the text frames ws itself builds, for every payload length encoding', () => {
    for (const length of [0, 5, 125, 126, 200, 65_535, 65_536, 70_000]) {
      const payload = Buffer.alloc(length, 'a');
      const built = Sender.frame(payload, { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false });
      expect(textFrame(payload).equals(Buffer.concat(built)), `length ${length}`).toBe(true);
      // The same frame from a string, multi-byte characters counted in bytes.
      const text = 'é'.repeat(Math.floor(length / 2)) + 'a'.repeat(length % 2);
      const fromText = Sender.frame(Buffer.from(text), { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false });
      expect(textFrame(text).equals(Buffer.concat(fromText)), `string of ${length} bytes`).toBe(true);
    }
  });
});

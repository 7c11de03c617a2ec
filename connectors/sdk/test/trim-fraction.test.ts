import { decimalChange, trimFraction } from '../src/canonical-types';

test('trimFraction drops trailing zeros of fractional seconds only, before the end, Z or an offset', () => {
  const cases: [string, string][] = [
    ['10:00:05.500000', '10:00:05.5'],
    ['10:00:05.000000', '10:00:05'],
    ['10:00:05', '10:00:05'],
    ['10:00:05.123456', '10:00:05.123456'],
    ['2024-01-02T03:04:05.100000Z', '2024-01-02T03:04:05.1Z'],
    ['2024-01-02T03:04:05.000Z', '2024-01-02T03:04:05Z'],
    ['2024-01-02 03:04:05.250+05:30', '2024-01-02 03:04:05.25+05:30'],
    ['2024-01-02 03:04:05.0-08', '2024-01-02 03:04:05-08'],
    ['2024-01-02 03:04:05.10 BC', '2024-01-02 03:04:05.10 BC'],
    ['2024-01-02 03:04:05.', '2024-01-02 03:04:05.'],
    ['2000-01-01 00:00:00.000100', '2000-01-01 00:00:00.0001'],
  ];
  for (const [input, expected] of cases) expect([input, trimFraction(input)]).toEqual([input, expected]);
});

test('decimalChange names the digits a DECIMAL / DECFLOAT / NUMBER column would round away, and nothing else', () => {
  const cases: [string, Parameters<typeof decimalChange>[1], RegExp | null][] = [
    ['12.34', { precision: 38, scale: 10 }, null],
    ['12.3400000000000', { precision: 38, scale: 10 }, null],
    ['0.12345678901', { precision: 38, scale: 10 }, /11 decimal places and the column keeps 10: it would be rounded/],
    ['-1234567890123456789012345678.5', { precision: 38, scale: 10 }, null],
    ['12345678901234567890123456789', { precision: 38, scale: 10 }, /29 digits before the point and the column keeps 28/],
    ['1.5e-11', { precision: 38, scale: 10 }, /12 decimal places/],
    ['1.5E3', { precision: 5, scale: 1 }, null],
    ['0000.5000', { precision: 1, scale: 1 }, null],
    ['1234567890123456789012345678901234', { significant: 34 }, null],
    ['1.2345678901234567890123456789012345', { significant: 34 }, /35 significant digits and the column keeps 34/],
    ['100000000000000000000000000000000000000', { significant: 34 }, null],
    ['-0.000', { scale: 0 }, null],
  ];
  for (const [text, room, why] of cases) {
    const got = decimalChange(text, room);
    if (why) expect({ text, got }).toEqual({ text, got: expect.stringMatching(why) });
    else expect({ text, got }).toEqual({ text, got: null });
  }
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import {
  createParser,
  encodeText,
  FIELD_NAMES,
  FieldListError,
  formatLine,
  MalformedLineError,
  RECOMMENDED_FIELDS,
  resolveLayout,
} from '../../src/index.js';
import { decodeText } from '../../src/parser/decode.js';
import { fieldsAndRecord } from './arbitraries.js';

describe('layout: columns follow the canonical order, whatever order the list was written in', () => {
  it("maps AWS's own example: configured ttfb, sc-status, c-country, then sc-bytes and time-taken added", () => {
    const layout = resolveLayout(['time-to-first-byte', 'sc-status', 'c-country', 'sc-bytes', 'time-taken']);
    expect(layout.fields).toEqual(['time-to-first-byte', 'sc-status', 'sc-bytes', 'time-taken', 'c-country']);
  });

  it('keeps an explicit delivery order as given and admits unknown names as raw text', () => {
    const parser = createParser(['sc-status', 'timestamp', 'brand-new-field'] as const, {
      order: 'delivery',
    });
    expect(parser.layouts[0]?.fields).toEqual(['sc-status', 'timestamp', 'brand-new-field']);
    const result = parser.parseLineOrThrow('200\t1600299221.087\ta%20b');
    expect(result).toEqual({ 'sc-status': 200, timestamp: 1600299221087, 'brand-new-field': 'a%20b' });
  });

  it('gives the same records for any order of the same field list', () => {
    fc.assert(
      fc.property(fieldsAndRecord, fc.context(), ({ fields, record }, ctx) => {
        const line = formatLine(record, resolveLayout(fields));
        const reversed = [...fields].reverse();
        ctx.log(line);
        expect(createParser(reversed).parseLine(line)).toEqual(createParser(fields).parseLine(line));
      }),
    );
  });
});

describe('field list errors come at construction, each saying what to change', () => {
  const problemsOf = (fields: readonly string[]) => {
    try {
      createParser(fields);
    } catch (err) {
      expect(err).toBeInstanceOf(FieldListError);
      return (err as FieldListError).problems;
    }
    throw new Error('expected a FieldListError');
  };

  it('names the closest known fields for an unknown name', () => {
    expect(problemsOf(['timestamp', 'cs-user-agnet'])).toEqual([
      expect.stringMatching(
        /^Unknown real-time log field "cs-user-agnet"; the closest known fields are "cs-user-agent"/,
      ),
    ]);
  });

  it('says a standard-log name belongs to standard logs and gives the real-time name', () => {
    expect(problemsOf(['date', 'cs(User-Agent)'])).toEqual([
      '"date" is a CloudFront standard-log field, not a real-time log field; real-time logs carry "timestamp" instead.',
      '"cs(User-Agent)" is a CloudFront standard-log field, not a real-time log field; real-time logs carry "cs-user-agent" instead.',
    ]);
  });

  it('refuses duplicates and an empty list', () => {
    expect(problemsOf(['sc-status', 'sc-status'])).toEqual([
      'Field "sc-status" is listed twice; list each field once.',
    ]);
    expect(problemsOf([])).toEqual([
      'The field list is empty; a real-time log config has at least one field.',
    ]);
  });

  it('reports every problem at once', () => {
    expect(problemsOf(['time', 'nope', 'c-ip', 'c-ip'])).toHaveLength(3);
  });

  it('refuses two layouts with the same column count, naming the fields that differ and the two-step way out', () => {
    const build = () =>
      createParser({
        layouts: [
          ['timestamp', 'c-ip', 'cs-cookie'],
          ['timestamp', 'cs-referer', 'c-ip'],
        ],
      });
    expect(build).toThrow(FieldListError);
    expect(build).toThrow(
      /Two field lists have 3 fields \(only in one: cs-cookie; only in the other: cs-referer\)/,
    );
    expect(build).toThrow(
      /first add the new fields .* then, once lines of the old list have stopped arriving/,
    );
    // The same fields in another delivery order are two layouts of one length as well.
    expect(() =>
      createParser(
        {
          layouts: [
            ['timestamp', 'sc-status'],
            ['sc-status', 'timestamp'],
          ],
        },
        { order: 'delivery' },
      ),
    ).toThrow(/the same fields in another order/);
  });

  it("reads a list given twice once (the same columns in any listed order), and names each list's problems", () => {
    const parser = createParser({
      layouts: [
        ['timestamp', 'sc-status'],
        ['sc-status', 'timestamp'],
      ],
    });
    expect(parser.layouts).toHaveLength(1);
    expect(parser.parseLineOrThrow('1.000\t200')).toEqual({ timestamp: 1000, 'sc-status': 200 });
    try {
      createParser({
        layouts: [
          ['timestamp', 'nope'],
          ['timestamp', 'c-ip', 'c-ip'],
        ],
      } as never);
      expect.unreachable();
    } catch (error) {
      const problems = (error as FieldListError).problems;
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(/^Field list 1: Unknown real-time log field "nope"/);
      expect(problems[1]).toMatch(/^Field list 2: Field "c-ip" is listed twice/);
    }
  });

  it('refuses an empty set of layouts', () => {
    expect(() => createParser({ layouts: [] })).toThrow(FieldListError);
  });
});

describe('values', () => {
  const parser = createParser([
    'timestamp',
    'sc-status',
    'time-taken',
    'cs-uri-stem',
    'x-forwarded-for',
  ] as const);
  // Arguments in the order listed above; columns in canonical order (cs-uri-stem before time-taken).
  const parse = (ts: string, status: string, taken: string, uri: string, xff: string) =>
    parser.parseLineOrThrow([ts, status, uri, taken, xff].join('\t'));

  it('turns the timestamp into exact integer epoch milliseconds', () => {
    expect(parse('1600299221.087', '200', '0.140', '/', '-').timestamp).toBe(1600299221087);
    expect(parse('1600299221.9', '200', '0.140', '/', '-').timestamp).toBe(1600299221900);
    expect(parse('1600299221', '200', '0.140', '/', '-').timestamp).toBe(1600299221000);
    // More than ms precision rounds to the nearest millisecond.
    expect(parse('1600299221.0875', '200', '0', '/', '-').timestamp).toBe(1600299221088);
  });

  it('keeps every millisecond exact, where float arithmetic would drift', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        const text = `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
        expect(parse(text, '1', '1', '/', '-').timestamp).toBe(ms);
      }),
    );
  });

  it('reads status 000 as 0 and seconds as written', () => {
    const r = parse('1.000', '000', '0.140', '/', '-');
    expect(r['sc-status']).toBe(0);
    expect(r['time-taken']).toBe(0.14);
  });

  it('reads - and empty as null in every field', () => {
    expect(parse('-', '-', '', '-', '')).toEqual({
      timestamp: null,
      'sc-status': null,
      'time-taken': null,
      'cs-uri-stem': null,
      'x-forwarded-for': null,
    });
  });

  it('splits x-forwarded-for on commas, trims, drops empties, and is null when none remain', () => {
    expect(parse('1', '1', '1', '/', '%2010.0.0.1,%20%202001:db8::1%20,,')['x-forwarded-for']).toEqual([
      '10.0.0.1',
      '2001:db8::1',
    ]);
    expect(parse('1', '1', '1', '/', ',%20,')['x-forwarded-for']).toBeNull();
  });
});

describe('text decoding: percent-decoded once, raw text kept when that fails', () => {
  it.each([
    ['/caf%C3%A9', '/café'],
    ['/a%253Ab', '/a%3Ab'], // the client sent %3A; decoding once gives it back, not ':'
    ['a+b', 'a+b'],
    ['100%', '100%'], // % not followed by two hex digits
    ['%ZZ', '%ZZ'],
    ['%C3', '%C3'], // truncated UTF-8
    ['%FF%FE', '%FF%FE'], // invalid UTF-8
    ['%ED%A0%80', '%ED%A0%80'], // an encoded surrogate is not UTF-8
    ['%c3%a9', 'é'], // lower-case hex is still hex
    ['%F0%9F%8E%89', '🎉'],
  ])('%s -> %s', (raw, decoded) => {
    expect(decodeText(raw)).toBe(decoded);
  });
});

describe("encodeText: CloudFront's encoding", () => {
  it('escapes exactly bytes 0-32, bytes >= 127 and <>"#%{}|\\^~[]`\' (uppercase), and keeps everything else', () => {
    const special = new Set('<>"#%{}|\\^~[]`\' ');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const encoded = encodeText(text);
        // Every character left is printable ASCII outside the special set, or an uppercase escape.
        expect(encoded).toMatch(/^(?:%[0-9A-F]{2}|[!-~])*$/);
        for (const c of encoded.replace(/%[0-9A-F]{2}/g, '')) expect(special.has(c)).toBe(false);
        // Nothing else was escaped: printable ASCII outside the set passes through unchanged.
        const kept = [...text].filter((c) => c >= '!' && c <= '~' && !special.has(c)).join('');
        expect(encoded.replace(/%[0-9A-F]{2}/g, '')).toBe(kept);
        expect(decodeText(encoded)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('header fields', () => {
  const parser = createParser(['cs-headers', 'cs-header-names'] as const);

  it('splits on %0A, drops the trailing empty piece, decodes each piece, splits at the first colon', () => {
    const record = parser.parseLineOrThrow(
      'Host:a.example%0AX-Time:12:30%0AUser-Agent:a%20b%0A\tHost%0AX-Time%0A',
    );
    expect(record['cs-headers']).toEqual([
      ['Host', 'a.example'],
      ['X-Time', '12:30'],
      ['User-Agent', 'a b'],
    ]);
    expect(record['cs-header-names']).toEqual(['Host', 'X-Time']);
  });

  it('keeps a piece cut at 800 bytes as [piece, ""] and a cut escape as raw text', () => {
    const record = parser.parseLineOrThrow('host:a%0Acookie:x%0Aaccept-langu\thost%0Aaccept-enc%2');
    expect(record['cs-headers']).toEqual([
      ['host', 'a'],
      ['cookie', 'x'],
      ['accept-langu', ''],
    ]);
    expect(record['cs-header-names']).toEqual(['host', 'accept-enc%2']);
  });
});

describe('CMCD fields never make a line malformed', () => {
  const parser = createParser(['cmcd-encoded-bitrate', 'cmcd-content-id', 'cmcd-playback-rate'] as const);
  it('gives numbers where numeric and text otherwise', () => {
    expect(parser.parseLineOrThrow('3200\t%22movie-7%22\t1.5')).toEqual({
      'cmcd-encoded-bitrate': 3200,
      'cmcd-content-id': '"movie-7"',
      'cmcd-playback-rate': 1.5,
    });
    expect(parser.parseLineOrThrow('abc\t12x\t-1')).toEqual({
      'cmcd-encoded-bitrate': 'abc',
      'cmcd-content-id': '12x',
      'cmcd-playback-rate': '-1',
    });
  });
});

describe('malformed lines are values naming the field and the value', () => {
  const parser = createParser(['timestamp', 'sc-status', 'time-taken'] as const);

  it.each([
    [
      'x\t200\t0.1',
      'timestamp',
      'x',
      'timestamp: "x" is not epoch seconds (1-10 digits, optionally "." and digits)',
    ],
    ['1.5\t2x0\t0.1', 'sc-status', '2x0', 'sc-status: "2x0" is not an integer (1-15 digits)'],
    ['1.5\t-200\t0.1', 'sc-status', '-200', 'sc-status: "-200" is not an integer (1-15 digits)'],
    [
      '1.5\t200\t0,1',
      'time-taken',
      '0,1',
      'time-taken: "0,1" is not a number of seconds (digits, optionally one "."; 15 digits at most)',
    ],
    [
      '1.\t200\t0.1',
      'timestamp',
      '1.',
      'timestamp: "1." is not epoch seconds (1-10 digits, optionally "." and digits)',
    ],
    [
      '1.5\t200\t.5',
      'time-taken',
      '.5',
      'time-taken: ".5" is not a number of seconds (digits, optionally one "."; 15 digits at most)',
    ],
    [
      '1.2.3\t200\t1',
      'timestamp',
      '1.2.3',
      'timestamp: "1.2.3" is not epoch seconds (1-10 digits, optionally "." and digits)',
    ],
  ])('%j', (line, field, value, reason) => {
    expect(parser.parseLine(line)).toEqual({ ok: false, line, field, value, reason });
  });

  it('reports a column count that fits no layout', () => {
    expect(parser.parseLine('1\t2')).toEqual({
      ok: false,
      line: '1\t2',
      field: null,
      value: null,
      reason: '2 columns fit no layout (expected 3 tab-separated columns)',
    });
    const two = createParser({ layouts: [['timestamp'], ['timestamp', 'sc-status', 'time-taken', 'c-ip']] });
    expect(two.parseLine('1\t2')).toMatchObject({
      reason: '2 columns fit no layout (expected 1 or 4 tab-separated columns)',
    });
  });

  it('reports a blank line, which parseLines skips', () => {
    expect(parser.parseLine('\r\n')).toMatchObject({ ok: false, reason: 'blank line' });
    expect([...parser.parseLines('\n1.5\t200\t0.1\r\n\n')]).toEqual([
      { ok: true, record: { timestamp: 1500, 'sc-status': 200, 'time-taken': 0.1 } },
    ]);
  });

  it('cuts a long value in the message but keeps it whole in the failure', () => {
    const long = 'x'.repeat(500);
    const failure = parser.parseLine(`${long}\t1\t1`);
    expect(failure.ok).toBe(false);
    if (failure.ok) return;
    expect(failure.value).toBe(long);
    expect(failure.reason.length).toBeLessThan(200);
  });

  it('throws a MalformedLineError from the throwing wrapper, with the same facts', () => {
    expect(() => parser.parseLineOrThrow('1.5\tx\t1')).toThrow(MalformedLineError);
    try {
      parser.parseLineOrThrow('1.5\tx\t1');
    } catch (err) {
      expect(err).toMatchObject({ field: 'sc-status', value: 'x', line: '1.5\tx\t1' });
    }
  });
});

describe('properties', () => {
  it('format then parse round-trips any record, for any field subset and list order', () => {
    fc.assert(
      fc.property(fieldsAndRecord, ({ fields, record }) => {
        const layout = resolveLayout(fields);
        const line = formatLine(record, layout);
        const result = createParser(fields).parseLine(`${line}\n`);
        expect(result).toEqual({ ok: true, record });
        if (result.ok) expect(Object.keys(result.record)).toEqual(layout.fields);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on any string: each line is a record or a malformed report', () => {
    const parser = createParser(RECOMMENDED_FIELDS);
    const column = fc.oneof(
      fc.string(),
      fc.constantFrom('-', '', '000', '1.5', '%', '%0A', '%C3'),
      fc.nat().map(String),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(column, { maxLength: 40, size: 'max' }).map((c) => c.join('\t')),
        ),
        (line) => {
          const result = parser.parseLine(line);
          expect(typeof result.ok).toBe('boolean');
          if (!result.ok) expect(result.reason).not.toBe('');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agrees with the generator on realistic traffic for every field, including malformed lines', () => {
    const lines = generateLines({ fields: FIELD_NAMES, count: 3000, seed: 11, malformedRate: 0.02 });
    const parser = createParser(FIELD_NAMES);
    for (const generated of lines) {
      const result = parser.parseLine(generated.line);
      if (generated.expected === null) {
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.field).toBe(generated.malformedField);
      } else {
        expect(result).toEqual({ ok: true, record: generated.expected });
      }
    }
  });
});

describe('several layouts while a config change rolls out', () => {
  it('matches each line to its layout by column count', () => {
    const parser = createParser({
      layouts: [
        ['timestamp', 'sc-status'],
        ['timestamp', 'sc-status', 'time-taken'],
      ],
    });
    expect(parser.parseLineOrThrow('1.000\t200')).toEqual({ timestamp: 1000, 'sc-status': 200 });
    expect(parser.parseLineOrThrow('1.000\t200\t0.5')).toEqual({
      timestamp: 1000,
      'sc-status': 200,
      'time-taken': 0.5,
    });
  });
});

describe('memoized fields', () => {
  it('give what the decoder gives for any sequence, values sharing a front-table slot included', async () => {
    const { memoized } = await import('../../src/parser/decode.js');
    const memo = memoized(decodeText);
    // Same length and the same code units where the fingerprint looks: one slot, different text.
    const a = `%41${'x'.repeat(20)}A${'x'.repeat(20)}%42`;
    const b = `%41${'x'.repeat(20)}B${'x'.repeat(20)}%42`.replace('xB', 'Bx');
    const pool = fc.constantFrom(a, b, '%41', '%41%42', 'caf%C3%A9', 'caf%C3%A8', '%ZZ', 'a%20b', 'a%20c');
    fc.assert(
      fc.property(fc.array(fc.oneof(pool, fc.string()), { maxLength: 50 }), (values) => {
        for (const v of values) expect(memo(v)).toBe(decodeText(v));
      }),
      { numRuns: 500 },
    );
  });

  it('never share a mutable value between records', () => {
    const parser = createParser(['cs-header-names', 'cs-user-agent'] as const);
    const line = 'curl/8.5.0%20(x)\thost%0Auser-agent%0A'; // canonical order: user agent first
    const first = parser.parseLineOrThrow(line);
    first['cs-header-names']?.push('mutated');
    expect(parser.parseLineOrThrow(line)).toEqual({
      'cs-header-names': ['host', 'user-agent'],
      'cs-user-agent': 'curl/8.5.0 (x)',
    });
  });

  it('stay correct past the memo capacity', async () => {
    const { MEMO_CAPACITY } = await import('../../src/parser/decode.js');
    const parser = createParser(['cs-user-agent'] as const);
    for (let i = 0; i < MEMO_CAPACITY * 2 + 10; i++) {
      expect(parser.parseLineOrThrow(`agent%20${i % (MEMO_CAPACITY + 7)}`)['cs-user-agent']).toBe(
        `agent ${i % (MEMO_CAPACITY + 7)}`,
      );
    }
  });
});

describe('pick: records with only some fields, the same lines parsing and failing', () => {
  const pickedOf = (record: Record<string, unknown>, keys: readonly string[]) =>
    Object.fromEntries(Object.entries(record).filter(([k]) => keys.includes(k)));

  it('gives the full record restricted to the picked keys, and the same failure for every line', () => {
    const lines = fc.oneof(
      // Realistic lines of every field, malformed ones included (a malformed unpicked column too).
      fc.constantFrom(
        ...generateLines({ fields: FIELD_NAMES, count: 400, seed: 5, malformedRate: 0.2 }).map((l) => l.line),
      ),
      fc
        .array(fc.constantFrom('-', '', '1.5', 'x', '200', '%41'), { maxLength: 70 })
        .map((c) => c.join('\t')),
    );
    fc.assert(
      fc.property(lines, fc.subarray([...FIELD_NAMES, 'not-a-field']), (line, keys) => {
        const full = createParser(FIELD_NAMES);
        const expected = full.parseLine(line);
        const actual = full.pick(keys as never[]).parseLine(line);
        if (expected.ok) expect(actual).toEqual({ ok: true, record: pickedOf(expected.record, keys) });
        else expect(actual).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('still checks unpicked number columns: a bad sc-range-start fails the line', () => {
    const parser = createParser(['timestamp', 'sc-status', 'sc-range-start'] as const).pick(['sc-status']);
    expect(parser.parseLineOrThrow('1600299221.087\t200\t-')).toEqual({ 'sc-status': 200 });
    const result = parser.parseLine('1600299221.087\t200\t12x');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.field).toBe('sc-range-start');
  });

  it('picks per layout, and picking again narrows', () => {
    const parser = createParser({
      layouts: [
        ['timestamp', 'sc-status'],
        ['timestamp', 'sc-status', 'time-taken'],
      ],
    });
    const picked = parser.pick(['sc-status', 'time-taken']);
    expect(picked.parseLineOrThrow('1.5\t200')).toEqual({ 'sc-status': 200 });
    expect(picked.parseLineOrThrow('1.5\t200\t0.25')).toEqual({ 'sc-status': 200, 'time-taken': 0.25 });
    expect(picked.pick(['time-taken']).parseLineOrThrow('1.5\t200\t0.25')).toEqual({ 'time-taken': 0.25 });
  });
});

describe('timestampAt: the timestamp of a column of a malformed line', () => {
  it("equals the parser's decoder on that column, read without splitting", async () => {
    const { DECODERS, timestampAt } = await import('../../src/parser/decode.js');
    const column = fc.oneof(fc.constantFrom('1600299221.087', '1.5', '0x1F', '1.', '', '-'), fc.string());
    fc.assert(
      fc.property(fc.array(column, { maxLength: 6 }), fc.integer({ min: -1, max: 7 }), (cols, index) => {
        const line = cols.join('\t');
        const raw = index < 0 ? undefined : line.split('\t')[index];
        const decoded = raw === undefined ? null : DECODERS.timestamp(raw);
        expect(timestampAt(line, index)).toBe(typeof decoded === 'number' ? decoded : null);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('record builders', () => {
  it('the generated builder and the interpreted fallback give the same records and failures', async () => {
    const { createRecordBuilder, loopBuilder } = await import('../../src/parser/record-builder.js');
    const { DECODERS } = await import('../../src/parser/decode.js');
    const layout = resolveLayout(FIELD_NAMES);
    const decoders = layout.columns.map((c) => DECODERS[c.kind] as (raw: string) => unknown);
    const picked = new Set(['timestamp', 'c-ip', 'sc-status', 'cs-uri-stem', 'time-taken']);
    const generated = createRecordBuilder(layout, decoders);
    const interpreted = loopBuilder(layout, decoders);
    const generatedPicked = createRecordBuilder(layout, decoders, picked);
    const interpretedPicked = loopBuilder(layout, decoders, picked);
    const lines = generateLines({ fields: FIELD_NAMES, count: 500, seed: 21, malformedRate: 0.1 }).map(
      (l) => l.line,
    );
    let malformed = 0;
    for (const line of [...lines, 'a\tb', `${lines[0]}\textra`, '']) {
      const a = generated(line, line.length);
      const b = interpreted(line, line.length);
      if (typeof a === 'number') malformed++;
      expect(a).toEqual(b);
      expect(generatedPicked(line, line.length)).toEqual(interpretedPicked(line, line.length));
      // A line ending past `end` is not part of the last column.
      for (const ending of ['\n', '\r\n']) {
        expect(generated(line + ending, line.length)).toEqual(a);
        expect(interpreted(line + ending, line.length)).toEqual(a);
      }
    }
    // The comparison covered failures (malformed columns and column count mismatches), not only records.
    expect(malformed).toBeGreaterThan(10);
  });

  it('refuses __proto__ as a field name, which an object literal would treat as the prototype', () => {
    expect(() => createParser(['__proto__'], { order: 'delivery' })).toThrow(
      '"__proto__" cannot be a field name.',
    );
  });
});

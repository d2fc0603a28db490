/**
 * A non-empty input of which no line parses is a mistake, not an empty log: the check says which
 * mistake it looks like.
 */
import { describe, expect, it } from 'vitest';
import { createMatchCheck, MAX_SAMPLED_LINES, NoRecordsError } from '../../src/cli/no-records.js';
import { createParser } from '../../src/parser/parser.js';

const parser = createParser(['timestamp', 'c-ip', 'sc-status'] as const);

/** A standard log's first lines, as CloudFront writes them to S3. */
const STANDARD_LOG = [
  '#Version: 1.0',
  '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status',
  '2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200',
];

function checked(lines: readonly string[]) {
  const check = createMatchCheck(parser);
  let records = 0;
  for (const line of lines) {
    const result = parser.parseLine(line);
    if (result.ok) records++;
    else check.malformed(line, result.reason);
  }
  return { check, records };
}

describe('createMatchCheck', () => {
  it('has nothing to say when a line parsed, or when no line was read', () => {
    const { check, records } = checked(['1600299221.087\t192.0.2.1\t200', 'garbage']);
    expect(records).toBe(1);
    expect(check.problem(records)).toBeNull();
    expect(() => check.assertParsed(records)).not.toThrow();
    expect(createMatchCheck(parser).problem(0)).toBeNull();
  });

  it('tells a standard log by its #Version or #Fields header', () => {
    const { check } = checked(STANDARD_LOG);
    expect(check.problem(0)).toMatch(
      /^no line matched the field list \(3 lines read, none parsed\): the input has a "#Version" or "#Fields" header, so it is a CloudFront standard \(access\) log/,
    );
    expect(() => check.assertParsed(0)).toThrow(NoRecordsError);
  });

  it('tells a binary or otherwise compressed file', () => {
    const { check } = checked(['PK\u0003\u0004\u0000\u0000\uFFFD\uFFFD']);
    expect(check.problem(0)).toContain('the input is not text (NUL bytes or bytes that are not UTF-8)');
  });

  it('gives the column count seen against the count the field list has', () => {
    const { check } = checked(['1\t2\t3\t4\t5', '1\t2\t3\t4\t5', '1\t2']);
    expect(check.problem(0)).toContain(
      'the lines have 5 tab-separated columns, the field list has 3 fields.',
    );
    const twoLists = createMatchCheck(
      createParser({ layouts: [['timestamp', 'c-ip', 'sc-status'], ['timestamp']] }),
    );
    twoLists.malformed('a\tb');
    expect(twoLists.problem(0)).toContain(
      'the lines have 2 tab-separated columns, the field list has 3 or 1 fields.',
    );
  });

  it('says when lines have no tab at all', () => {
    const { check } = checked(['timestamp c-ip sc-status', '1600299221 192.0.2.1 200']);
    expect(check.problem(0)).toContain('the lines have no tab, but real-time log lines are tab-separated');
  });

  it('with the right column count, quotes the first reason and points at the list and the order', () => {
    const { check } = checked(['192.0.2.1\t1600299221.087\t200']);
    expect(check.problem(0)).toContain(
      'the lines have the 3 columns the field list has, but values do not decode (first: timestamp: a value of 9 characters shaped like an IPv4 address is not epoch seconds',
    );
    // The reason names the value's shape, never the address (issue 13: reasons reach logs).
    expect(check.problem(0)).not.toContain('192.0.2.1');
    expect(check.problem(0)).toContain('--delivery-order');
  });

  it(`looks at the first ${MAX_SAMPLED_LINES} malformed lines and counts all of them`, () => {
    const lines = [...Array.from({ length: MAX_SAMPLED_LINES }, () => '1\t2\t3\t4'), ...STANDARD_LOG];
    const { check } = checked(lines);
    expect(check.problem(0)).toContain(`(${MAX_SAMPLED_LINES + 3} lines read, none parsed)`);
    expect(check.problem(0)).toContain('the lines have 4 tab-separated columns');
  });
});

/**
 * Parse cases: the floor (base64 + UTF-8 + split on tab), this library's parser, and the only npm
 * real-time log parser (`cloudfront-log-parser`, kinesis format, installed from bench/package.json).
 */
import { createRequire } from 'node:module';
import { createParser } from '../../src/parser/parser.js';
import type { BenchCase } from '../types.js';

interface PeerParser {
  parseLine(line: string, options: { format: 'kinesis' }): Record<string, string>;
}

function loadPeer(): PeerParser | undefined {
  try {
    return createRequire(new URL('../package.json', import.meta.url))('cloudfront-log-parser') as PeerParser;
  } catch {
    return undefined;
  }
}

const decode = (data: string) => Buffer.from(data, 'base64').toString('utf8');

export const cases: BenchCase[] = [
  {
    name: 'baseline-split',
    description: 'base64 -> UTF-8 -> split on tab: the floor nobody can beat by much',
    prepare: (data) => () => {
      let columns = 0;
      for (const d of data.kinesisData) columns += decode(d).split('\t').length;
      if (columns === 0) throw new Error('no columns');
      return data.kinesisData.length;
    },
  },
  {
    name: 'parse',
    description: 'typed records, every field decoded as the cfrt parse contract says',
    prepare: (data) => {
      const parser = createParser(data.fields);
      return () => {
        let ok = 0;
        for (const d of data.kinesisData) if (parser.parseLine(decode(d)).ok) ok++;
        if (ok !== data.kinesisData.length)
          throw new Error(`only ${ok} of ${data.kinesisData.length} lines parsed`);
        return ok;
      };
    },
  },
  {
    name: 'peer-cloudfront-log-parser',
    description:
      'npm cloudfront-log-parser 1.2.0, kinesis format (strings only, unescape, fixed 40-field positions)',
    prepare: (data) => {
      const peer = loadPeer();
      if (peer === undefined)
        throw new Error('cloudfront-log-parser is not installed: run npm --prefix bench ci');
      return () => {
        let n = 0;
        for (const d of data.kinesisData)
          if (peer.parseLine(decode(d).slice(0, -1), { format: 'kinesis' })) n++;
        return n;
      };
    },
  },
];

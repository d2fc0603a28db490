import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extensionOf, queryParamCount, urlInfo } from '../../src/enrich/url.js';

describe('URL classes', () => {
  it.each([
    ['/', null, '*', null, 'html'],
    ['/index.html', 'html', '*', null, 'html'],
    ['/products/42', null, '*', null, 'html'],
    ['/blog/café/12', null, '*', null, 'html'],
    ['/assets/app.3f2c9a.js', 'js', '/assets/*', null, 'script'],
    ['/assets/chunk.MJS', 'mjs', '/assets/*', null, 'script'],
    ['/assets/style.css', 'css', '/assets/*', null, 'style'],
    ['/images/a.jpg', 'jpg', '*', null, 'image'],
    ['/images/a.avif', 'avif', '*', null, 'image'],
    ['/favicon.ico', 'ico', '*', null, 'image'],
    ['/fonts/Inter.woff2', 'woff2', '/assets/*', null, 'font'],
    ['/video/1/seg_12.ts', 'ts', '/video/*', null, 'video-segment'],
    ['/video/1/chunk-stream0-00042.m4s', 'm4s', '/video/*', null, 'video-segment'],
    ['/video/1/master.m3u8', 'm3u8', '/video/*', null, 'manifest'],
    ['/dash/manifest.mpd', 'mpd', '*', null, 'manifest'],
    ['/smooth/movie.ism/Manifest', null, '*', null, 'manifest'],
    ['/api/v1/users/42', null, '/api/*', null, 'api'],
    ['/orders/42', null, '/api/*', null, 'api'],
    ['/graphql', null, '*', null, 'api'],
    ['/v2/items', null, '*', null, 'api'],
    ['/i', null, '*', 'image/gif', 'image'],
    ['/data', null, '*', 'application/json; charset=utf-8', 'api'],
    ['/downloads/report.pdf', 'pdf', '*', null, 'other'],
    ['/.env', null, '*', null, 'html'],
    ['/a/b.', null, '*', null, 'html'],
    ['/a.b/c', null, '*', null, 'html'],
  ] as const)('%s: extension %s, category %s', (path, extension, behavior, contentType, category) => {
    expect(urlInfo(path, null, behavior, contentType)).toEqual({
      path,
      extension,
      category,
      queryParamCount: 0,
    });
  });

  it('takes the query from cs-uri-stem, else from cs-uri-query', () => {
    expect(urlInfo('/a.js?v=1&x=2', 'ignored=1', null).queryParamCount).toBe(2);
    expect(urlInfo('/a.js', 'a=1&b=2&c', null).queryParamCount).toBe(3);
    expect(urlInfo('/a.js?v=1', null, null).path).toBe('/a.js');
    expect(urlInfo(null, null, null)).toEqual({
      path: null,
      extension: null,
      category: 'other',
      queryParamCount: 0,
    });
  });

  it('counts query parameters as a split on & without empties', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a=1', 'b', '', 'c=', '=d', 'e=f=g')), (parts) => {
        const q = parts.join('&');
        expect(queryParamCount(q)).toBe(q.split('&').filter((p) => p !== '').length);
      }),
    );
  });

  it('finds an extension only in the last segment, lower-cased, alphanumeric', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 30, unit: fc.constantFrom('a', 'B', '1', '.', '/', '-', 'é') }),
        (path) => {
          const ext = extensionOf(path);
          if (ext === null) return;
          expect(ext).toMatch(/^[a-z0-9]{1,12}$/);
          expect(path.toLowerCase().endsWith(`.${ext}`)).toBe(true);
          // The last segment has a name before the extension (`/.env` has none; `/.a.json` has one).
          const segment = path.slice(path.lastIndexOf('/') + 1);
          expect(segment.length).toBeGreaterThan(ext.length + 1);
          expect(segment.includes('/')).toBe(false);
        },
      ),
    );
  });
});

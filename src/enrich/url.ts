import { pathOf } from '../model/classes.js';
import type { ContentCategory, UrlFields } from './types.js';

/** What `url` holds for one request. */
export type UrlInfo = UrlFields['url'];

/** Longest extension recognised (`webmanifest`); a longer "extension" is part of a name. */
export const MAX_EXTENSION_LENGTH = 12;

/** Content category by lower-case extension. */
export const CATEGORY_BY_EXTENSION: Readonly<Record<string, ContentCategory>> = {
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  shtml: 'html',
  php: 'html',
  asp: 'html',
  aspx: 'html',
  jsp: 'html',
  js: 'script',
  mjs: 'script',
  cjs: 'script',
  wasm: 'script',
  map: 'script',
  css: 'style',
  jpg: 'image',
  jpeg: 'image',
  png: 'image',
  gif: 'image',
  webp: 'image',
  avif: 'image',
  svg: 'image',
  ico: 'image',
  bmp: 'image',
  tif: 'image',
  tiff: 'image',
  heic: 'image',
  heif: 'image',
  jxl: 'image',
  woff: 'font',
  woff2: 'font',
  ttf: 'font',
  otf: 'font',
  eot: 'font',
  // HLS, DASH, CMAF, Smooth Streaming segments; progressive video and audio files
  ts: 'video-segment',
  m4s: 'video-segment',
  m4v: 'video-segment',
  m4a: 'video-segment',
  mp4: 'video-segment',
  cmfv: 'video-segment',
  cmfa: 'video-segment',
  cmft: 'video-segment',
  aac: 'video-segment',
  mp3: 'video-segment',
  webm: 'video-segment',
  vtt: 'video-segment',
  ismv: 'video-segment',
  isma: 'video-segment',
  // Playlists and manifests
  m3u8: 'manifest',
  mpd: 'manifest',
  f4m: 'manifest',
  ism: 'manifest',
  webmanifest: 'manifest',
  json: 'api',
  xml: 'api',
};

function isExtensionChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/**
 * The lower-case extension of a path's last segment (`/a/app.3f2c.JS` -> `js`), or `null`.
 * Dot files (`/.env`) and trailing dots have none.
 *
 * @example
 * extensionOf('/video/1/seg_12.ts'); // 'ts'
 * extensionOf('/products/42');       // null
 */
export function extensionOf(path: string): string | null {
  const dot = path.lastIndexOf('.');
  if (dot === -1) return null;
  const slash = path.lastIndexOf('/');
  if (dot <= slash + 1 || dot === path.length - 1 || path.length - dot - 1 > MAX_EXTENSION_LENGTH)
    return null;
  for (let i = dot + 1; i < path.length; i++) if (!isExtensionChar(path.charCodeAt(i))) return null;
  return path.slice(dot + 1).toLowerCase();
}

const API_PATH = /(?:^|\/)(?:api|graphql|v\d+|rest|rpc)(?:\/|$)/i;
const SMOOTH_MANIFEST = /\.ism[lc]?\/manifest$/i;

/**
 * The content category of a request, from the path's extension, else the cache behavior
 * (`/api/*`) or the path (`/api/`, `/graphql`, `/v1/`), else the response content type; a path
 * without an extension is a page (`html`).
 *
 * @example
 * contentCategory('/assets/app.js', null, null);       // 'script'
 * contentCategory('/orders/42', '/api/*', null);        // 'api'
 * contentCategory('/products/42', '*', 'text/html');   // 'html'
 */
export function contentCategory(
  path: string,
  extension: string | null,
  behavior: string | null | undefined,
  contentType?: string | null,
): ContentCategory {
  if (extension !== null) {
    const byExt = CATEGORY_BY_EXTENSION[extension];
    if (byExt !== undefined && Object.hasOwn(CATEGORY_BY_EXTENSION, extension)) return byExt;
  }
  if (SMOOTH_MANIFEST.test(path)) return 'manifest';
  if ((behavior !== null && behavior !== undefined && API_PATH.test(behavior)) || API_PATH.test(path)) {
    return 'api';
  }
  if (contentType !== null && contentType !== undefined) {
    const ct = contentType.toLowerCase();
    if (ct.startsWith('application/json') || ct.includes('+json') || ct.startsWith('application/grpc')) {
      return 'api';
    }
    if (ct.startsWith('text/html')) return 'html';
    if (ct.startsWith('image/')) return 'image';
    if (ct.startsWith('font/')) return 'font';
    if (ct.startsWith('text/css')) return 'style';
    if (ct.includes('javascript')) return 'script';
    if (ct.includes('mpegurl') || ct.includes('dash+xml')) return 'manifest';
    if (ct.startsWith('video/') || ct.startsWith('audio/')) return 'video-segment';
  }
  return extension === null ? 'html' : 'other';
}

/**
 * Number of `&`-separated, non-empty parameters of a query string.
 *
 * @example
 * queryParamCount('a=1&b=2&&c'); // 3
 */
export function queryParamCount(query: string | null | undefined): number {
  if (query === null || query === undefined || query === '') return 0;
  let count = 0;
  let start = 0;
  for (;;) {
    const amp = query.indexOf('&', start);
    const end = amp === -1 ? query.length : amp;
    if (end > start) count++;
    if (amp === -1) return count;
    start = amp + 1;
  }
}

/**
 * Path, extension, content category and query parameter count of a request. The query is the
 * part of `cs-uri-stem` after `?` (real-time logs put it there), else `cs-uri-query`.
 *
 * @example
 * urlInfo('/assets/app.js?v=3', null, '/assets/*');
 * // { path: '/assets/app.js', extension: 'js', category: 'script', queryParamCount: 1 }
 */
export function urlInfo(
  uriStem: string | null | undefined,
  uriQuery: string | null | undefined,
  behavior: string | null | undefined,
  contentType?: string | null,
): UrlInfo {
  if (uriStem === null || uriStem === undefined) {
    return { path: null, extension: null, category: 'other', queryParamCount: queryParamCount(uriQuery) };
  }
  const path = pathOf(uriStem)!;
  const extension = extensionOf(path);
  return {
    path,
    extension,
    category: contentCategory(path, extension, behavior, contentType),
    // Real-time logs put the query in the stem, after the path.
    queryParamCount: queryParamCount(
      path.length === uriStem.length ? uriQuery : uriStem.slice(path.length + 1),
    ),
  };
}

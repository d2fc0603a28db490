/**
 * Names of well-known bots, for a `ua.botName` people recognise. isbot decides *whether* a user
 * agent is a bot (its list is maintained upstream); this table only names the common ones, in
 * the order they are tried (specific before generic: `AdsBot-Google` before `Google`). A bot not
 * listed is named after the product token isbot matched in.
 */

/** `[pattern, name]`: the first pattern found in the user agent names the bot. */
export const KNOWN_BOTS: readonly (readonly [RegExp, string])[] = [
  // Search engines
  [/AdsBot-Google/i, 'AdsBot-Google'],
  [/Mediapartners-Google/i, 'Mediapartners-Google'],
  [/Googlebot-Image/i, 'Googlebot-Image'],
  [/Googlebot-Video/i, 'Googlebot-Video'],
  [/Googlebot-News/i, 'Googlebot-News'],
  [/Storebot-Google/i, 'Storebot-Google'],
  [/Google-InspectionTool/i, 'Google-InspectionTool'],
  [/GoogleOther/i, 'GoogleOther'],
  [/Google-Extended/i, 'Google-Extended'],
  [/FeedFetcher-Google/i, 'FeedFetcher-Google'],
  [/APIs-Google/i, 'APIs-Google'],
  [/Google-Read-Aloud/i, 'Google-Read-Aloud'],
  [/Chrome-Lighthouse|Lighthouse/i, 'Lighthouse'],
  [/Googlebot/i, 'Googlebot'],
  [/bingbot/i, 'bingbot'],
  [/BingPreview/i, 'BingPreview'],
  [/msnbot/i, 'msnbot'],
  [/adidxbot/i, 'adidxbot'],
  [/Applebot-Extended/i, 'Applebot-Extended'],
  [/Applebot/i, 'Applebot'],
  [/YandexBot|YandexImages|YandexMobileBot|Yandex[A-Za-z]*\//, 'YandexBot'],
  [/Baiduspider/i, 'Baiduspider'],
  [/DuckDuckBot|DuckAssistBot/i, 'DuckDuckBot'],
  [/Yahoo! Slurp/i, 'Yahoo! Slurp'],
  [/SeznamBot/i, 'SeznamBot'],
  [/Sogou/i, 'Sogou'],
  [/PetalBot/i, 'PetalBot'],
  [/Qwantify|Qwantbot/i, 'Qwantbot'],
  [/Exabot/i, 'Exabot'],
  [/MojeekBot/i, 'MojeekBot'],
  // AI crawlers and assistants
  [/ChatGPT-User/i, 'ChatGPT-User'],
  [/OAI-SearchBot/i, 'OAI-SearchBot'],
  [/GPTBot/i, 'GPTBot'],
  [/ClaudeBot/i, 'ClaudeBot'],
  [/Claude-User/i, 'Claude-User'],
  [/Claude-SearchBot/i, 'Claude-SearchBot'],
  [/Claude-Web/i, 'Claude-Web'],
  [/anthropic-ai/i, 'anthropic-ai'],
  [/PerplexityBot/i, 'PerplexityBot'],
  [/Perplexity-User/i, 'Perplexity-User'],
  [/Bytespider/i, 'Bytespider'],
  [/CCBot/i, 'CCBot'],
  [/Amazonbot/i, 'Amazonbot'],
  [/meta-externalagent/i, 'meta-externalagent'],
  [/cohere-ai/i, 'cohere-ai'],
  [/Diffbot/i, 'Diffbot'],
  [/YouBot/i, 'YouBot'],
  // SEO tools
  [/AhrefsBot|AhrefsSiteAudit/i, 'AhrefsBot'],
  [/SemrushBot/i, 'SemrushBot'],
  [/MJ12bot/i, 'MJ12bot'],
  [/DotBot/i, 'DotBot'],
  [/rogerbot/i, 'rogerbot'],
  [/Screaming Frog/i, 'Screaming Frog'],
  [/DataForSeoBot/i, 'DataForSeoBot'],
  [/BLEXBot/i, 'BLEXBot'],
  [/serpstatbot/i, 'serpstatbot'],
  // Link previews
  [/facebookexternalhit|Facebot/i, 'facebookexternalhit'],
  [/Twitterbot/i, 'Twitterbot'],
  [/LinkedInBot/i, 'LinkedInBot'],
  [/Slackbot|Slack-ImgProxy/i, 'Slackbot'],
  [/Discordbot/i, 'Discordbot'],
  [/TelegramBot/i, 'TelegramBot'],
  [/WhatsApp/i, 'WhatsApp'],
  [/Pinterestbot|Pinterest\//i, 'Pinterestbot'],
  [/redditbot/i, 'redditbot'],
  [/Embedly/i, 'Embedly'],
  [/SkypeUriPreview/i, 'SkypeUriPreview'],
  // Archivers
  [/ia_archiver|archive\.org_bot/i, 'archive.org_bot'],
  // Uptime and synthetic monitoring
  [/UptimeRobot/i, 'UptimeRobot'],
  [/Pingdom/i, 'Pingdom'],
  [/StatusCake/i, 'StatusCake'],
  [/Site24x7/i, 'Site24x7'],
  [/Better ?Uptime|Better Stack/i, 'Better Stack'],
  [/Datadog\/Synthetics|DatadogSynthetics/i, 'Datadog Synthetics'],
  [/NewRelicPinger|New Relic Synthetics/i, 'New Relic Synthetics'],
  [/CloudWatchSynthetics/i, 'CloudWatch Synthetics'],
  [/Amazon-Route53-Health-Check-Service/i, 'Route 53 health check'],
  [/ELB-HealthChecker/i, 'ELB-HealthChecker'],
  [/kube-probe/i, 'kube-probe'],
  [/Checkly/i, 'Checkly'],
  [/GoogleStackdriverMonitoring/i, 'Google Cloud Monitoring'],
  // Headless browsers and automation
  [/HeadlessChrome/i, 'HeadlessChrome'],
  [/PhantomJS/i, 'PhantomJS'],
  [/Selenium/i, 'Selenium'],
  [/Puppeteer/i, 'Puppeteer'],
  [/Playwright/i, 'Playwright'],
  // HTTP clients and command-line tools
  [/^curl\//i, 'curl'],
  [/^Wget\//i, 'Wget'],
  [/python-requests/i, 'python-requests'],
  [/python-urllib|Python-urllib/i, 'Python-urllib'],
  [/python-httpx/i, 'python-httpx'],
  [/aiohttp/i, 'aiohttp'],
  [/Scrapy/i, 'Scrapy'],
  [/Go-http-client/i, 'Go-http-client'],
  [/okhttp/i, 'okhttp'],
  [/Apache-HttpClient/i, 'Apache-HttpClient'],
  [/^Java\//, 'Java'],
  [/node-fetch/i, 'node-fetch'],
  [/^axios\//i, 'axios'],
  [/^undici/i, 'undici'],
  [/^got\b/i, 'got'],
  [/PostmanRuntime/i, 'PostmanRuntime'],
  [/insomnia/i, 'Insomnia'],
  [/HTTPie/i, 'HTTPie'],
  [/libwww-perl/i, 'libwww-perl'],
  [/Ruby/, 'Ruby'],
  [/^PHP\b|GuzzleHttp/i, 'PHP'],
  [/^Dart\//, 'Dart'],
  [/^Amazon CloudFront$/, 'Amazon CloudFront'],
  [/^aws-sdk-|^Boto3\//i, 'AWS SDK'],
];

const TOKEN_BOUNDARY = /[\s;()+,]/;

/** A product token that names itself a bot (`Acmebot/1.0`, `SomeSpider`, `feed-fetcher`). */
const SELF_NAMED_BOT =
  /(?:^|[\s;(,+])([A-Za-z][\w.-]*?(?:bot|spider|crawler|scraper|fetcher|monitor|checker|scanner))(?=[\s/;),]|$)/i;

/**
 * The product token around `match` in `ua` (`foo Acmebot/2.1 (bar)` around `bot` -> `Acmebot`):
 * the name of a bot this table does not list.
 */
export function tokenAround(ua: string, match: string): string {
  const at = ua.indexOf(match);
  if (at === -1) return match;
  let start = at;
  while (start > 0 && !TOKEN_BOUNDARY.test(ua[start - 1]!)) start--;
  let end = at + match.length;
  while (end < ua.length && !TOKEN_BOUNDARY.test(ua[end]!)) end++;
  const token = ua.slice(start, end);
  const slash = token.indexOf('/');
  const name = slash > 0 ? token.slice(0, slash) : token;
  return name.replace(/^compatible$/i, match) || match;
}

/**
 * The name of a bot user agent: from `KNOWN_BOTS`, else a product token that names itself a bot
 * (`Acmebot/1.0`), else the product token around `match` (isbot's matched text), else `null`.
 *
 * @example
 * botName('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'Google'); // 'Googlebot'
 */
export function botName(ua: string, match: string | null): string | null {
  for (const [pattern, name] of KNOWN_BOTS) if (pattern.test(ua)) return name;
  const self = SELF_NAMED_BOT.exec(ua);
  if (self?.[1] !== undefined) return self[1];
  return match === null ? null : tokenAround(ua, match);
}

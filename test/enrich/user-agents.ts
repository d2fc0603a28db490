/**
 * Real user-agent strings with what the enricher must say of them. `browser`/`os` are
 * ua-parser-js 1.x family names (folded: "Mobile Safari" is Safari on a mobile device).
 */
import type { DeviceType } from '../../src/enrich/index.js';

export interface UserAgentCase {
  readonly ua: string;
  readonly browser: string | null;
  readonly major: string | null;
  readonly os: string | null;
  readonly device: DeviceType;
  /** The bot's name; `null` for a human. */
  readonly bot: string | null;
}

const human = (
  ua: string,
  browser: string | null,
  major: string | null,
  os: string | null,
  device: DeviceType,
): UserAgentCase => ({ ua, browser, major, os, device, bot: null });
const bot = (ua: string, name: string, os: string | null = null): UserAgentCase => ({
  ua,
  browser: null,
  major: null,
  os,
  device: 'bot',
  bot: name,
});

export const USER_AGENT_CASES: readonly UserAgentCase[] = [
  // Desktop browsers
  human(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'Chrome',
    '131',
    'Windows',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36',
    'Chrome',
    '129',
    'Mac OS',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    'Chrome',
    '120',
    'Linux',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
    'Edge',
    '131',
    'Windows',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
    'Edge',
    '124',
    'Mac OS',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045',
    'Edge',
    '18',
    'Windows',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
    'Firefox',
    '133',
    'Linux',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
    'Firefox',
    '128',
    'Windows',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:83.0) Gecko/20100101 Firefox/83.0',
    'Firefox',
    '83',
    'Mac OS',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    'Firefox',
    '125',
    'Ubuntu',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
    'Safari',
    '17',
    'Mac OS',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0',
    'Opera',
    '115',
    'Windows',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 YaBrowser/24.7.0.0 Safari/537.36',
    'Yandex',
    '24',
    'Windows',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Vivaldi/7.0.3495.18',
    'Vivaldi',
    '7',
    'Windows',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko',
    'IE',
    '11',
    'Windows',
    'desktop',
  ),
  human(
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'Chrome',
    '131',
    'Chromium OS',
    'desktop',
  ),
  // Phones
  human(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
    'Safari',
    '17',
    'iOS',
    'mobile',
  ),
  human(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
    'Chrome',
    '131',
    'iOS',
    'mobile',
  ),
  human(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/130.0 Mobile/15E148 Safari/605.1.15',
    'Firefox',
    '130',
    'iOS',
    'mobile',
  ),
  human(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 EdgiOS/131.0.2903.68 Mobile/15E148 Safari/605.1.15',
    'Edge',
    '131',
    'iOS',
    'mobile',
  ),
  human(
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.104 Mobile Safari/537.36',
    'Chrome',
    '131',
    'Android',
    'mobile',
  ),
  human(
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
    'Chrome',
    '131',
    'Android',
    'mobile',
  ),
  human(
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
    'Samsung Internet',
    '26',
    'Android',
    'mobile',
  ),
  human(
    'Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0',
    'Firefox',
    '133',
    'Android',
    'mobile',
  ),
  human(
    'Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0',
    'Edge',
    '131',
    'Android',
    'mobile',
  ),
  human(
    'Mozilla/5.0 (Linux; Android 12; Redmi Note 11) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.230 Mobile Safari/537.36 OPR/80.1.4170.72672',
    'Opera',
    '80',
    'Android',
    'mobile',
  ),
  human(
    'Mozilla/5.0 (Linux; U; Android 13; en-US; V2207 Build/TP1A.220624.014) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/123.0.6312.80 UCBrowser/13.7.0.1320 Mobile Safari/537.36',
    'UCBrowser',
    '13',
    'Android',
    'mobile',
  ),
  // Tablets
  human(
    'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
    'Safari',
    '17',
    'iOS',
    'tablet',
  ),
  human(
    'Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
    'Chrome',
    '130',
    'Android',
    'tablet',
  ),
  human(
    'Mozilla/5.0 (Linux; Android 11; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/130.3.1 like Chrome/130.0.6723.102 Safari/537.36',
    'Silk',
    '130',
    'Android',
    'tablet',
  ),
  // In-app browsers and mobile apps
  human(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 339.0.3.12.91 (iPhone14,5; iOS 17_5_1; en_US; en; scale=3.00; 1170x2532; 618757420)',
    'Instagram',
    '339',
    'iOS',
    'mobile',
  ),
  human(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/476.0.0.39.109;FBBV/651440581;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.6;FBSS/3;FBCR/;FBID/phone;FBLC/en_US;FBOP/80]',
    'Facebook',
    '476',
    'iOS',
    'mobile',
  ),
  human(
    'Mozilla/5.0 (Linux; Android 14; Pixel 7 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36',
    'Chrome WebView',
    '127',
    'Android',
    'mobile',
  ),
  human('MyShopApp/5.3.1 (iPhone; iOS 17.6; Scale/3.00)', null, null, 'iOS', 'mobile'),
  // TVs and consoles
  human(
    'Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.5) AppleWebKit/537.36 (KHTML, like Gecko) 85.0.4183.93/6.5 TV Safari/537.36',
    // ua-parser-js 1.x reads the trailing `Safari/537.36` token: a known limitation, pinned here.
    'Safari',
    null,
    'Tizen',
    'other',
  ),
  human(
    'Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15',
    'Safari',
    '13',
    'PlayStation',
    'other',
  ),
  // Search engines
  bot('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'Googlebot'),
  bot(
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Googlebot',
    'Android',
  ),
  bot(
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.6778.69 Safari/537.36',
    'Googlebot',
  ),
  bot('Googlebot-Image/1.0', 'Googlebot-Image'),
  bot('AdsBot-Google (+http://www.google.com/adsbot.html)', 'AdsBot-Google'),
  bot('Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'bingbot'),
  bot(
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)',
    'Applebot',
    'Mac OS',
  ),
  bot('Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)', 'YandexBot'),
  bot('Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)', 'Baiduspider'),
  bot('DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)', 'DuckDuckBot'),
  // AI crawlers
  bot(
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
    'GPTBot',
  ),
  bot(
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ChatGPT-User/1.0; +https://openai.com/bot)',
    'ChatGPT-User',
  ),
  bot(
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)',
    'ClaudeBot',
  ),
  bot(
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)',
    'PerplexityBot',
  ),
  bot('CCBot/2.0 (https://commoncrawl.org/faq/)', 'CCBot'),
  bot(
    'Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)',
    'Bytespider',
    'Android',
  ),
  bot('Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', 'AhrefsBot'),
  bot('Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)', 'SemrushBot'),
  // Link previews
  bot('facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)', 'facebookexternalhit'),
  bot('Twitterbot/1.0', 'Twitterbot'),
  bot('Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'Slackbot'),
  bot('Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)', 'Discordbot'),
  // Monitoring
  bot('Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)', 'UptimeRobot'),
  bot('Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)', 'Pingdom'),
  bot(
    'Amazon-Route53-Health-Check-Service (ref 2f1a7b5c-2e5d-4e0f-9c2b-12ab34cd56ef; report http://amzn.to/1vsZADi)',
    'Route 53 health check',
  ),
  bot('ELB-HealthChecker/2.0', 'ELB-HealthChecker'),
  bot('kube-probe/1.29', 'kube-probe'),
  // Headless browsers
  bot(
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
    'HeadlessChrome',
    'Linux',
  ),
  bot(
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Chrome-Lighthouse',
    'Lighthouse',
    'Windows',
  ),
  // HTTP clients and command-line tools
  bot('curl/8.5.0', 'curl'),
  bot('Wget/1.21.4', 'Wget'),
  bot('python-requests/2.32.3', 'python-requests'),
  bot('Python-urllib/3.12', 'Python-urllib'),
  bot('python-httpx/0.27.0', 'python-httpx'),
  bot('Go-http-client/2.0', 'Go-http-client'),
  bot('okhttp/4.12.0', 'okhttp'),
  bot('Apache-HttpClient/4.5.14 (Java/17.0.9)', 'Apache-HttpClient'),
  bot('Java/17.0.2', 'Java'),
  bot('node-fetch/1.0 (+https://github.com/bitinn/node-fetch)', 'node-fetch'),
  bot('axios/1.7.7', 'axios'),
  bot('PostmanRuntime/7.42.0', 'PostmanRuntime'),
  bot('Amazon CloudFront', 'Amazon CloudFront'),
  // Unknown: nothing to say
  { ua: '', browser: null, major: null, os: null, device: 'unknown', bot: null },
  { ua: '-', browser: null, major: null, os: null, device: 'unknown', bot: null },
  { ua: '   ', browser: null, major: null, os: null, device: 'unknown', bot: null },
];

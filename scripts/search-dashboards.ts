/**
 * The search tier's OpenSearch Dashboards saved objects (infra/opensearch/dashboards.ndjson): an
 * index pattern over the records, one visualization per panel an SRE reads first, and the
 * dashboard that lays them out. Built here, from field names the test checks against the index
 * template generated from the record schema (src/sinks/record-schema.ts); written by
 * scripts/infra-artifacts.ts.
 */
import { SEARCH_INDEX_PATTERN } from '../src/sinks/record-schema.js';

/** One saved object, as a line of the ndjson file the Saved Objects import reads. */
export interface SavedObject {
  id: string;
  type: 'index-pattern' | 'visualization' | 'dashboard';
  attributes: Record<string, unknown>;
  references: { name: string; type: string; id: string }[];
}

/** The index pattern every visualization searches. */
export const INDEX_PATTERN_ID = 'cfrt-records';

/** An aggregation of a visualization (legacy `visState` form). */
interface Agg {
  id: string;
  type: string;
  schema: string;
  params: Record<string, unknown>;
}

const count = (): Agg => ({ id: '1', type: 'count', schema: 'metric', params: {} });
const overTime = (id = '2'): Agg => ({
  id,
  type: 'date_histogram',
  schema: 'segment',
  params: { field: 'timestamp', interval: 'auto', min_doc_count: 1, extended_bounds: {} },
});
const terms = (id: string, field: string, schema: string, size = 10): Agg => ({
  id,
  type: 'terms',
  schema,
  params: { field, size, order: 'desc', orderBy: '1', otherBucket: false, missingBucket: false },
});

const lineParams = (label: string, mode: 'normal' | 'stacked' = 'normal') => ({
  type: 'line',
  grid: { categoryLines: false },
  categoryAxes: [
    {
      id: 'CategoryAxis-1',
      type: 'category',
      position: 'bottom',
      show: true,
      scale: { type: 'linear' },
      labels: { show: true, filter: true, truncate: 100 },
      title: {},
    },
  ],
  valueAxes: [
    {
      id: 'ValueAxis-1',
      name: 'LeftAxis-1',
      type: 'value',
      position: 'left',
      show: true,
      scale: { type: 'linear', mode },
      labels: { show: true, rotate: 0, filter: false, truncate: 100 },
      title: { text: label },
    },
  ],
  seriesParams: [
    {
      show: true,
      type: mode === 'stacked' ? 'histogram' : 'line',
      mode,
      data: { label, id: '1' },
      valueAxis: 'ValueAxis-1',
      drawLinesBetweenPoints: true,
      lineWidth: 2,
      showCircles: false,
    },
  ],
  addTooltip: true,
  addLegend: true,
  legendPosition: 'right',
  times: [],
  addTimeMarker: false,
});

const tableParams = {
  perPage: 10,
  showPartialRows: false,
  showMetricsAtAllLevels: false,
  showTotal: false,
  totalFunc: 'sum',
  percentageCol: '',
};

const pieParams = {
  type: 'pie',
  addTooltip: true,
  addLegend: true,
  legendPosition: 'right',
  isDonut: true,
  labels: { show: false, values: true, last_level: true, truncate: 100 },
};

/** A visualization over the index pattern, with an optional KQL query of its own. */
function visualization(
  id: string,
  title: string,
  type: string,
  params: unknown,
  aggs: Agg[],
  query = '',
): SavedObject {
  return {
    id,
    type: 'visualization',
    attributes: {
      title,
      description: '',
      version: 1,
      uiStateJSON: '{}',
      visState: JSON.stringify({ title, type, params, aggs }),
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({
          indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index',
          query: { query, language: 'kuery' },
          filter: [],
        }),
      },
    },
    references: [
      { name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern', id: INDEX_PATTERN_ID },
    ],
  };
}

/** The cache hit ratio: a TSVB filter ratio, hits over hits and misses (errors and redirects are neither). */
function hitRatio(): SavedObject {
  const title = 'Cache hit ratio: hits / (hits + misses)';
  return {
    id: 'cfrt-cache-hit-ratio',
    type: 'visualization',
    attributes: {
      title,
      description: '',
      version: 1,
      uiStateJSON: '{}',
      visState: JSON.stringify({
        title,
        type: 'metrics',
        aggs: [],
        params: {
          id: 'cfrt-cache-hit-ratio',
          type: 'timeseries',
          index_pattern: SEARCH_INDEX_PATTERN,
          time_field: 'timestamp',
          interval: '',
          axis_position: 'left',
          axis_formatter: 'number',
          show_legend: 1,
          show_grid: 1,
          series: [
            {
              id: 'ratio',
              label: 'hit ratio',
              color: '#54B399',
              split_mode: 'everything',
              chart_type: 'line',
              line_width: 2,
              point_size: 0,
              fill: 0,
              stacked: 'none',
              formatter: 'percent',
              metrics: [
                {
                  id: 'ratio-metric',
                  type: 'filter_ratio',
                  metric_agg: 'count',
                  numerator: { query: 'cacheClass:hit', language: 'kuery' },
                  denominator: { query: 'cacheClass:(hit or miss)', language: 'kuery' },
                },
              ],
            },
          ],
        },
      }),
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }),
      },
    },
    references: [],
  };
}

/**
 * The saved objects, in import order (the index pattern first, the dashboard last).
 *
 * @example
 * const ndjson = dashboardSavedObjects().map((o) => JSON.stringify(o)).join('\n');
 */
export function dashboardSavedObjects(): SavedObject[] {
  const panels: SavedObject[] = [
    visualization('cfrt-requests', 'Requests', 'line', lineParams('Requests'), [count(), overTime()]),
    hitRatio(),
    visualization('cfrt-status-classes', 'Status classes', 'histogram', lineParams('Requests', 'stacked'), [
      count(),
      overTime(),
      terms('3', 'statusClass', 'group', 6),
    ]),
    visualization('cfrt-latency', 'Latency percentiles: time taken (s)', 'line', lineParams('Seconds'), [
      {
        id: '1',
        type: 'percentiles',
        schema: 'metric',
        params: { field: 'time-taken', percents: [50, 90, 99] },
      },
      overTime(),
    ]),
    visualization('cfrt-ttfb', 'Latency percentiles: time to first byte (s)', 'line', lineParams('Seconds'), [
      {
        id: '1',
        type: 'percentiles',
        schema: 'metric',
        params: { field: 'time-to-first-byte', percents: [50, 90, 99] },
      },
      overTime(),
    ]),
    visualization('cfrt-top-paths', 'Top paths', 'table', tableParams, [
      count(),
      terms('2', 'url.path', 'bucket', 20),
    ]),
    visualization(
      'cfrt-top-miss-paths',
      'Top miss paths',
      'table',
      tableParams,
      [count(), terms('2', 'url.path', 'bucket', 20)],
      'cacheClass:miss',
    ),
    visualization('cfrt-top-clients', 'Top clients (protected addresses)', 'table', tableParams, [
      count(),
      terms('2', 'client', 'bucket', 20),
    ]),
    visualization('cfrt-countries', 'Countries', 'pie', pieParams, [
      count(),
      terms('2', 'c-country', 'segment', 15),
    ]),
    visualization('cfrt-edges', 'Edge locations', 'table', tableParams, [
      count(),
      terms('2', 'edge.airport', 'bucket', 20),
      terms('3', 'x-edge-location', 'bucket', 5),
    ]),
    visualization('cfrt-user-agents', 'User agents', 'pie', pieParams, [
      count(),
      terms('2', 'ua.device', 'segment', 6),
      terms('3', 'ua.browser', 'segment', 10),
    ]),
    visualization(
      'cfrt-bots',
      'Bots',
      'table',
      tableParams,
      [count(), terms('2', 'ua.botName', 'bucket', 20)],
      'ua.isBot:true',
    ),
  ];
  const width = 24;
  const height = 12;
  const panelsJSON = panels.map((_, i) => ({
    panelIndex: String(i + 1),
    gridData: { x: (i % 2) * width, y: Math.floor(i / 2) * height, w: width, h: height, i: String(i + 1) },
    embeddableConfig: {},
    version: '2.11.0',
    panelRefName: `panel_${i}`,
  }));
  const dashboard: SavedObject = {
    id: 'cfrt-dashboard',
    type: 'dashboard',
    attributes: {
      title: 'CloudFront real-time logs: requests',
      description: 'Every request of the processed stream (cloudfront-realtime-logs search tier).',
      version: 1,
      timeRestore: true,
      timeFrom: 'now-3h',
      timeTo: 'now',
      refreshInterval: { pause: true, value: 0 },
      optionsJSON: JSON.stringify({ useMargins: true, hidePanelTitles: false }),
      panelsJSON: JSON.stringify(panelsJSON),
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }),
      },
    },
    references: panels.map((p, i) => ({ name: `panel_${i}`, type: 'visualization', id: p.id })),
  };
  const indexPattern: SavedObject = {
    id: INDEX_PATTERN_ID,
    type: 'index-pattern',
    attributes: { title: SEARCH_INDEX_PATTERN, timeFieldName: 'timestamp' },
    references: [],
  };
  return [indexPattern, ...panels, dashboard];
}

/** The ndjson text of the saved objects (one object a line, a final newline). */
export function savedObjectsNdjson(): string {
  return `${dashboardSavedObjects()
    .map((o) => JSON.stringify(o))
    .join('\n')}\n`;
}

import { milliseconds, type JsonValue, type ToxicDefinition } from './definition.js';

export interface HttpDelayAttributes {
  [name: string]: JsonValue;
  stage: string;
  delay: number;
  jitter: number;
}

export const httpDelay = {
  type: 'http_delay',
  summary: 'Holds a request before it goes upstream, or a response before its headers go back.',
  layer: 'request',
  protocols: ['http', 'http2'],
  attributes: [
    {
      kind: 'choice',
      name: 'stage',
      choices: ['request', 'response'],
      default: 'request',
      description: 'request: before the request goes upstream; response: before the response headers go back',
    },
    milliseconds('delay', 'how long to hold the request or response'),
    milliseconds('jitter', 'the delay varies uniformly by up to this much either way'),
  ],
  explain: ({ stage, delay, jitter }) =>
    `holds the ${stage === 'response' ? 'response' : 'request'} for ${delay} ms${jitter > 0 ? ` ± ${jitter} ms` : ''}`,
} as const satisfies ToxicDefinition<HttpDelayAttributes>;

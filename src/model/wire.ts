import type { Stream } from './toxic.js';
import type { ToxicType } from './toxics/index.js';

/** A toxic as the control API sends it. */
export interface ToxicJson {
  attributes: Record<string, number>;
  name: string;
  type: ToxicType;
  stream: Stream;
  toxicity: number;
}

/** A proxy as the control API sends it. */
export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  Logger: Record<string, never>;
  toxics: ToxicJson[];
}

export interface CreateProxyBody {
  name: string;
  upstream: string;
  listen?: string;
  enabled?: boolean;
  toxics?: CreateToxicBody[];
}

export interface UpdateProxyBody {
  listen?: string;
  upstream?: string;
  enabled?: boolean;
}

export interface CreateToxicBody {
  type: ToxicType | string;
  name?: string;
  stream?: Stream | string;
  toxicity?: number;
  attributes?: Record<string, number | string>;
}

export interface UpdateToxicBody {
  toxicity?: number;
  attributes?: Record<string, number | string>;
}

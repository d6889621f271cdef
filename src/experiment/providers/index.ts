import type { Provider } from '../../model/experiment.js';
import { faultlineProvider, isChaostoxiModule } from './faultline.js';
import { httpProvider } from './http.js';
import { javascriptProvider } from './javascript.js';
import type { ProviderImplementation } from './provider.js';
import { processProvider } from './process.js';
import { isPrometheusModule, prometheusProvider } from './prometheus.js';
import { pythonProvider } from './python.js';

const providers: Record<string, ProviderImplementation> = {
  process: processProvider,
  http: httpProvider,
  python: pythonProvider,
  javascript: javascriptProvider,
  faultline: faultlineProvider,
};

/** python activities on chaostoolkit-toxiproxy's modules run natively, without Python. */
export function providerFor(provider: Provider): ProviderImplementation | undefined {
  if (provider.type === 'python' && isChaostoxiModule(provider.module)) return faultlineProvider;
  if (provider.type === 'python' && isPrometheusModule(provider.module)) return prometheusProvider;
  return providers[provider.type];
}

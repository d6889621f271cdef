// fs.promises is read at the first asset served, so an idle server never loads it.
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { FaultlineError } from '../../model/errors.js';
import { sendText } from '../respond.js';
import { param, type Route } from '../route.js';
import type { UiSessions } from '../ui-session.js';

/** Where scripts/build-ui.mjs writes the dashboard: dist/ui beside dist/src. */
const assetDirectory = new URL('../../../ui/', import.meta.url);

const assetTypes: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * The page may load its own script and style and talk to its own origin, nothing else: no inline
 * script, no other origin, no framing, no form posting elsewhere.
 */
export const dashboardPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const pageHeaders = {
  'Content-Security-Policy': dashboardPolicy,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * Every URL in the page is relative, so the dashboard also works below a path prefix (such as
 * /t/TOKEN/ui/). The CSRF token travels in a meta tag, read by the page's script.
 */
function page(csrf: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="faultline-csrf" content="${csrf}">
<title>faultline</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/style.css">
<script type="module" src="assets/app.js"></script>
</head>
<body>
<noscript>The faultline dashboard needs JavaScript (modules) switched on.</noscript>
<div id="app"></div>
</body>
</html>
`;
}

export function uiRoutes(sessions: UiSessions): Route[] {
  return [
    {
      method: 'GET',
      path: '/ui',
      name: 'Dashboard',
      page: true,
      handler: (_request, response) => {
        response.writeHead(308, { Location: 'ui/' });
        response.end();
      },
    },
    {
      method: 'GET',
      path: '/ui/',
      name: 'Dashboard',
      page: true,
      handler: (request, response) => {
        const csrf = sessions.open(request.headers, response);
        for (const [name, value] of Object.entries(pageHeaders)) response.setHeader(name, value);
        response.setHeader('Cache-Control', 'no-store');
        sendText(response, 200, page(csrf), 'text/html; charset=utf-8');
      },
    },
    {
      method: 'GET',
      path: '/ui/assets/:file',
      name: 'DashboardAsset',
      page: true,
      handler: async (_request, response, context) => {
        const file = param(context, 'file');
        const type = assetTypes[/^[a-z0-9-]+\.([a-z]+)$/.exec(file)?.[1] ?? ''];
        if (type === undefined) return sendText(response, 404, '404 page not found\n');
        await sendAsset(response, file, type);
      },
    },
  ];
}

async function sendAsset(response: ServerResponse, file: string, type: string): Promise<void> {
  let body: Buffer;
  try {
    body = await fs.promises.readFile(new URL(file, assetDirectory));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (file === 'app.js' || file === 'style.css') {
      throw new FaultlineError('FAULTLINE_ERR_INTERNAL', 'the dashboard is not built', {
        hint: `${fileURLToPath(new URL(file, assetDirectory))} is missing; run "npm run build"`,
      });
    }
    return sendText(response, 404, '404 page not found\n');
  }
  response.writeHead(200, {
    ...pageHeaders,
    'Content-Type': type,
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
  });
  response.end(body);
}

import type { RequestListener, ServerResponse } from 'node:http';
import { after } from 'node:test';
import { browserScript } from '../src/browser/bundle.js';
import type { FaultSpec } from '../src/model/fault.js';
import { launchChromium, startHttpApp } from './helpers.js';

type Browser = Awaited<ReturnType<typeof launchChromium>>;
type Page = Awaited<ReturnType<Browser['newPage']>>;

/** Chromium for the file's tests, closed after them. */
export async function startBrowser(): Promise<Browser> {
  const browser = await launchChromium();
  after(() => browser.close());
  return browser;
}

/**
 * An app on 127.0.0.1 whose `/` is an empty HTML page, for faultline's script to run in; every
 * other request goes to `handler`. Closed after the file's tests.
 */
export function startPageApp(handler: RequestListener): ReturnType<typeof startHttpApp> {
  return startHttpApp((request, response) => {
    if (request.url === '/') {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<!doctype html><html><head></head><body></body></html>');
      return;
    }
    handler(request, response);
  });
}

/**
 * Two page apps serving `handler`: `app` on 127.0.0.1, and `elsewhere`, another origin
 * (localhost, not 127.0.0.1) for a cross-origin request from a page of `app`.
 */
export async function startTwoOrigins(handler: RequestListener): Promise<{ app: string; elsewhere: string }> {
  const { origin: app } = await startPageApp(handler);
  const { origin: other } = await startPageApp(handler);
  return { app, elsewhere: other.replace('127.0.0.1', 'localhost') };
}

/** A new tab of `browser` that runs faultline's script with `faults`, at `url`. */
export async function openPageWithFaults(browser: Browser, url: string, faults: FaultSpec[]): Promise<Page> {
  const tab = await browser.newPage();
  await tab.addInitScript(browserScript(faults));
  await tab.goto(url);
  return tab;
}

/**
 * Answers as a status fault does, for a real server to show what the page should see: `status`
 * with the fault's body and headers, allowing any origin. An unregistered status (599) goes with
 * no reason phrase, as faultline fakes it ('' by the IANA registry; node:http alone would say
 * 'unknown', nginx sends none).
 */
export function answerLikeAStatusFault(response: ServerResponse, status: number): void {
  const body = `injected fault: status ${status}`;
  const headers = {
    'Content-Type': 'text/plain;charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
    'X-Faultline-Fault': 'injected',
    'Access-Control-Allow-Origin': '*',
  };
  if (status === 599) response.writeHead(status, '', headers);
  else response.writeHead(status, headers);
  response.end(body);
}

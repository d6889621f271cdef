import type { Dispatcher } from 'undici';

/**
 * requests' read timeout, kept to the millisecond: each wait for bytes of the answer (for its
 * head once the request is on its way, then between pieces of its body) longer than `readMs`
 * aborts the request with undici's own codes, UND_ERR_HEADERS_TIMEOUT and UND_ERR_BODY_TIMEOUT.
 * undici's headersTimeout and bodyTimeout do the same on timers that tick every half second, so
 * a 0.1 s limit let a 0.4 s wait through. Compose it inside the redirect interceptor: each hop
 * is a request of its own, with limits of its own, as in requests. 0 sets no limit.
 */
export function readTimeouts(readMs: number): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    if (readMs <= 0) return dispatch(options, handler);
    let timer: NodeJS.Timeout | undefined;
    const stop = () => clearTimeout(timer);
    const wait = (controller: Dispatcher.DispatchController, code: string, message: string) => {
      stop();
      timer = setTimeout(() => controller.abort(Object.assign(new Error(message), { code })), readMs);
    };
    return dispatch(options, {
      onRequestStart(controller, context) {
        wait(controller, 'UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error');
        handler.onRequestStart?.(controller, context);
      },
      onRequestUpgrade(controller, statusCode, headers, socket) {
        stop();
        handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
      },
      onResponseStart(controller, statusCode, headers, statusMessage) {
        wait(controller, 'UND_ERR_BODY_TIMEOUT', 'Body Timeout Error');
        handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
      },
      onResponseData(controller, chunk) {
        wait(controller, 'UND_ERR_BODY_TIMEOUT', 'Body Timeout Error');
        handler.onResponseData?.(controller, chunk);
      },
      onResponseEnd(controller, trailers) {
        stop();
        handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError(controller, error) {
        stop();
        handler.onResponseError?.(controller, error);
      },
    });
  };
}

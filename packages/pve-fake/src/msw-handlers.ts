import { type HttpHandler, http } from 'msw';
import type { Dispatcher } from './router/dispatch.js';

/** msw handlers answering every request under `origin` with the fake (the API lives at `/api2/json`). */
export function createMswHandlers(origin: string, dispatcher: Dispatcher): HttpHandler[] {
  const base = origin.replace(/\/+$/, '');
  return [http.all(`${base}/*`, ({ request }) => dispatcher.handle(request))];
}

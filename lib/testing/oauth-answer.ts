import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './http-server';

/** The largest form read by an OAuth endpoint (the rest is drained, and answered 413). */
const MAX_FORM_BYTES = 64 * 1024;

/** An OAuth endpoint's answer before it is written: status, JSON body, extra headers. */
export interface OAuthAnswer {
  status: number;
  json: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** An RFC 6749 §5.2 error answer. */
export function oauthError(status: number, error: string, description: string, headers?: Record<string, string>): OAuthAnswer {
  return { status, json: { error, error_description: description }, ...(headers && { headers }) };
}

/** Writes an answer as JSON; token answers must never be cached (RFC 6749 §5.1). */
export function writeAnswer(response: ServerResponse, answer: OAuthAnswer): void {
  if (response.destroyed) return;
  response.writeHead(answer.status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...answer.headers });
  response.end(JSON.stringify(answer.json));
}

/** A 200 with no body, as RFC 7009 §2.2 answers a revocation (the client ignores the body). */
export function writeEmpty(response: ServerResponse): void {
  if (response.destroyed) return;
  response.writeHead(200, { 'Cache-Control': 'no-store', 'Content-Length': '0' }).end();
}

/** Calls back with the form, or `undefined` once a 413 was answered for an oversized body. */
export function readForm(request: IncomingMessage, response: ServerResponse, done: (form: URLSearchParams | undefined) => void): void {
  readBody(request, MAX_FORM_BYTES, (body) => {
    if (body !== undefined) return done(new URLSearchParams(body));
    writeAnswer(response, oauthError(413, 'invalid_request', 'the form is too large'));
    done(undefined);
  });
}

/** A JSON value as one base64url JWT segment. */
export function jsonSegment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

import { connect } from 'node:net';
import { expect } from 'vitest';

/** An HTTP answer as it came off the wire. */
export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes `request` to a listening server byte for byte and reads the answer until the server
 * closes the connection: for requests an HTTP client will not send (`GET /%ff`, a header
 * section past the server's limit). The request should ask for `Connection: close`.
 */
export function rawHttp(port: number, request: string | Buffer, timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`not an HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) });
    };
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('close', finish);
    // The server may reset a connection whose request it refused before reading all of it; what it answered still counts.
    socket.on('error', (err) => {
      if (chunks.length === 0) reject(err);
    });
    socket.write(request);
  });
}

/**
 * Asserts the contract's error answer read off the wire: the status, the code, a body of only
 * `code` and `message`, and an `x-request-id`.
 */
export function expectWireError(res: RawResponse, status: number, code: string): { code: string; message: string } {
  expect(res.status, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['x-request-id']).toBeTruthy();
  const body = JSON.parse(res.body);
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

import { createLogger } from '@cpt/platform';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openApiDocs } from './openapi.js';
import { addRoute, declaredRoute, type RouteDeclaration } from './route.js';
import { createServer } from './server.js';

const body = z.strictObject({ name: z.string().min(1), size: z.number().int().positive() });
const declaration = {
  method: 'POST',
  url: '/things',
  access: 'public',
  summary: 'Make a thing',
  tags: ['things'],
  request: { body },
  examples: { small: { summary: 'A small thing', value: { name: 'pebble', size: 1 } } },
  responses: { 201: { description: 'the thing', body } },
} satisfies RouteDeclaration;

describe('the docs page', () => {
  it('carries a title, an introduction, introduced groups, and each body’s examples beside its schema', async () => {
    const app = createServer({ log: createLogger('http-test', 'silent'), bodyLimit: 1024 });
    await app.register(openApiDocs, {
      title: 'Things API',
      description: 'Makes things.',
      version: '1',
      tags: [{ name: 'things', description: 'Things, made.' }],
    });
    addRoute(app, declaration, async ({ body: b }, _req, reply) => reply.code(201).send(b));
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.info).toEqual({ title: 'Things API', description: 'Makes things.', version: '1' });
    expect(doc.tags).toEqual([{ name: 'things', description: 'Things, made.' }]);
    const media = doc.paths['/things'].post.requestBody.content['application/json'];
    expect(media.examples).toEqual({ small: { summary: 'A small thing', value: { name: 'pebble', size: 1 } } });
    expect(media.schema['x-examples']).toBeUndefined();
    const page = await app.inject({ method: 'GET', url: '/docs/' });
    expect(page.body).toContain('<title>Things API</title>');
    await app.close();
  });

  it('refuses to declare a route whose example breaks its body’s schema', () => {
    const bad = { ...declaration, examples: { big: { summary: 'Too big', value: { name: 'boulder', size: 1.5 } } } };
    expect(() => declaredRoute(bad)).toThrow(/POST \/things: example big breaks the body's schema/);
    const { request: _, ...bodiless } = declaration;
    expect(() => declaredRoute(bodiless)).toThrow(/example small documents a body the route does not take/);
  });
});

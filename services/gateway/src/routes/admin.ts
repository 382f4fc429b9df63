import type { AccessAdmin } from '@cpt/application';
import {
  accountIdParams,
  accountListSchema,
  accountSchema,
  createAccountBody,
  createdKeySchema,
  createKeyBody,
  idParams,
  keyListSchema,
  pageQuery,
} from '@cpt/contracts';
import { addRoute, errorResponses, type RouteDeclaration, validationRules } from '@cpt/http';
import type { FastifyPluginAsync } from 'fastify';
import { examples } from './examples.js';

const tags = ['admin'];

export const createAccount = {
  method: 'POST',
  url: '/api/v1/admin/accounts',
  access: 'admin',
  summary: 'Create an account',
  tags,
  request: { body: createAccountBody },
  examples: examples.createAccount,
  responses: { 201: { description: 'the account', body: accountSchema }, ...errorResponses(400, 413, 422, 503, 500) },
} satisfies RouteDeclaration;

export const listAccounts = {
  method: 'GET',
  url: '/api/v1/admin/accounts',
  access: 'admin',
  summary: 'List accounts, newest first',
  tags,
  request: { querystring: pageQuery },
  responses: {
    200: { description: 'a page of accounts', body: accountListSchema },
    ...errorResponses(503, 500),
    ...validationRules('a cursor this service did not issue'),
  },
} satisfies RouteDeclaration;

export const createKey = {
  method: 'POST',
  url: '/api/v1/admin/accounts/:id/keys',
  access: 'admin',
  summary: 'Create an API key for an account; the answer is the only time the key is shown',
  tags,
  request: { params: accountIdParams, body: createKeyBody },
  examples: examples.createKey,
  responses: {
    201: { description: 'the key record, with `key`', body: createdKeySchema },
    ...errorResponses(400, 404, 413, 503, 500),
    ...validationRules('scopes without repeats'),
  },
} satisfies RouteDeclaration;

export const listKeys = {
  method: 'GET',
  url: '/api/v1/admin/accounts/:id/keys',
  access: 'admin',
  summary: "An account's keys (never the keys themselves)",
  tags,
  request: { params: accountIdParams },
  responses: { 200: { description: 'the keys', body: keyListSchema }, ...errorResponses(404, 422, 503, 500) },
} satisfies RouteDeclaration;

export const revokeKey = {
  method: 'DELETE',
  url: '/api/v1/admin/keys/:id',
  access: 'admin',
  summary: 'Revoke a key (again: 204 too); every instance refuses it within 10 s',
  tags,
  request: { params: idParams },
  responses: { 204: { description: 'revoked' }, ...errorResponses(404, 422, 503, 500) },
} satisfies RouteDeclaration;

/** The admin endpoints of section 7, over all accounts (scope `admin`). */
export const adminRoutes: FastifyPluginAsync<{ admin: AccessAdmin }> = async (app, { admin }) => {
  addRoute(app, createAccount, async ({ body }, req, reply) => {
    const account = await admin.createAccount(body.name);
    req.log.info({ accountId: account.id }, 'account created');
    return reply.code(201).send(account);
  });
  addRoute(app, listAccounts, async ({ query }) =>
    admin.listAccounts({ limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }),
  );
  addRoute(app, createKey, async ({ params: { id }, body }, req, reply) => {
    const key = await admin.createKey(id, { name: body.name, scopes: body.scopes, expiresAt: body.expires_at ?? null });
    req.log.info({ accountId: id, keyId: key.id, scopes: key.scopes }, 'key created');
    return reply.code(201).send(key);
  });
  addRoute(app, listKeys, async ({ params: { id } }) => admin.listKeys(id));
  addRoute(app, revokeKey, async ({ params: { id } }, req, reply) => {
    await admin.revokeKey(id);
    req.log.info({ keyId: id }, 'key revoked');
    return reply.code(204).send();
  });
};

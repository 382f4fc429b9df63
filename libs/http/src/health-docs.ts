import { z } from 'zod';
import { errorResponses, type RouteDeclaration } from './route.js';

const tags = ['health'];

/** `GET /health/live`. */
export const liveness = {
  method: 'GET',
  url: '/health/live',
  access: 'public',
  summary: 'The process answers',
  tags,
  responses: { 200: { description: 'alive', body: z.object({ status: z.literal('ok') }) } },
} satisfies RouteDeclaration;

/** `GET /health/ready`. */
export const readiness = {
  method: 'GET',
  url: '/health/ready',
  access: 'public',
  summary: 'Ready only while every dependency (PostgreSQL, Kafka) answers',
  tags,
  responses: {
    200: {
      description: 'ready; `checks` names each dependency',
      body: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.enum(['up', 'down'])) }),
    },
    ...errorResponses(503),
  },
} satisfies RouteDeclaration;

import { z } from 'zod';

/** The body of every non-2xx response. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** One entry of a 422 `validation_failed` answer: the field (`entry_price`, `[3].ts`, `` for the whole body) and what is wrong. */
export const fieldIssueSchema = z.object({
  path: z.string().meta({ example: 'entry_price' }),
  message: z.string().meta({ example: 'must be greater than 0' }),
});

/** The error body of one status: its possible codes, and the shape of `details` when it has one. */
const errorBody = (codes: readonly [string, ...string[]], details?: z.ZodType) =>
  z.object({
    error: z.object({
      code: z.enum(codes),
      message: z.string(),
      ...(details ? { details: details.optional() } : {}),
    }),
  });

/** The error body of each status the contract names (section 1), by status. */
export const errorBodies = {
  400: errorBody(['bad_request']),
  401: errorBody(['unauthenticated']),
  403: errorBody(['forbidden']),
  404: errorBody(['not_found']),
  409: errorBody(
    ['version_conflict', 'conflict'],
    z.object({ current_version: z.number().int().positive() }).meta({ description: 'with `version_conflict`: the campaign’s version' }),
  ),
  413: errorBody(['payload_too_large']),
  422: errorBody(['validation_failed'], z.array(fieldIssueSchema)),
  429: errorBody(['rate_limited']),
  500: errorBody(['internal']),
  503: errorBody(['unavailable'], z.unknown()),
} as const;
export type ErrorStatus = keyof typeof errorBodies;

/** One limit a command would break (section 8): amounts as 8-digit decimal strings. */
export const riskBreachSchema = z.object({
  limit: z.enum(['campaign_risk', 'portfolio_heat']),
  max: z.string().meta({ example: '5000.00000000' }),
  would_be: z.string().meta({ example: '5200.00000000' }),
});

/** The 422 body of a command that may raise exposure: a rule broken, or a risk limit. */
export const riskLimitedErrorBody = errorBody(
  ['validation_failed', 'risk_limit_exceeded'],
  z.union([z.array(fieldIssueSchema), z.array(riskBreachSchema)]),
);

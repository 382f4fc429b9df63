import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/**
 * The mark of each symbol (section 6): its newest tick by `ts`, the first processed of equal ones.
 * A position recorded after the fact starts from it.
 */
export const SymbolMark = defineEntity({
  name: 'SymbolMark',
  tableName: 'symbol_marks',
  checks: [{ name: 'symbol_marks_price_check', expression: 'price > 0' }],
  properties: {
    symbol: p.string().length(32).primary(),
    price: p.decimal('string').precision(18).scale(8),
    ts: p.datetime().length(3),
    updatedAt: p.datetime().length(3),
  },
});
export type SymbolMarkEntity = InferEntity<typeof SymbolMark>;

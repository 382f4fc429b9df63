import { Migration } from '@mikro-orm/migrations';

/**
 * Campaigns, positions, the event outbox, and the half-even rounding the mark statement uses.
 * Written by hand, before migrations were generated from the entities: the entities now describe
 * every table, index and check of it (the schema test proves it), except `round_half_even`, a
 * function no entity can declare, which later migrations keep writing by hand.
 */
export class Migration20261125000000Initial extends Migration {
  override async up(): Promise<void> {
    // PostgreSQL's round(numeric) rounds half away from zero; the contract rounds half to even.
    this.addSql(`
      create or replace function round_half_even(v numeric, s integer) returns numeric
      language sql immutable strict parallel safe as $$
        select case
          when abs(v * power(10::numeric, s) - trunc(v * power(10::numeric, s))) = 0.5
           and mod(trunc(v * power(10::numeric, s)), 2) = 0
          then trunc(v * power(10::numeric, s)) / power(10::numeric, s)
          else round(v, s)
        end
      $$;`);
    this.addSql(`
      create table campaigns (
        id uuid primary key,
        name varchar(200) not null,
        symbol varchar(32) not null,
        timeframe varchar(3) not null check (timeframe in ('1m','5m','15m','30m','1h','4h','1d','1w')),
        side varchar(5) not null check (side in ('LONG','SHORT')),
        status varchar(6) not null check (status in ('ACTIVE','CLOSED')),
        version integer not null check (version >= 1),
        last_seq bigint not null default 0,
        created_at timestamptz(3) not null,
        updated_at timestamptz(3) not null
      );`);
    this.addSql('create index campaigns_list_idx on campaigns (created_at desc, id desc);');
    this.addSql('create index campaigns_status_list_idx on campaigns (status, created_at desc, id desc);');
    this.addSql(`
      create table positions (
        id uuid primary key,
        campaign_id uuid not null references campaigns (id) on update restrict on delete restrict,
        signal_id uuid null,
        symbol varchar(32) not null,
        timeframe varchar(3) not null,
        pattern_type varchar(6) not null check (pattern_type in ('SPRING','SOS','LPS','UTAD','SOW','LPSY')),
        entry_date timestamptz(3) not null,
        entry_price numeric(18,8) not null check (entry_price > 0),
        shares numeric(18,8) not null check (shares > 0),
        stop_loss numeric(18,8) not null check (stop_loss > 0),
        risk numeric(18,8) not null,
        current_price numeric(18,8) not null,
        current_pnl numeric(18,8) not null,
        status varchar(6) not null check (status in ('OPEN','CLOSED')),
        closed_date timestamptz(3) null,
        exit_price numeric(18,8) null,
        realized_pnl numeric(18,8) null,
        marked_at timestamptz(3) null,
        created_at timestamptz(3) not null,
        updated_at timestamptz(3) not null,
        check ((status = 'OPEN') = (closed_date is null and exit_price is null and realized_pnl is null))
      );`);
    this.addSql('create index positions_campaign_status_idx on positions (campaign_id, status);');
    this.addSql('create index positions_campaign_entry_idx on positions (campaign_id, entry_date, id);');
    this.addSql("create index positions_open_symbol_idx on positions (symbol) where status = 'OPEN';");
    this.addSql(`
      create table campaign_events (
        id bigserial primary key,
        campaign_id uuid not null references campaigns (id) on delete restrict,
        seq bigint not null,
        payload json not null,
        request_id varchar(200) null,
        created_at timestamptz(3) not null,
        unique (campaign_id, seq)
      );`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists campaign_events;');
    this.addSql('drop table if exists positions;');
    this.addSql('drop table if exists campaigns;');
    this.addSql('drop function if exists round_half_even(numeric, integer);');
  }
}

import { Migration } from '@mikro-orm/migrations';

/** The account that campaigns recorded before accounts existed belong to. */
const DEFAULT_ACCOUNT = '00000000-0000-4000-8000-000000000001';

/**
 * Accounts, API keys and the journal. Generated from the entities (`npm run migration:create`),
 * then edited by hand where data already exists: campaigns recorded before accounts existed, and
 * their positions, go to an account named `default`, created only when there are any.
 */
export class Migration20261130002558AccountsKeysJournal extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "accounts" ("id" uuid not null, "name" varchar(200) not null, "equity" numeric(18,8) null, "max_campaign_risk_pct" numeric(18,8) not null default 5.00000000, "max_portfolio_heat_pct" numeric(18,8) not null default 10.00000000, "created_at" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "accounts_pkey" primary key ("id"), constraint accounts_equity_check check (equity > 0), constraint accounts_max_campaign_risk_pct_check check (max_campaign_risk_pct > 0 and max_campaign_risk_pct <= 100), constraint accounts_max_portfolio_heat_pct_check check (max_portfolio_heat_pct > 0 and max_portfolio_heat_pct <= 100));`,
    );

    this.addSql(
      `create table "api_keys" ("id" uuid not null, "account_id" uuid not null, "name" varchar(200) not null, "scopes" text[] not null, "prefix" varchar(12) not null, "hash" varchar(64) not null, "created_at" timestamptz(3) not null, "expires_at" timestamptz(3) null, "revoked_at" timestamptz(3) null, "last_used_at" timestamptz(3) null, constraint "api_keys_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "api_keys_account_idx" on "api_keys" ("account_id", "created_at");`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_hash_key" unique ("hash");`);

    this.addSql(
      `create table "journal_entries" ("id" uuid not null, "account_id" uuid not null, "campaign_id" uuid not null, "at" timestamptz(3) not null, "action" varchar(20) check ("action" in ('campaign_created', 'campaign_updated', 'position_opened', 'stop_moved', 'position_reduced', 'position_closed', 'stop_exit', 'campaign_closed')) not null, "version" int not null, "position_id" uuid null, "key_id" uuid null, "key_name" varchar(200) null, "request_id" varchar(200) null, "details" jsonb not null, constraint "journal_entries_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "journal_entries" add constraint "journal_entries_campaign_version_key" unique ("campaign_id", "version");`);

    this.addSql(
      `alter table "api_keys" add constraint "api_keys_account_id_fkey" foreign key ("account_id") references "accounts" ("id") on update no action on delete restrict;`,
    );

    this.addSql(
      `alter table "journal_entries" add constraint "journal_entries_account_id_fkey" foreign key ("account_id") references "accounts" ("id") on update no action on delete restrict;`,
    );
    this.addSql(
      `alter table "journal_entries" add constraint "journal_entries_campaign_id_fkey" foreign key ("campaign_id") references "campaigns" ("id") on update no action on delete restrict;`,
    );

    this.addSql(`drop index "campaigns_list_idx";`);
    this.addSql(`drop index "campaigns_status_list_idx";`);

    this.addSql(`alter table "campaigns" add column "account_id" uuid null;`);
    this.addSql(`alter table "positions" add column "account_id" uuid null;`);
    this.addSql(
      `insert into "accounts" ("id", "name", "created_at", "updated_at") select '${DEFAULT_ACCOUNT}', 'default', now(), now() where exists (select 1 from "campaigns");`,
    );
    this.addSql(`update "campaigns" set "account_id" = '${DEFAULT_ACCOUNT}';`);
    this.addSql(`update "positions" set "account_id" = '${DEFAULT_ACCOUNT}';`);
    this.addSql(`alter table "campaigns" alter column "account_id" set not null;`);
    this.addSql(`alter table "positions" alter column "account_id" set not null;`);
    this.addSql(
      `alter table "campaigns" add constraint "campaigns_account_id_fkey" foreign key ("account_id") references "accounts" ("id") on update no action on delete restrict;`,
    );
    this.addSql(`create index campaigns_account_list_idx on campaigns (account_id, created_at desc, id desc);`);
    this.addSql(`create index campaigns_account_status_list_idx on campaigns (account_id, status, created_at desc, id desc);`);

    this.addSql(
      `alter table "positions" add constraint "positions_account_id_fkey" foreign key ("account_id") references "accounts" ("id") on update no action on delete restrict;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "api_keys" drop constraint "api_keys_account_id_fkey";`);

    this.addSql(`alter table "campaigns" drop constraint "campaigns_account_id_fkey";`);

    this.addSql(`alter table "journal_entries" drop constraint "journal_entries_account_id_fkey";`);

    this.addSql(`alter table "positions" drop constraint "positions_account_id_fkey";`);

    this.addSql(`drop table if exists "accounts" cascade;`);

    this.addSql(`drop table if exists "api_keys" cascade;`);

    this.addSql(`drop table if exists "journal_entries" cascade;`);

    this.addSql(`drop index "campaigns_account_list_idx";`);
    this.addSql(`drop index "campaigns_account_status_list_idx";`);
    this.addSql(`alter table "campaigns" drop column "account_id";`);

    this.addSql(`create index "campaigns_list_idx" on "campaigns" ("created_at" desc, "id" desc);`);
    this.addSql(`create index "campaigns_status_list_idx" on "campaigns" ("status", "created_at" desc, "id" desc);`);

    this.addSql(`alter table "positions" drop column "account_id";`);
  }
}

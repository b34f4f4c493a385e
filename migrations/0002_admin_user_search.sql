ALTER TABLE "profiles" ADD COLUMN "first_name_digest" varchar(64);--> statement-breakpoint
ALTER TABLE "profiles" ADD COLUMN "last_name_digest" varchar(64);--> statement-breakpoint
CREATE INDEX "users_updated_at_idx" ON "users" USING btree ("updated_at");--> statement-breakpoint
CREATE INDEX "users_level_id_idx" ON "users" USING btree ("level","id");--> statement-breakpoint
CREATE INDEX "labels_key_value_idx" ON "labels" USING btree ("key","value");--> statement-breakpoint
CREATE INDEX "profiles_country_idx" ON "profiles" USING btree ("country");--> statement-breakpoint
CREATE INDEX "profiles_first_name_digest_idx" ON "profiles" USING btree ("first_name_digest");--> statement-breakpoint
CREATE INDEX "profiles_last_name_digest_idx" ON "profiles" USING btree ("last_name_digest");
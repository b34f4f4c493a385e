ALTER TABLE "profiles" ALTER COLUMN "first_name" SET DATA TYPE varchar(1024);--> statement-breakpoint
ALTER TABLE "profiles" ALTER COLUMN "last_name" SET DATA TYPE varchar(1024);--> statement-breakpoint
ALTER TABLE "profiles" ALTER COLUMN "dob" SET DATA TYPE varchar(1024);--> statement-breakpoint
ALTER TABLE "profiles" ALTER COLUMN "address" SET DATA TYPE varchar(1024);
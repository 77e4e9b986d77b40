import * as pulumi from "@pulumi/pulumi";
import { PostgresConfig } from "../config/workloads";

/**
 * A SQLAlchemy/libpq connection URI for an external PostgreSQL database. User and password are
 * percent-encoded, so a password with `@`, `:` or `/` cannot break the URI. The result is secret.
 */
export function postgresUri(db: PostgresConfig, password: pulumi.Input<string>, scheme = "postgresql"): pulumi.Output<string> {
    return pulumi.secret(
        pulumi
            .output(password)
            .apply((pw) => `${scheme}://${encodeURIComponent(db.user)}:${encodeURIComponent(pw)}@${db.host}:${db.port}/${db.database}?sslmode=${db.sslMode}`),
    );
}

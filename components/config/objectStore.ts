/**
 * Places in the S3-compatible object store, as every section of the stack config that writes there
 * reads them: a bucket and key prefix that name the env, an endpoint and a region.
 */
import { ENV_PATTERN } from "./fields";
import { ObjectReader, describeValue } from "./reader";

/** A place in the S3-compatible object store: `s3://<bucket>/<prefix>`. */
export interface S3Location {
    readonly bucket: string;
    /** No leading or trailing slash. */
    readonly prefix: string;
}

export const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const S3_PREFIX = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/** `bucket` and `prefix` of an object-store location object; the caller still calls `loc.done()`. */
export function bucketAndPrefix(loc: ObjectReader, defaultPrefix: string, example: string): S3Location {
    const bucket = loc.string("bucket", { required: true, pattern: S3_BUCKET, expected: "an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)" });
    const prefix = loc.string("prefix", {
        expected: `an object key prefix without leading or trailing slash, such as ${example}`,
        pattern: S3_PREFIX,
        default: defaultPrefix,
    });
    return { bucket, prefix };
}

/**
 * A location must name its env (in the bucket name or as a prefix segment), so two envs can share a
 * bucket but never a prefix.
 */
export function requireEnvInLocation(loc: ObjectReader, env: string, { bucket, prefix }: S3Location): void {
    // An env that is no env name is reported once, as such, not once per location that lacks it.
    if (bucket && S3_PREFIX.test(prefix) && ENV_PATTERN.test(env) && !bucket.split(/[.-]/).includes(env) && !prefix.split("/").includes(env)) {
        loc.problems.add(
            loc.keyOf("prefix"),
            `a location that names the env "${env}" in the bucket name or as a prefix segment (s3://${bucket}/${env}/...), so envs never share objects`,
            describeValue(prefix),
        );
    }
}

/** An object-store location (`{bucket, prefix}`) that names its env. */
export function s3Location(o: ObjectReader, name: string, env: string, defaultPrefix: string): S3Location {
    const loc = o.object(name);
    const location = bucketAndPrefix(loc, defaultPrefix, "dev/mlflow");
    loc.done();
    requireEnvInLocation(loc, env, location);
    return location;
}

/** The endpoint of an S3-compatible store other than AWS; undefined (AWS S3) when not set. */
export function s3EndpointUrl(o: ObjectReader): string | undefined {
    return o.has("endpointUrl")
        ? o.string("endpointUrl", { expected: "an http(s) URL of the S3-compatible endpoint", pattern: /^https?:\/\/[^\s/]+(\/[^\s]*)?$/ })
        : undefined;
}

export function s3Region(o: ObjectReader): string {
    return o.string("region", { expected: "an S3 region name such as us-east-1", pattern: /^[a-z0-9-]{2,32}$/, default: "us-east-1" });
}

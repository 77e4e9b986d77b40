/** Recovery refused or impossible (a foreign object, an unreadable state, nothing good to restore): exit code 1. */
export class RecoverError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RecoverError";
    }
}

/** Bad command line, or a tool the command needs is missing: exit code 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

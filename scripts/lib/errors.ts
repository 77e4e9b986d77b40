/**
 * Base of the scripts' expected failures: the class name becomes `name`, so an error is recognised
 * by name too where module graphs differ (the program is loaded fresh), and the message alone is
 * what users see.
 */
export class NamedError extends Error {
    constructor(message: string) {
        super(message);
        this.name = new.target.name;
    }
}

/** The error every parse and execution failure throws, with Go's message. */

export class TemplateError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'TemplateError';
	}
}

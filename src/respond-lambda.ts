/** The WAF responder's Lambda entry (being built). */
export const handler = async (): Promise<void> => {};

/**
 * The status recorded (in metrics and access logs, never sent) for a request whose client closed
 * the connection before the response was complete: nginx's 499.
 */
export const CLIENT_CLOSED_REQUEST = 499;

/** What the smoke test polls on an existing service to know it is up: any answer will do (its 404 too). */
export const READINESS_PATH = '/.well-known/create-traced-service/ready';

/** Constants shared by the CloudWatch API and EMF sinks (kept apart so EMF never loads the SDK). */

/** Default metric namespace. */
export const DEFAULT_NAMESPACE = 'CloudFront/RealtimeLogs';

// Placeholder: the Lambda handler (issue 5).
export {};

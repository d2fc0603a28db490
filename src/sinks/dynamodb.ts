// Placeholder: the dynamodb sink (issue 5).
export {};

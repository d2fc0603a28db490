// Placeholder: the cloudwatch sink (issue 5).
export {};

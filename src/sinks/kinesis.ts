// Placeholder: the kinesis sink (issue 5).
export {};

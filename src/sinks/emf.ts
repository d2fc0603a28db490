// Placeholder: the emf sink (issue 5).
export {};

/** EventBridge publisher (being built). */
export {};

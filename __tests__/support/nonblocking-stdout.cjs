// Preloaded by slow-reader.mjs: opening process.stdout on a pipe puts fd 1 in non-blocking mode (libuv).
void process.stdout;
